"""Hostile answers, round 3: a loopback server that sends raw bytes (tests/raw_http.py), for what
no polite server sends. Each case runs `polytui show` in-process and checks the outcome a user
meets: the call shown, or one `polytui:` sentence with the documented exit code, no retries
for an answer that would come back the same, and nothing secret in what is said."""

from __future__ import annotations

import base64
import gzip
import json
import zlib

import pytest

from polytui.adapters.sqlite import Store
from polytui.core.errors import EXIT_API

from .helpers import run_cli
from .raw_http import raw_server, response

KEY = "hostile-key-5e1d0c"
AGENT = "PROJECT-raw"
CID = "CA-RAW-1"
CALL = {
    "conversationId": CID,
    "accountId": "ACC",
    "projectId": AGENT,
    "turns": [{"user_input": "un café, s'il vous plaît", "agent_response": "bien sûr"}],
}
BODY = json.dumps(CALL, ensure_ascii=False).encode("utf-8")


@pytest.fixture
def show(monkeypatch, capsys):
    """``show(answer)``: run `polytui show CID --format json` against a raw server answering
    every request with ``answer(request_line, headers)``; (code, stdout, stderr, requests)."""

    def run(answer, *extra: str):
        with raw_server(answer) as (url, seen):
            monkeypatch.setenv("POLYAI_BASE_URL", url)
            monkeypatch.setenv("POLYAI_API_KEY", KEY)
            code, out, err = run_cli(
                capsys, "show", CID, "--agent", AGENT, "--format", "json", *extra
            )
        assert "Traceback" not in err and KEY not in out + err
        return code, out, err, seen

    return run


def _shown(code: int, out: str, err: str) -> dict:
    assert code == 0, err
    data = json.loads(out)
    assert data["conversationId"] == CID
    return data


def _refused(code: int, err: str, *words: str) -> str:
    assert code == EXIT_API, err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("polytui: "), err  # no retry announced
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


# -- encodings the API may use: read them -------------------------------------------------------


def test_gzip_sent_as_several_members_is_read_whole(show):
    body = gzip.compress(BODY[:25]) + gzip.compress(BODY[25:60]) + gzip.compress(BODY[60:])
    code, out, err, _ = show(lambda *_: response(headers=[("Content-Encoding", "gzip")], body=body))
    assert _shown(code, out, err)["turns"] == CALL["turns"]


def test_json_in_utf16_with_its_byte_order_mark_is_read(show):
    body = json.dumps(CALL, ensure_ascii=False).encode("utf-16")
    headers = [("Content-Type", "application/json; charset=utf-16")]
    code, out, err, _ = show(lambda *_: response(headers=headers, body=body))
    assert _shown(code, out, err)["turns"] == CALL["turns"]


def test_json_in_utf32_without_a_charset_is_read(show):
    body = json.dumps(CALL, ensure_ascii=False).encode("utf-32-le")
    code, out, err, _ = show(lambda *_: response(body=body))
    assert _shown(code, out, err)["turns"] == CALL["turns"]


def test_a_declared_latin1_charset_is_honoured(show):
    body = json.dumps(CALL, ensure_ascii=False).encode("latin-1")
    headers = [("Content-Type", 'application/json; charset="ISO-8859-1"')]
    code, out, err, _ = show(lambda *_: response(headers=headers, body=body))
    assert _shown(code, out, err)["turns"][0]["user_input"] == "un café, s'il vous plaît"


def test_a_bytes_codec_as_charset_is_not_used_to_decode(show):
    body = base64.b64encode(BODY)  # a "charset" of base64 would turn this into the call
    headers = [("Content-Type", "application/json; charset=base64")]
    code, _, err, _ = show(lambda *_: response(headers=headers, body=body))
    _refused(code, err, "not JSON")


def test_an_integer_of_five_thousand_digits_does_not_stop_the_call(show, hermetic_env, capsys):
    """Python refuses to read integers past 4,300 digits; the call still opens (the number is
    read like Infinity), and the stored copy and the JSON output keep every digit."""
    text = BODY.decode()[:-1] + ', "polyScore": ' + "7" * 5000 + "}"
    code, out, err, _ = show(lambda *_: response(body=text.encode()))
    assert code == 0, err
    assert json.loads(out, parse_int=str)["polyScore"] == "7" * 5000
    with Store(hermetic_env["data"] / "polytui.sqlite3") as store:
        stored = store.get(CID, AGENT)
        assert stored is not None and "7" * 5000 in stored.raw
    code, out, err = run_cli(capsys, "--offline", "show", CID, "--agent", AGENT)
    assert code == 0 and "un café" in out, err  # the text format reads it from the store


def test_an_imported_call_with_a_huge_integer_is_stored(tmp_path, capsys):
    source = tmp_path / "big.json"
    source.write_text(json.dumps(CALL)[:-1] + ', "duration": ' + "9" * 6000 + "}")
    code, out, err = run_cli(capsys, "import", str(source))
    assert code == 0, err
    code, out, err = run_cli(capsys, "--offline", "show", CID, "--agent", AGENT)
    assert code == 0 and CID in out, err


# -- answers that break HTTP: one sentence at once, no retries --------------------------------


def test_headers_over_100_kib_are_named_not_retried(show):
    headers = [("X-PolyAI-Correlation-Id", "x" * 200_000)]
    code, _, err, seen = show(lambda *_: response(headers=headers, body=BODY))
    _refused(code, err, "headers too large")
    assert len(seen) == 1


def test_twenty_thousand_headers_are_named_not_retried(show):
    headers = [(f"X-Noise-{n}", "v") for n in range(20_000)]
    code, _, err, seen = show(lambda *_: response(headers=headers, body=BODY))
    _refused(code, err, "headers too large")
    assert len(seen) == 1


def test_conflicting_content_lengths_are_not_http(show):
    raw = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 9\r\n\r\n" + BODY
    code, _, err, seen = show(lambda *_: raw)
    _refused(code, err, "not valid HTTP", "conflicting Content-Length")
    assert len(seen) == 1


def test_a_header_holding_nul_is_not_http_and_its_bytes_are_not_echoed(show):
    headers = [("X-PolyAI-Correlation-Id", f"a\x00{KEY}\x1b[2J")]
    code, _, err, seen = show(lambda *_: response(headers=headers, body=BODY))
    line = _refused(code, err, "not valid HTTP", "illegal header line")
    assert "\x1b" not in line and len(seen) == 1


def test_a_status_line_from_another_protocol_is_not_http(show):
    code, _, err, seen = show(lambda *_: b"SSH-2.0-OpenSSH_9.6\r\n\r\n")
    _refused(code, err, "not valid HTTP", "illegal status line")
    assert len(seen) == 1


def test_a_location_with_control_characters_is_an_invalid_address(show):
    def answer(line, headers):
        return response("302 Found", [("Location", "/v1/x\x1b]0;pwned\x07")])

    code, _, err, seen = show(answer)
    line = _refused(code, err, "redirected to an invalid address")
    assert "\x1b" not in line and len(seen) == 1


# -- lies that are already handled: kept as they are --------------------------------------------


def test_two_codings_at_once_are_refused_in_one_sentence(show):
    body = gzip.compress(gzip.compress(BODY))
    headers = [("Content-Encoding", "gzip"), ("Content-Encoding", "gzip")]
    code, _, err, _ = show(lambda *_: response(headers=headers, body=body))
    _refused(code, err, "encoding polytui cannot read")


def test_brotli_is_refused_in_one_sentence(show):
    code, _, err, _ = show(lambda *_: response(headers=[("Content-Encoding", "br")], body=BODY))
    _refused(code, err, "encoding polytui cannot read (br)")


def test_raw_deflate_and_an_upper_case_coding_are_read(show):
    raw_deflate = zlib.compress(BODY)[2:-4]
    code, out, err, _ = show(
        lambda *_: response(headers=[("Content-Encoding", "DEFLATE")], body=raw_deflate)
    )
    assert _shown(code, out, err)


def test_garbage_after_the_gzip_stream_is_ignored(show):
    body = gzip.compress(BODY) + b"\x00trailing junk"
    code, out, err, _ = show(lambda *_: response(headers=[("Content-Encoding", "gzip")], body=body))
    assert _shown(code, out, err)


def test_an_informational_answer_before_the_real_one_is_skipped(show):
    code, out, err, _ = show(lambda *_: b"HTTP/1.1 100 Continue\r\n\r\n" + response(body=BODY))
    assert _shown(code, out, err)


def test_an_http_1_0_answer_without_a_length_is_read_to_the_end(show):
    code, out, err, _ = show(lambda *_: b"HTTP/1.0 200 OK\r\n\r\n" + BODY)
    assert _shown(code, out, err)


def test_a_redirect_to_another_host_carrying_credentials_shows_neither(show):
    location = f"http://admin:{KEY}@evil.example:8443/steal?key={KEY}"
    code, _, err, seen = show(lambda *_: response("302 Found", [("Location", location)]))
    line = _refused(code, err, "evil.example", "does not follow redirects to other hosts")
    assert "admin" not in line and len(seen) == 1


def test_a_scheme_relative_redirect_is_another_host(show):
    code, _, err, seen = show(
        lambda *_: response("307 Temporary Redirect", [("Location", "//x.example/a")])
    )
    _refused(code, err, "x.example", "other hosts")
    assert len(seen) == 1


def test_a_status_outside_http_is_named(show):
    code, _, err, _ = show(lambda *_: response("999 Whatever", body=BODY))
    _refused(code, err, "HTTP 999")
