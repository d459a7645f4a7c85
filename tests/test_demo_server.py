"""The demo server, spoken to over real sockets on 127.0.0.1 (httpx, and raw sockets where the
fault is about bytes on the wire)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from urllib.parse import urlsplit

import httpx
import pytest

from polytui.demo import (
    DEMO_API_KEY,
    DemoServer,
    DemoServerError,
    sample_conversations,
    sample_ids,
)
from tests.demo_http import BOOKING, KEY, assert_envelope, get, path


@pytest.fixture(scope="module")
def calls():
    return sample_conversations()[:6]  # the 5,000-turn call is not needed here


@pytest.fixture
def server(calls):
    demo = DemoServer(calls).start()
    yield demo
    demo.stop()
    assert demo.errors == []


# -- normal service ------------------------------------------------------------------------------


def test_serves_the_stored_conversation_byte_for_byte(server, calls):
    response = get(server)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert int(response.headers["content-length"]) == len(response.content)
    assert response.json() == calls[0]
    assert uuid.UUID(response.headers["x-polyai-correlation-id"]).version == 4


def test_every_response_gets_a_fresh_correlation_id(server):
    ids = {get(server, cid).headers["x-polyai-correlation-id"] for cid in (BOOKING, BOOKING, "x")}
    assert len(ids) == 3


@pytest.mark.parametrize("headers", [{}, {"x-api-key": "wrong"}, {"x-api-key": ""}])
def test_missing_or_wrong_key_is_401(server, headers):
    assert_envelope(get(server, headers=headers), 401, "UNAUTHORIZED")


def test_api_key_none_accepts_any_key_or_none(calls):
    with DemoServer(calls, api_key=None) as demo:
        assert get(demo, headers={}).status_code == 200
        assert get(demo, headers={"x-api-key": "anything"}).status_code == 200


def test_unknown_conversation_is_404_envelope(server):
    body = assert_envelope(get(server, "CA" + "f" * 32), 404, "CONVERSATIONS_NOT_FOUND")
    assert body["error"] == "Not Found"


def test_agent_is_checked_only_when_set(calls):
    with DemoServer(calls, agent="PROJECT-one") as demo:
        url = demo.url + path(agent="PROJECT-one")
        assert httpx.get(url, headers=KEY).status_code == 200
        other = httpx.get(demo.url + path(agent="PROJECT-two"), headers=KEY)
        assert_envelope(other, 404, "CONVERSATIONS_NOT_FOUND")
    with DemoServer(calls) as demo:
        assert httpx.get(demo.url + path(agent="any-slug"), headers=KEY).status_code == 200


@pytest.mark.parametrize(
    "target",
    [
        "/",
        "/v1/agents/PROJECT-demo/chats",  # (.../conversations is the Data-API list)
        f"/v1/agents/PROJECT-demo/conversations/{BOOKING}/audio/extra",  # audio: test_demo_audio
        f"/v1/agents/PROJECT-demo/conversations/{BOOKING}/",
        f"/v2/agents/PROJECT-demo/conversations/{BOOKING}",
        f"/v1/agents//conversations/{BOOKING}",
    ],
)
def test_other_paths_are_404(server, target):
    assert_envelope(httpx.get(server.url + target, headers=KEY), 404, "NOT_FOUND")


def test_query_string_is_ignored_for_routing(server):
    assert httpx.get(server.url + path() + "?x=1", headers=KEY).status_code == 200


def test_other_methods_are_405(server):
    response = httpx.post(server.url + path(), headers=KEY, content=b"{}")
    assert_envelope(response, 405, "METHOD_NOT_ALLOWED")
    assert response.headers["allow"] == "GET"


def test_percent_encoded_ids_round_trip(server):
    odd = "chat/42 é?#%2F+ü"
    server.add({"conversationId": odd, "accountId": "A", "projectId": "P"})
    response = get(server, odd)
    assert response.status_code == 200 and response.json()["conversationId"] == odd
    assert server.requests[-1].path == path(odd)
    assert "%2F" in server.requests[-1].path  # recorded raw, as sent


def test_mapping_serves_under_the_key_and_add_replaces(calls):
    with DemoServer({"other-id": calls[0]}) as demo:
        assert get(demo, "other-id").json()["conversationId"] == BOOKING
        assert get(demo, BOOKING).status_code == 404
        demo.add({**calls[0], "note": "replaced"})
        assert get(demo, BOOKING).json()["note"] == "replaced"


def test_add_refuses_a_conversation_without_id():
    with pytest.raises(ValueError, match="conversationId"):
        DemoServer().add({"accountId": "A"})


def test_requests_are_recorded(server):
    before = time.monotonic()
    get(server, headers={**KEY, "X-Extra": "1"})
    httpx.post(server.url + "/elsewhere?q=1")
    assert server.hits == 2 and len(server.requests) == 2
    first, second = server.requests
    assert (first.method, first.path) == ("GET", path())
    assert first.headers["x-api-key"] == DEMO_API_KEY and first.headers["x-extra"] == "1"
    assert all(name == name.lower() for name in first.headers)
    assert (second.method, second.path) == ("POST", "/elsewhere?q=1")
    assert before <= first.at <= second.at <= time.monotonic()


def test_delay_applies_to_every_request(server):
    server.delay = 0.2
    started = time.monotonic()
    assert get(server).status_code == 200
    assert time.monotonic() - started >= 0.2


def test_many_concurrent_clients(server):
    server.delay = 0.2
    results: list[int] = []
    lock = threading.Lock()

    client = httpx.Client(headers=KEY, timeout=10, limits=httpx.Limits(max_connections=50))

    def fetch() -> None:
        status = client.get(server.url + path()).status_code
        with lock:
            results.append(status)

    threads = [threading.Thread(target=fetch) for _ in range(40)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    client.close()
    assert results == [200] * 40
    assert time.monotonic() - started < 4  # 40 x 0.2 s one after another would take 8 s
    assert server.hits == 40


def test_server_is_quiet(server, capfd):
    get(server)
    get(server, headers={})
    server.set_fault("drop", times=1)
    with pytest.raises(httpx.TransportError):
        get(server)
    assert capfd.readouterr() == ("", "")


# -- lifecycle -----------------------------------------------------------------------------------


def test_stop_is_fast_idempotent_and_cuts_open_connections(calls):
    demo = DemoServer(calls).start()
    url = demo.url
    client = httpx.Client(headers=KEY, timeout=30)
    assert client.get(url + path()).status_code == 200  # leaves a keep-alive connection open
    demo.set_fault("slow", seconds=30)
    failures: list[BaseException] = []

    def hang() -> None:
        try:
            httpx.get(url + path(), headers=KEY, timeout=30)
        except httpx.TransportError as exc:
            failures.append(exc)

    waiter = threading.Thread(target=hang)
    waiter.start()
    deadline = time.monotonic() + 5
    while demo.hits < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert demo.hits == 2
    started = time.monotonic()
    demo.stop()
    demo.stop()
    assert time.monotonic() - started < 1.0
    waiter.join(5)
    assert not waiter.is_alive() and len(failures) == 1
    with pytest.raises(RuntimeError):
        _ = demo.url
    with pytest.raises(httpx.TransportError):
        client.get(url + path())
    client.close()


def test_busy_port_is_a_polytui_error(server):
    port = urlsplit(server.url).port
    with pytest.raises(DemoServerError, match=str(port)) as caught:
        DemoServer(port=port).start()
    assert caught.value.exit_code == 1


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_run_by_hand_and_stop_with_a_signal(stop_signal):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "polytui.demo.server", "--port", "0", "--key", "k1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        first = process.stdout.readline()
        assert first.startswith("Serving on http://127.0.0.1:")
        base = first.split()[2]
        response = httpx.get(base + path(sample_ids()[1]), headers={"x-api-key": "k1"})
        assert response.status_code == 200 and response.json()["conversationId"] == sample_ids()[1]
        process.send_signal(stop_signal)
        assert process.wait(timeout=60) == 0  # a hang guard, not a speed limit
        assert process.stderr.read() == "Stopping.\n"  # no warnings, no traceback
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
