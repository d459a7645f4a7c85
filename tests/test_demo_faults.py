"""Every fault of the demo server, observed from a real client on 127.0.0.1."""

from __future__ import annotations

import gzip
import json
import struct
import time
import zlib

import httpx
import pytest

from polytui.core.errors import BadPayloadError
from polytui.core.models import Conversation
from polytui.demo import FAULTS, DemoServer, sample_conversations
from polytui.demo._payloads import INVALID_UTF8, crc32_of_zeros, gzip_bomb
from polytui.demo.server import STATUS_FAULTS
from tests.demo_http import BOOKING, KEY, assert_envelope, get, path, raw_get


@pytest.fixture(scope="module")
def calls():
    return sample_conversations()[:6]


@pytest.fixture
def server(calls):
    demo = DemoServer(calls).start()
    yield demo
    demo.stop()
    assert demo.errors == []


@pytest.mark.parametrize(("fault", "spec"), sorted(STATUS_FAULTS.items()))
def test_status_faults_answer_with_the_envelope(server, fault, spec):
    status, code, _ = spec
    server.set_fault(fault)
    assert_envelope(get(server), status, code)
    assert_envelope(get(server, "CA" + "0" * 32), status, code)  # any path, until cleared


def test_rate_limit_sends_retry_after(server):
    server.set_fault("rate_limit")
    assert get(server).headers["retry-after"] == "1"
    server.set_fault("rate_limit", retry_after="7")
    assert get(server).headers["retry-after"] == "7"
    server.set_fault("rate_limit", retry_after=None)
    assert "retry-after" not in get(server).headers
    server.set_fault("unavailable")
    assert "retry-after" not in get(server).headers
    server.set_fault("unavailable", retry_after="3")
    assert get(server).headers["retry-after"] == "3"


def test_bare_server_error_has_no_envelope(server):
    server.set_fault("server_error_bare")
    response = get(server)
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/plain")
    assert response.headers["x-polyai-correlation-id"]
    with pytest.raises(ValueError):
        json.loads(response.content)


def test_fault_applies_times_then_recovers(server):
    server.set_fault("server_error", times=2)
    assert [get(server).status_code for _ in range(3)] == [500, 500, 200]
    server.set_fault("bad_gateway")
    assert [get(server).status_code for _ in range(3)] == [502, 502, 502]
    server.set_fault(None)
    assert get(server).status_code == 200


@pytest.mark.parametrize(
    ("args", "options", "message"),
    [
        (("nonsense",), {}, "Unknown fault"),
        (("slow",), {"second": 1}, "no option"),
        (("drop",), {"times": 0}, "at least 1"),
        (("redirect",), {}, "location"),
    ],
)
def test_set_fault_refuses_mistakes(server, args, options, message):
    with pytest.raises(ValueError, match=message):
        server.set_fault(*args, **options)


def test_every_fault_is_tested_here():
    tested = set(STATUS_FAULTS) | {
        "server_error_bare",
        "slow",
        "drip",
        "truncated",
        "reset",
        "content_length_lies",
        "html",
        "garbage",
        "invalid_utf8",
        "deep_json",
        "missing_fields",
        "gzip_bomb",
        "redirect",
        "redirect_loop",
        "drop",
    }
    tested |= {"no_recording", "not_wav", "short_wav"}  # tests/test_demo_audio.py
    assert tested == set(FAULTS)


def test_slow_waits_before_the_headers(server):
    server.set_fault("slow", seconds=0.3, times=2)
    started = time.monotonic()
    assert get(server).status_code == 200
    assert time.monotonic() - started >= 0.3
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(server.url + path(), headers=KEY, timeout=httpx.Timeout(5, read=0.1))


def test_drip_sends_the_real_body_slowly(server, calls):
    server.set_fault("drip", seconds_per_chunk=0.05, chunk=512)
    started = time.monotonic()
    pieces = []
    with httpx.stream("GET", server.url + path(), headers=KEY, timeout=5) as response:
        assert response.status_code == 200
        headers_after = time.monotonic() - started
        for piece in response.iter_raw():
            pieces.append(piece)
    body = b"".join(pieces)
    assert json.loads(body) == calls[0]
    expected = (len(body) - 1) // 512 * 0.05  # one pause between chunks
    assert headers_after < expected and time.monotonic() - started >= expected
    assert len(pieces) > 1


def test_truncated_declares_the_full_length_and_sends_half(server):
    server.set_fault("truncated", times=2)
    status, headers, body = raw_get(server, path())
    assert status == 200
    assert len(body) == int(headers["content-length"]) // 2
    with pytest.raises(httpx.RemoteProtocolError):
        get(server)


def test_reset_cuts_the_connection_with_rst(server):
    server.set_fault("reset", times=2)
    with pytest.raises(ConnectionResetError):
        raw_get(server, path())
    with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
        get(server)
    assert get(server).status_code == 200


def test_content_length_lies(server, calls):
    server.set_fault("content_length_lies", extra=500, times=2)
    status, headers, body = raw_get(server, path())
    assert status == 200 and json.loads(body) == calls[0]
    assert int(headers["content-length"]) == len(body) + 500
    with pytest.raises(httpx.RemoteProtocolError):
        get(server)


def test_html_garbage_and_invalid_utf8(server):
    server.set_fault("html", times=1)
    response = get(server)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert response.text.startswith("<!DOCTYPE html>")
    server.set_fault("garbage", times=1)
    response = get(server)
    assert response.headers["content-type"] == "application/json"
    with pytest.raises(ValueError):
        json.loads(response.content)
    server.set_fault("invalid_utf8", times=1)
    body = get(server).content
    assert INVALID_UTF8 in body and BOOKING.encode() in body
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    lenient = json.loads(body.decode("utf-8", errors="replace"))
    assert lenient["conversationId"] == BOOKING


def test_deep_json(server):
    server.set_fault("deep_json", times=1)
    body = get(server).content
    assert body == b"[" * 100_000 + b"]" * 100_000
    server.set_fault("deep_json", depth=3, times=1)
    assert get(server).content == b"[[[]]]"


def test_missing_fields_drops_conversation_id(server, calls):
    server.set_fault("missing_fields", times=2)
    data = get(server).json()
    assert "conversationId" not in data and data["turns"] == calls[0]["turns"]
    unknown = get(server, "CA" + "1" * 32).json()
    assert "conversationId" not in unknown and unknown["accountId"]
    with pytest.raises(BadPayloadError, match="conversationId"):
        Conversation.from_data(data)


def test_gzip_bomb_is_small_and_inflates_to_the_stated_size(server):
    server.set_fault("gzip_bomb", times=1)
    with httpx.stream("GET", server.url + path(), headers=KEY, timeout=5) as response:
        assert response.status_code == 200
        assert response.headers["content-encoding"] == "gzip"
        compressed = b"".join(response.iter_raw())
    assert int(response.headers["content-length"]) == len(compressed) < 3 * 1024**2
    crc, size = struct.unpack("<II", compressed[-8:])
    assert size == 2 * 1024**3 and crc == crc32_of_zeros(2 * 1024**3)
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    start = inflater.decompress(compressed, 4 * 1024**2)
    assert len(start) == 4 * 1024**2 and start.count(0) == len(start) and not inflater.eof


@pytest.mark.parametrize("size", [0, 1, 1000, 1024**2, 3 * 1024**2 + 17])
def test_gzip_bomb_inflates_exactly(size):
    assert gzip.decompress(gzip_bomb(size)) == bytes(size)  # gzip checks CRC and length too


@pytest.mark.parametrize("count", [0, 1, 3, 255, 4096, 1024**2 + 5])
def test_crc32_of_zeros_matches_zlib(count):
    assert crc32_of_zeros(count) == zlib.crc32(bytes(count))


def test_redirect_to_another_origin(server, calls):
    with DemoServer(calls, api_key=None) as other:
        server.set_fault("redirect", location=other.url + path(), times=2)
        response = get(server)
        assert response.status_code == 302
        assert response.headers["location"] == other.url + path()
        followed = get(server, follow_redirects=True)
        assert followed.status_code == 200 and followed.json() == calls[0]
        assert other.hits == 1


def test_redirect_loop_points_at_itself(server):
    server.set_fault("redirect_loop")
    response = get(server)
    assert response.status_code == 302
    assert response.headers["location"] == server.url + path()
    client = httpx.Client(headers=KEY, follow_redirects=True, max_redirects=3)
    with client, pytest.raises(httpx.TooManyRedirects):
        client.get(server.url + path())
    assert server.hits == 5


def test_drop_closes_without_answering(server):
    server.set_fault("drop", times=2)
    assert raw_get(server, path()) == (0, {}, b"")
    with pytest.raises(httpx.RemoteProtocolError):
        get(server)
    assert server.hits == 2
