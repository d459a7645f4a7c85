"""polytui.adapters.http.client against the real loopback DemoServer: success, encoding, auth, every fault,
retries (counted on the server), redirects (the key never leaves its origin) and size caps."""

from __future__ import annotations

import asyncio
import gzip
import json
import re
import socket
import tracemalloc
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from urllib.parse import quote

import httpx
import pytest

from polytui import __version__
from polytui.adapters.http.client import (
    ApiClient,
    Fetched,
    conversation_url,
    validate_conversation_id,
)
from polytui.adapters.http.wire import Inflater, retry_after_seconds, too_deep
from polytui.core.config import Settings, config_path
from polytui.core.errors import (
    EXIT_API,
    EXIT_AUTH,
    EXIT_NOT_FOUND,
    EXIT_USAGE,
    ApiError,
    AuthError,
    BadPayloadError,
    NotFoundError,
    PolytuiError,
    UsageError,
)
from polytui.demo.samples import DEMO_AGENT, sample_conversations
from polytui.demo.server import DemoServer

KEY = "sk-client-test-9d2f61"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@pytest.fixture(scope="module")
def calls():
    return sample_conversations()


@pytest.fixture
def demo(calls):
    with DemoServer(calls, api_key=KEY) as running:
        yield running
    assert not running.errors, running.errors


@pytest.fixture
def cid(calls):
    return calls[0]["conversationId"]


def settings_for(url: str, **changes) -> Settings:
    values = {"api_key": KEY, "agent": DEMO_AGENT, "base_url_override": url, "timeout": 2.0}
    return Settings(**{**values, **changes})


@dataclass
class Outcome:
    result: Fetched | None = None
    error: PolytuiError | None = None
    lines: list[str] = field(default_factory=list)
    sleeps: list[float] = field(default_factory=list)


async def fetch(
    url: str,
    conversation_id: str,
    *,
    agent: str | None = None,
    settings: Settings | None = None,
    **options,
) -> Outcome:
    """Fetch once with a fresh client; the outcome records announcements and back-off sleeps."""
    outcome = Outcome()

    async def record_sleep(seconds: float) -> None:
        outcome.sleeps.append(seconds)

    options.setdefault("announce", outcome.lines.append)
    options.setdefault("sleep", record_sleep)
    options.setdefault("backoff_base", 0.01)
    async with ApiClient(settings or settings_for(url), **options) as client:
        try:
            outcome.result = await client.get_conversation(conversation_id, agent)
        except PolytuiError as exc:
            outcome.error = exc
    for line in outcome.lines:
        assert KEY not in line
    if outcome.error is not None:
        assert KEY not in str(outcome.error) and KEY not in outcome.error.message
        assert "<" not in outcome.error.message, "no HTML (or markup) in messages"
        assert "\n" not in str(outcome.error)
    return outcome


# -- success, headers, encoding ------------------------------------------------------------------


async def test_fetch_returns_conversation_raw_body_and_correlation_id(demo, calls, cid):
    out = await fetch(demo.url, cid)
    assert out.error is None and out.lines == [] and out.sleeps == []
    fetched = out.result
    assert fetched.conversation.conversation_id == cid
    assert json.loads(fetched.raw) == calls[0]
    assert fetched.raw == json.dumps(calls[0], ensure_ascii=False)
    assert UUID.match(fetched.correlation_id)
    assert fetched.host == settings_for(demo.url).host == demo.url.removeprefix("http://")
    (request,) = demo.requests
    assert request.method == "GET"
    assert request.path == f"/v1/agents/{DEMO_AGENT}/conversations/{cid}"
    assert request.headers["x-api-key"] == KEY
    assert request.headers["user-agent"] == f"polytui/{__version__}"
    assert request.headers["accept"] == "application/json"


async def test_ids_are_one_percent_encoded_segment_each(demo, calls):
    odd = "  chat/1?x=1#frag and café  "
    demo.add({**calls[1], "conversationId": odd.strip()})
    out = await fetch(demo.url, odd, agent="team/a b")
    assert out.error is None
    assert out.result.conversation.conversation_id == odd.strip()
    assert demo.requests[-1].path == (
        "/v1/agents/team%2Fa%20b/conversations/chat%2F1%3Fx%3D1%23frag%20and%20caf%C3%A9"
    )


def test_conversation_url_encodes_each_segment():
    url = conversation_url("https://api.eu.poly.ai/", "P/1", "a/../b%2F")
    assert url == "https://api.eu.poly.ai/v1/agents/P%2F1/conversations/a%2F..%2Fb%252F"


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "   ",
        ".",
        " .. ",
        "x" * 513,
        "a\x00b",
        "a\nb",
        "a\x1b[2Jb",
        "a\x9bb",
        "\ud800",
        "a\u2028b",
    ],
)
def test_validate_conversation_id_refuses(bad):
    with pytest.raises(UsageError) as info:
        validate_conversation_id(bad)
    assert info.value.exit_code == EXIT_USAGE
    assert "\x1b" not in str(info.value) and "\n" not in str(info.value)


def test_validate_conversation_id_strips_and_keeps_odd_but_valid_ids():
    assert validate_conversation_id("  CA0123  ") == "CA0123"
    assert validate_conversation_id("x" * 512) == "x" * 512
    assert validate_conversation_id("a/b ?#..c") == "a/b ?#..c"


async def test_refused_id_and_agent_never_reach_the_server(demo):
    assert (await fetch(demo.url, "..")).error.exit_code == EXIT_USAGE
    out = await fetch(demo.url, "CA1", agent="..")
    assert isinstance(out.error, UsageError) and "agent" in out.error.message
    assert demo.hits == 0


async def test_explicit_agent_overrides_settings(calls, cid):
    with DemoServer(calls, api_key=KEY, agent=DEMO_AGENT) as strict:
        wrong = settings_for(strict.url, agent="PROJECT-other")
        assert isinstance((await fetch(strict.url, cid, settings=wrong)).error, NotFoundError)
        out = await fetch(strict.url, cid, agent=DEMO_AGENT, settings=wrong)
        assert out.result.conversation.conversation_id == cid


async def test_concurrent_fetches_share_one_client(demo, calls):
    import asyncio

    async with ApiClient(settings_for(demo.url), max_connections=2) as client:
        got = await asyncio.gather(*(client.get_conversation(c["conversationId"]) for c in calls))
    assert [f.conversation.conversation_id for f in got] == [c["conversationId"] for c in calls]


def test_timeouts_follow_settings():
    client = ApiClient(Settings(api_key=KEY, agent="A"))
    assert client._http.timeout == httpx.Timeout(connect=10.0, read=30.0, write=30.0, pool=30.0)
    short = ApiClient(Settings(api_key=KEY, agent="A", timeout=3.0))
    assert short._http.timeout == httpx.Timeout(connect=3.0, read=3.0, write=3.0, pool=3.0)
    assert short._http.follow_redirects is False


# -- missing settings and refused keys ------------------------------------------------------------


async def test_no_key_is_an_auth_error_naming_env_and_config(demo, cid):
    out = await fetch(demo.url, cid, settings=settings_for(demo.url, api_key=None))
    assert isinstance(out.error, AuthError) and out.error.exit_code == EXIT_AUTH
    assert "POLYAI_API_KEY" in out.error.message and str(config_path()) in out.error.message
    assert demo.hits == 0


async def test_no_agent_is_a_usage_error(demo, cid):
    out = await fetch(demo.url, cid, settings=settings_for(demo.url, agent=None))
    assert isinstance(out.error, UsageError) and out.error.exit_code == EXIT_USAGE
    assert "--agent" in out.error.message and "POLYAI_AGENT_ID" in out.error.message
    assert demo.hits == 0


async def test_key_that_cannot_be_a_header_is_refused_locally(demo, cid):
    out = await fetch(demo.url, cid, settings=settings_for(demo.url, api_key="clé\nsecret"))
    assert isinstance(out.error, AuthError) and "secret" not in str(out.error)
    assert demo.hits == 0


async def test_wrong_key_gets_401_without_echoing_it(demo, cid):
    out = await fetch(demo.url, cid, settings=settings_for(demo.url, api_key="wrong-key-77"))
    assert isinstance(out.error, AuthError) and out.error.status == 401
    assert "wrong-key-77" not in str(out.error) and "another region" in out.error.message
    assert "Invalid or missing API key" in out.error.message
    assert demo.hits == 1


# -- faults ----------------------------------------------------------------------------------------

NO_RETRY = [
    (
        "unauthorized",
        AuthError,
        EXIT_AUTH,
        401,
        [
            "another region",
            "POLYAI_API_KEY",
            "The API key is missing, invalid or for another region",
        ],
    ),
    (
        "forbidden",
        AuthError,
        EXIT_AUTH,
        403,
        [DEMO_AGENT, "This API key may not read conversations of this agent"],
    ),
    ("not_found", NotFoundError, EXIT_NOT_FOUND, 404, [DEMO_AGENT, "Conversation not found"]),
    ("bad_request", UsageError, EXIT_USAGE, 400, ["The request failed validation"]),
]


@pytest.mark.parametrize(("fault", "kind", "code", "status", "words"), NO_RETRY)
async def test_client_errors_are_never_retried(demo, cid, fault, kind, code, status, words):
    demo.set_fault(fault)
    out = await fetch(demo.url, cid)
    assert type(out.error) is kind and out.error.exit_code == code and out.error.status == status
    for word in [*words, f"HTTP {status}"]:
        assert word in out.error.message
    if status == 404:
        assert cid in out.error.message and demo.url.removeprefix("http://") in out.error.message
    assert UUID.match(out.error.correlation_id) and out.error.correlation_id in str(out.error)
    assert demo.hits == 1 and out.lines == [] and out.sleeps == []


RETRIED_STATUS = [
    ("rate_limit", 429, "Too many requests; retry later"),
    ("server_error", 500, "Something went wrong on our side"),
    ("bad_gateway", 502, "The upstream service answered badly"),
    ("unavailable", 503, "The service is temporarily unavailable"),
    ("gateway_timeout", 504, "The upstream service did not answer in time"),
]


@pytest.mark.parametrize(("fault", "status", "api_text"), RETRIED_STATUS)
async def test_retryable_statuses_retry_then_report(demo, cid, fault, status, api_text):
    options = {"retry_after": "0"} if fault == "rate_limit" else {}
    demo.set_fault(fault, **options)
    out = await fetch(demo.url, cid)
    error = out.error
    assert type(error) is ApiError and error.exit_code == EXIT_API and error.status == status
    assert api_text in error.message and "gave up after 4 attempts" in error.message
    assert UUID.match(error.correlation_id) and error.correlation_id in str(error)
    assert demo.hits == 4 and len(out.sleeps) == 3
    host = demo.url.removeprefix("http://")
    for attempt, line in enumerate(out.lines, start=2):
        assert re.fullmatch(
            rf"HTTP {status} from {re.escape(host)}; retrying in \d+\.\d s "
            rf"\(attempt {attempt} of 4\)",
            line,
        ), line


@pytest.mark.parametrize("fault", ["server_error", "unavailable", "truncated", "reset", "drop"])
async def test_transient_failures_recover(demo, calls, cid, fault):
    demo.set_fault(fault, times=2)
    out = await fetch(demo.url, cid)
    assert out.error is None and json.loads(out.result.raw) == calls[0]
    assert demo.hits == 3 and len(out.lines) == 2


async def test_bare_500_is_reported_with_the_header_correlation_id(demo, cid):
    demo.set_fault("server_error_bare")
    out = await fetch(demo.url, cid, max_tries=2)
    assert type(out.error) is ApiError and out.error.status == 500
    assert "HTTP 500" in out.error.message and UUID.match(out.error.correlation_id)
    assert demo.hits == 2


@pytest.mark.parametrize("fault", ["truncated", "reset", "content_length_lies", "drop"])
async def test_broken_bodies_and_connections_retry_then_report(demo, cid, fault):
    demo.set_fault(fault)
    out = await fetch(demo.url, cid)
    assert type(out.error) is ApiError and out.error.exit_code == EXIT_API
    assert "broke before the answer was complete" in out.error.message
    assert "gave up after 4 attempts" in out.error.message
    assert demo.hits == 4 and len(out.lines) == 3
    assert all(line.startswith("broken connection from ") for line in out.lines)


async def test_slow_answer_times_out_and_retries(demo, cid):
    demo.set_fault("slow", seconds=5)
    out = await fetch(demo.url, cid, settings=settings_for(demo.url, timeout=0.2), max_tries=2)
    assert type(out.error) is ApiError and "did not answer within 0.2 s" in out.error.message
    assert demo.hits == 2 and out.lines[0].startswith("timeout from ")


async def test_dripping_body_hits_the_total_deadline(demo, cid):
    # Each chunk comes well inside the read timeout, but the whole body would take seconds.
    demo.set_fault("drip", seconds_per_chunk=0.02, chunk=8)
    out = await fetch(demo.url, cid, settings=settings_for(demo.url, timeout=0.4), max_tries=2)
    assert type(out.error) is ApiError
    assert "did not send a complete answer within 0.8 s" in out.error.message
    assert demo.hits == 2


PAYLOAD = [
    ("html", {}, "an HTML page instead of JSON"),
    ("garbage", {}, "not JSON"),
    ("invalid_utf8", {}, "not valid UTF-8"),
    ("deep_json", {}, "nested too deeply"),
    ("deep_json", {"depth": 300}, "nested over 200 levels"),
    ("deep_json", {"depth": 5}, "not a conversation object"),
    ("missing_fields", {}, "conversationId is missing"),
    ("gzip_bomb", {}, "larger than 64 MiB"),
]


@pytest.mark.parametrize(("fault", "options", "words"), PAYLOAD)
async def test_bad_payloads_are_reported_once(demo, cid, fault, options, words):
    demo.set_fault(fault, **options)
    out = await fetch(demo.url, cid)
    error = out.error
    assert type(error) is BadPayloadError and error.exit_code == EXIT_API
    assert words in error.message and error.status == 200
    assert UUID.match(error.correlation_id)
    assert demo.hits == 1 and out.lines == []


async def test_size_cap_counts_decoded_bytes(demo, calls, cid):
    size = len((await fetch(demo.url, cid)).result.raw.encode("utf-8"))
    assert (await fetch(demo.url, cid, max_bytes=size)).error is None
    out = await fetch(demo.url, cid, max_bytes=size - 1)
    assert isinstance(out.error, BadPayloadError) and "larger than" in out.error.message
    demo.set_fault("gzip_bomb", size=8 * 1024 * 1024)
    out = await fetch(demo.url, cid, max_bytes=1024 * 1024)
    assert "larger than 1 MiB" in out.error.message


async def test_gzip_bomb_memory_stays_near_the_cap(demo, cid):
    demo.set_fault("gzip_bomb", size=512 * 1024 * 1024)
    tracemalloc.start()
    try:
        out = await fetch(demo.url, cid, max_bytes=4 * 1024 * 1024)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "larger than 4 MiB" in out.error.message
    assert peak < 12 * 1024 * 1024, f"peak {peak / 2**20:.0f} MiB while refusing a 4 MiB cap"


def _transport(body: bytes, encoding: str) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        headers = {"Content-Encoding": encoding, "Content-Type": "application/json"}
        return httpx.Response(200, stream=httpx.ByteStream(body), headers=headers)

    return httpx.MockTransport(answer)


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "raw-deflate", "identity"])
async def test_compressed_bodies_are_decoded(calls, cid, encoding):
    body = json.dumps(calls[0]).encode()
    packed = {
        "gzip": gzip.compress(body),
        "deflate": zlib.compress(body),
        "raw-deflate": _raw_deflate(body),
        "identity": body,
    }[encoding]
    header = "deflate" if encoding == "raw-deflate" else encoding
    out = await fetch("https://api.us.poly.ai", cid, transport=_transport(packed, header))
    assert out.error is None and out.result.raw == body.decode()


def _raw_deflate(body: bytes) -> bytes:
    packer = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return packer.compress(body) + packer.flush()


@pytest.mark.parametrize(
    ("body", "encoding", "words"),
    [
        (b"{}", "br", "encoding polytui cannot read (br)"),
        (b"\x1f\x8b\x08\x00garbage-not-gzip", "gzip", "compressed answer is corrupt"),
        (gzip.compress(b'{"conversationId": "x"}' * 50, mtime=0)[:40], "gzip", "ended early"),
    ],
)
async def test_unreadable_encodings_are_bad_payloads(cid, body, encoding, words):
    out = await fetch("https://api.us.poly.ai", cid, transport=_transport(body, encoding))
    assert type(out.error) is BadPayloadError and words in out.error.message


def test_inflater_never_hands_out_more_than_asked():
    packed = gzip.compress(b"\0" * (10 * 1024 * 1024))
    inflater, total, rest = Inflater("gzip"), 0, packed
    while rest:
        piece, rest = inflater.step(rest, 4096)
        assert len(piece) <= 4096
        total += len(piece)
        if len(piece) < 4096 and not rest:
            break
    while not inflater.complete:
        piece, _ = inflater.step(b"", 4096)
        assert 0 < len(piece) <= 4096
        total += len(piece)
    assert total == 10 * 1024 * 1024
    with pytest.raises(ValueError):
        Inflater("zstd")


def test_too_deep_is_iterative_and_exact():
    nested: object = []
    for _ in range(5000):
        nested = [nested]
    assert too_deep(nested, 200) and not too_deep({"a": [[1]]}, 3) and too_deep({"a": [[1]]}, 2)
    assert not too_deep("text", 0)


async def test_success_status_with_error_envelope_is_an_api_error():
    body = {"success": False, "error_message": "Quota \x1b[2J exceeded", "error_id": "E-77"}
    with DemoServer({"CA1": body}, api_key=KEY) as odd:
        out = await fetch(odd.url, "CA1")
    assert type(out.error) is ApiError and "Quota" in out.error.message
    assert "\x1b" not in out.error.message and out.error.correlation_id
    assert len(out.error.message) < 400


# -- retries: waits --------------------------------------------------------------------------------


async def test_retry_after_seconds_are_honoured_and_capped(demo, cid):
    demo.set_fault("rate_limit", times=1, retry_after="2")
    out = await fetch(demo.url, cid)
    assert out.error is None and out.sleeps == [2.0]
    assert out.lines == [
        f"HTTP 429 from {demo.url.removeprefix('http://')}; retrying in 2.0 s (attempt 2 of 4)"
    ]
    demo.set_fault("rate_limit", times=1, retry_after="120")
    out = await fetch(demo.url, cid, retry_after_cap=7.5)
    assert out.sleeps == [7.5]


async def test_retry_after_http_date_and_garbage(demo, cid):
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=5), usegmt=True)
    demo.set_fault("rate_limit", times=1, retry_after=when)
    out = await fetch(demo.url, cid)
    assert out.error is None and 2.5 <= out.sleeps[0] <= 5.0
    demo.set_fault("rate_limit", times=1, retry_after="soon")
    out = await fetch(demo.url, cid, backoff_base=0.2)
    assert out.error is None and 0 <= out.sleeps[0] <= 0.2


def test_retry_after_parser():
    assert retry_after_seconds("3", 30) == 3.0
    assert retry_after_seconds(" 1.5 ", 30) == 1.5
    assert retry_after_seconds("-4", 30) == 0.0
    assert retry_after_seconds("999", 30) == 30
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", 30) == 0.0
    for junk in (None, "", "soon", "nan", "inf"):
        assert retry_after_seconds(junk, 30) is None


async def test_backoff_is_exponential_full_jitter_within_the_cap(demo, cid):
    demo.set_fault("unavailable")
    for _ in range(3):
        out = await fetch(demo.url, cid, max_tries=5, backoff_base=0.01, backoff_cap=0.03)
        bounds = [0.01, 0.02, 0.03, 0.03]
        assert len(out.sleeps) == 4
        assert all(0 <= s <= b for s, b in zip(out.sleeps, bounds, strict=True)), out.sleeps


async def test_refused_connection_retries_with_real_sleeps_and_prints(calls, cid, capsys):
    stopped = DemoServer(calls, api_key=KEY).start()
    url = stopped.url
    stopped.stop()
    settings = settings_for(url, debug=True)
    async with ApiClient(settings, backoff_base=0.001, max_tries=3) as client:
        with pytest.raises(ApiError) as info:
            await client.get_conversation(cid)
    assert "refused the connection" in info.value.message and "3 attempts" in info.value.message
    err = capsys.readouterr().err
    assert err.count("polytui: connection refused from 127.0.0.1:") == 2
    assert err.count("-> ConnectError in ") == 3 and KEY not in err


async def test_dns_failure_is_reported(monkeypatch, cid):
    real = socket.getaddrinfo

    def fake(host, *args, **kwargs):
        if host == "api.nowhere.test":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    out = await fetch("http://api.nowhere.test", cid, max_tries=2)
    assert type(out.error) is ApiError
    assert "Could not look up the host api.nowhere.test" in out.error.message
    assert out.lines[0].startswith("host name lookup failed from api.nowhere.test;")


async def test_debug_lines_name_url_status_time_and_correlation(demo, cid):
    out = await fetch(demo.url, cid, settings=settings_for(demo.url, debug=True))
    (line,) = out.lines
    url = f"{demo.url}/v1/agents/{quote(DEMO_AGENT, safe='')}/conversations/{cid}"
    assert re.fullmatch(rf"GET {re.escape(url)} -> 200 in \d+ ms \(corr [0-9a-f-]{{36}}\)", line)


# -- redirects ------------------------------------------------------------------------------------


async def test_same_origin_redirects_are_followed_with_the_key(demo, calls, cid):
    path = f"/v1/agents/{DEMO_AGENT}/conversations/{cid}?moved=1"
    demo.set_fault("redirect", times=1, location=f"{demo.url}{path}")
    out = await fetch(demo.url, cid)
    assert out.result.conversation.conversation_id == cid
    demo.set_fault("redirect", times=1, location=path)
    out = await fetch(demo.url, cid)
    assert out.result.conversation.conversation_id == cid
    assert demo.hits == 4 and all(r.headers.get("x-api-key") == KEY for r in demo.requests)
    # A redirect to another call's URL delivers another call: refused, never taken for this one.
    other = calls[2]["conversationId"]
    demo.set_fault("redirect", times=1, location=f"/v1/agents/{DEMO_AGENT}/conversations/{other}")
    out = await fetch(demo.url, cid)
    assert out.result is None and "another conversation" in str(out.error)


async def test_cross_origin_redirect_is_refused_and_the_key_stays_home(demo, calls, cid):
    with DemoServer(calls, api_key=None) as elsewhere:
        other = elsewhere.url.removeprefix("http://")
        demo.set_fault(
            "redirect", location=f"{elsewhere.url}/v1/agents/{DEMO_AGENT}/conversations/{cid}"
        )
        out = await fetch(demo.url, cid)
        assert elsewhere.hits == 0 and elsewhere.requests == []
    error = out.error
    assert type(error) is ApiError and error.exit_code == EXIT_API and error.status == 302
    assert error.message == (
        f"The API redirected to {other}; polytui does not follow "
        "redirects to other hosts, so your key stays private."
    )
    assert demo.hits == 1 and out.lines == []


async def test_redirect_loop_ends_with_an_error(demo, cid):
    demo.set_fault("redirect_loop")
    out = await fetch(demo.url, cid)
    assert type(out.error) is ApiError and "loop" in out.error.message
    assert demo.hits == 1 and UUID.match(out.error.correlation_id)


async def test_redirect_chains_stop_after_five_hops(cid):
    # A chain of distinct same-origin URLs cannot be built with DemoServer's faults: use a
    # transport that always points one step further.
    seen: list[str] = []

    def endless(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return httpx.Response(307, headers={"Location": f"/hop/{len(seen)}"})

    out = await fetch("https://api.eu.poly.ai", cid, transport=httpx.MockTransport(endless))
    assert type(out.error) is ApiError and "more than 5 times" in out.error.message
    assert len(seen) == 6


async def test_redirect_without_location_is_an_error(cid):
    def nowhere(request: httpx.Request) -> httpx.Response:
        return httpx.Response(301, headers={"X-PolyAI-Correlation-Id": "corr-1"})

    out = await fetch("https://api.uk.poly.ai", cid, transport=httpx.MockTransport(nowhere))
    assert type(out.error) is ApiError and "no Location" in out.error.message
    assert out.error.status == 301 and out.error.correlation_id == "corr-1"


async def test_a_retry_after_holds_back_every_request_of_the_client(demo, calls):
    """One request told to wait (429 + Retry-After) makes the client's other requests wait
    too: a batch backs off together instead of each worker meeting the limit again."""
    first, second = (c["conversationId"] for c in calls[:2])
    demo.set_fault("rate_limit", times=1, retry_after="1")
    async with ApiClient(settings_for(demo.url), announce=lambda line: None) as client:
        one = asyncio.create_task(client.get_conversation(first))
        while len(demo.requests) < 1 or client._resume_at == 0.0:
            await asyncio.sleep(0.01)
        told = demo.requests[0].at
        two = asyncio.create_task(client.get_conversation(second))
        await asyncio.gather(one, two)
    later = demo.requests[1:]
    assert len(later) == 2
    assert all(r.at - told >= 0.95 for r in later), [round(r.at - told, 2) for r in later]


async def test_a_redirect_to_https_on_the_same_host_is_named_as_such(demo, cid):
    host = demo.url.removeprefix("http://")
    demo.set_fault(
        "redirect", location=f"https://{host}/v1/agents/{DEMO_AGENT}/conversations/{cid}"
    )
    out = await fetch(demo.url, cid)
    assert type(out.error) is ApiError and demo.hits == 1
    assert out.error.message == (
        f"The API redirected to https://{host}; polytui follows redirects only on the same "
        "scheme, host and port (set the base URL to that address instead), so your key stays "
        "private."
    )
    assert "other hosts" not in out.error.message
