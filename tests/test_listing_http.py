"""Listing over HTTP against the real loopback server: v3 paging with cursors and next_offset,
identical filters on every page, 429 mid-paging, a malformed cursor, odd summaries, the Data-API
fallback, the platform key and host, redirects and the keys kept out of everything."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from polytui.adapters.http.client import ApiClient
from polytui.adapters.http.listing import v3_query
from polytui.core.config import Settings, resolve_settings
from polytui.core.errors import ApiError, AuthError, NotFoundError, PolytuiError, UsageError
from polytui.core.listing import ListFilter, ListingRun, PageToken, run_pages
from polytui.core.ports import ConversationLister
from polytui.demo.samples import DEMO_AGENT, recent_conversations
from polytui.demo.server import DemoServer

KEY = "sk-list-main-5e81c0"
PLATFORM_KEY = "sk-list-platform-77aa19"
ACCOUNT = "ws-demo"
NOW = datetime.now(UTC)


@pytest.fixture(scope="module")
def corpus():
    return recent_conversations(NOW, 60)


@pytest.fixture
def demo(corpus):
    with DemoServer(corpus, api_key=KEY) as running:
        running.list_page_cap = 7
        yield running
    assert not running.errors, running.errors


def settings_for(url: str, **changes) -> Settings:
    values = {
        "api_key": KEY,
        "agent": DEMO_AGENT,
        "account": ACCOUNT,
        "base_url_override": url,
        "timeout": 5.0,
    }
    return Settings(**{**values, **changes})


async def listing(settings: Settings, filters: ListFilter, *, page_size: int = 100, **options):
    """Every page of a listing with a fresh client: (calls, run, announcements, sleeps)."""
    lines: list[str] = []
    sleeps: list[float] = []

    async def record_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    options.setdefault("announce", lines.append)
    options.setdefault("sleep", record_sleep)
    run = ListingRun.start(filters, now=NOW, page_size=page_size)
    calls = []
    async with ApiClient(settings, **options) as client:
        async for _page, added in run_pages(client, run):
            calls.extend(added)
    return calls, run, lines, sleeps


def expected(corpus, *, since: timedelta, env: str = "live", handoff: bool | None = None):
    start = NOW - since
    chosen = []
    for call in corpus:
        moment = datetime.fromisoformat(call["startedAt"].replace("Z", "+00:00"))
        if moment < start or call["clientEnv"] != env:
            continue
        if handoff is not None and bool(call["handoff"]) != handoff:
            continue
        chosen.append((moment, call["conversationId"]))
    return [cid for _, cid in sorted(chosen, key=lambda pair: (pair[0], pair[1]), reverse=True)]


def list_requests(server: DemoServer) -> list[dict[str, list[str]]]:
    return [
        parse_qs(urlsplit(r.path).query)
        for r in server.requests
        if urlsplit(r.path).path.endswith("/conversations")
    ]


def test_the_client_plays_the_lister_role():
    assert isinstance(ApiClient(Settings()), ConversationLister)


async def test_v3_lists_exactly_what_the_filters_select_across_pages(demo, corpus):
    filters = ListFilter(since="7d", environment="live")
    calls, run, lines, _ = await listing(settings_for(demo.url), filters)
    want = expected(corpus, since=timedelta(days=7))
    assert [call.conversation_id for call in calls] == want
    assert len(want) > 14 and run.pages >= 3 and run.done and lines == []
    asked = list_requests(demo)
    assert len(asked) == run.pages
    first = {k: v for k, v in asked[0].items() if k != "cursor"}
    assert first["client_env"] == ["live"] and first["limit"] == ["100"]
    assert "cursor" not in asked[0]
    for later in asked[1:]:  # every filter identical between pages: only the cursor moves
        assert {k: v for k, v in later.items() if k != "cursor"} == first
        assert later["cursor"][0]
    assert all(
        r.path.startswith(f"/v3/{ACCOUNT}/{DEMO_AGENT}/conversations?") for r in demo.requests
    )


async def test_handoff_is_applied_by_polytui(demo, corpus):
    calls, _, _, _ = await listing(settings_for(demo.url), ListFilter(since="7d", handoff=True))
    want = expected(corpus, since=timedelta(days=7), handoff=True)
    assert want and [call.conversation_id for call in calls] == want
    assert all("handoff" not in query for query in list_requests(demo))


async def test_limit_across_pages(demo):
    calls, run, _, _ = await listing(settings_for(demo.url), ListFilter(since="10d", limit=10))
    assert len(calls) == 10 and run.pages == 2  # pages of 7: the second completes it


async def test_sample_gives_distinct_calls_in_the_window(demo, corpus):
    calls, run, _, _ = await listing(settings_for(demo.url), ListFilter(since="10d", sample=20))
    ids = [call.conversation_id for call in calls]
    assert len(ids) == 20 == len(set(ids))
    assert set(ids) <= {call["conversationId"] for call in corpus if call["clientEnv"] == "live"}
    query = list_requests(demo)[0]
    assert query["sample"] == ["random"] and query["limit"] == ["20"]
    assert query["start_time"] and query["end_time"]


async def test_a_next_offset_page_is_followed_by_offset(demo, corpus):
    demo.list_quirks = {2: "offset"}
    calls, _, _, _ = await listing(settings_for(demo.url), ListFilter(since="7d"))
    assert [c.conversation_id for c in calls] == expected(corpus, since=timedelta(days=7))
    asked = list_requests(demo)
    assert "offset" in asked[2] and "cursor" not in asked[2]


async def test_an_empty_page_with_a_cursor_goes_on(demo, corpus):
    demo.list_quirks = {2: "empty"}
    calls, run, _, _ = await listing(settings_for(demo.url), ListFilter(since="7d"))
    assert [c.conversation_id for c in calls] == expected(corpus, since=timedelta(days=7))
    assert run.pages >= 4


async def test_429_mid_paging_is_waited_out_and_the_listing_completes(demo, corpus):
    demo.list_quirks = {2: "rate_limit"}
    calls, _, lines, sleeps = await listing(settings_for(demo.url), ListFilter(since="7d"))
    assert [c.conversation_id for c in calls] == expected(corpus, since=timedelta(days=7))
    assert len(lines) == 1 and "HTTP 429" in lines[0] and "attempt 2 of 4" in lines[0]
    assert sleeps and sleeps[0] == pytest.approx(1.0)  # Retry-After: 1
    statuses = list_requests(demo)
    assert statuses[1] == statuses[2]  # the retry asks the very same page


async def test_a_malformed_cursor_is_one_sentence(demo):
    async with ApiClient(settings_for(demo.url)) as client:
        with pytest.raises(UsageError) as caught:
            await client.list_page(ListFilter(), PageToken(cursor="not-a-cursor"))
    message = str(caught.value)
    assert "cursor" in message and "list again from the start" in message
    assert caught.value.status == 400 and caught.value.correlation_id
    assert "\n" not in message


async def test_filters_changed_between_pages_are_refused_by_the_server(demo):
    async with ApiClient(settings_for(demo.url)) as client:
        first = await client.list_page(ListFilter(since="7d"), None, page_size=5)
        assert first.next is not None and first.next.cursor
        with pytest.raises(UsageError, match="cursor"):
            await client.list_page(ListFilter(since="6d"), first.next, page_size=5)


async def test_odd_summaries_are_listed_or_counted(demo):
    demo.list_quirks = {1: "missing_fields", 2: "camel", 3: "no_id"}
    calls, run, _, _ = await listing(settings_for(demo.url), ListFilter(since="7d"))
    bare, camel = calls[0], calls[7]
    assert bare.started_at is None and bare.channel is None and bare.raw.keys() == {"id"}
    assert "conversationId" in camel.raw and camel.started_at and camel.environment == "live"
    assert run.skipped == 1


async def test_without_an_account_the_data_api_lists_and_names_the_dropped_filters(demo, corpus):
    settings = settings_for(demo.url, account=None)
    filters = ListFilter(since="7d", environment="live", channels=("VOICE-SIP",))
    assert ApiClient(settings).unapplied(filters) == ("since", "env", "channel")
    calls, run, _, _ = await listing(settings, filters, page_size=10)
    want = expected(corpus, since=timedelta(days=7))  # polytui applies them, call by call
    voice = {c["conversationId"] for c in corpus if c["channel"] == "VOICE-SIP"}
    assert [call.conversation_id for call in calls] == [cid for cid in want if cid in voice]
    assert run.unapplied == ("since", "env", "channel") and run.pages >= len(corpus) // 7
    for request in demo.requests:
        parts = urlsplit(request.path)
        assert parts.path == f"/v1/agents/{DEMO_AGENT}/conversations"
        assert set(parse_qs(parts.query)) == {"limit", "offset"}
        assert request.headers["x-api-key"] == KEY


async def test_the_platform_key_goes_to_the_platform_host(corpus):
    with DemoServer(corpus, api_key=PLATFORM_KEY) as server:
        settings = settings_for(server.url, platform_api_key=PLATFORM_KEY)
        calls, _, _, _ = await listing(settings, ListFilter(since="2d"))
        assert calls and {r.headers["x-api-key"] for r in server.requests} == {PLATFORM_KEY}
        with pytest.raises(AuthError) as caught:  # the main key alone is not the platform's
            await listing(settings_for(server.url), ListFilter(since="2d"))
        assert "POLYAI_PLATFORM_API_KEY" in caught.value.message


async def test_no_account_id_or_agent_is_a_clear_sentence(demo):
    async with ApiClient(settings_for(demo.url, agent=None)) as client:
        with pytest.raises(UsageError, match="No agent"):
            await client.list_page(ListFilter())
    async with ApiClient(settings_for(demo.url, api_key=None)) as client:
        with pytest.raises(AuthError, match="No API key: set POLYAI_PLATFORM_API_KEY"):
            await client.list_page(ListFilter())
    assert demo.hits == 0


async def test_unknown_agent_404_names_agent_and_account(corpus):
    with DemoServer(corpus, api_key=KEY, agent="PROJECT-other") as server:
        server.set_fault("not_found")
        with pytest.raises(NotFoundError) as caught:
            await listing(settings_for(server.url), ListFilter())
    assert DEMO_AGENT in caught.value.message and ACCOUNT in caught.value.message


async def test_a_redirect_to_another_host_is_refused_and_the_key_stays(demo, corpus):
    with DemoServer(corpus, api_key=None) as elsewhere:
        demo.set_fault(
            "redirect", location=f"{elsewhere.url}/v3/{ACCOUNT}/{DEMO_AGENT}/conversations"
        )
        with pytest.raises(ApiError, match="polytui does not follow redirects to other hosts"):
            await listing(settings_for(demo.url), ListFilter())
        assert elsewhere.hits == 0


async def test_an_api_echoing_a_key_gets_it_redacted(corpus):
    echoing = [dict(call, channel=f"VOICE {PLATFORM_KEY} {KEY}") for call in corpus[-3:]]
    with DemoServer(echoing, api_key=None) as server:
        settings = settings_for(server.url, platform_api_key=PLATFORM_KEY)
        calls, _, _, _ = await listing(settings, ListFilter(since="2d"))
    assert calls
    for call in calls:
        assert PLATFORM_KEY not in str(call.raw) and KEY not in str(call.raw)
        assert call.channel == "VOICE *** ***"


async def test_errors_never_carry_either_key(demo):
    demo.set_fault("unauthorized", message=f"bad key {PLATFORM_KEY}")
    with pytest.raises(PolytuiError) as caught:
        await listing(settings_for(demo.url, platform_api_key=PLATFORM_KEY), ListFilter())
    assert PLATFORM_KEY not in str(caught.value) and "***" in str(caught.value)


def test_the_query_sends_every_filter():
    chosen = ListFilter(
        since="2025-03-01T00:00:00Z",
        until="2025-03-02",
        environment="sandbox",
        channels=("VOICE-SIP", "WEBCHAT"),
        variant="main",
        in_progress=False,
        query="cancel my order",
        turn="user",
    ).resolved(NOW)
    params = v3_query(chosen, PageToken(cursor="abc"), 50)
    assert params == [
        ("start_time", "2025-03-01T00:00:00.000Z"),
        ("end_time", "2025-03-03T00:00:00.000Z"),
        ("client_env", "sandbox"),
        ("channel", "VOICE-SIP"),
        ("channel", "WEBCHAT"),
        ("variant_name", "main"),
        ("in_progress", "false"),
        ("query_type", "transcript"),
        ("query", "cancel my order"),
        ("turn_type", "user"),
        ("limit", "50"),
        ("cursor", "abc"),
    ]
    semantic = ListFilter(since="1d", query="angry", semantic=True, variant_id="V1")
    sent = dict(v3_query(semantic.resolved(NOW), PageToken(offset=40), 10))
    assert sent["query_type"] == "semantic" and sent["variant_id"] == "V1"
    assert sent["offset"] == "40" and "turn_type" not in sent


@pytest.mark.parametrize(
    ("region", "host"),
    [
        ("us", "https://api.us-1.platform.polyai.app"),
        ("eu", "https://api.euw-1.platform.polyai.app"),
        ("uk-1", "https://api.uk-1.platform.polyai.app"),
        ("studio", "https://api.us-1.platform.polyai.app"),
    ],
)
def test_each_region_has_its_platform_host(region, host):
    settings = resolve_settings({"region": region}, env={}, file_data={})
    assert settings.platform_base_url == host


def test_platform_host_overrides_and_key_defaults():
    env = {"POLYAI_BASE_URL": "http://127.0.0.1:9", "POLYAI_API_KEY": KEY}
    settings = resolve_settings({}, env=env, file_data={})
    assert settings.platform_base_url == "http://127.0.0.1:9"  # the demo answers both
    assert settings.platform_key == KEY and settings.secrets == (KEY,)
    env |= {"POLYAI_PLATFORM_BASE_URL": "https://gw.example/", "POLYAI_PLATFORM_API_KEY": "pk-1234"}
    settings = resolve_settings({}, env=env, file_data={})
    assert settings.platform_base_url == "https://gw.example"
    assert settings.platform_key == "pk-1234" and settings.secrets == (KEY, "pk-1234")
    filed = resolve_settings(
        {}, env={}, file_data={"platform_api_key": "pk-file", "account": " ws-1 "}
    )
    assert filed.platform_key == "pk-file" and filed.account == "ws-1"
