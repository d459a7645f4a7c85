"""The demo server's list endpoints, asked directly over HTTP: honest filters over the sample
calls, cursors that hold the filters, the Data API's offset pages, refusals as envelopes."""

from __future__ import annotations

import httpx
import pytest

from polytui.demo import DEMO_AGENT, DEMO_API_KEY, DemoServer, real_shaped_conversations
from polytui.demo._scripts import BANK_ID, CHAT_ID, LIVE_ID
from polytui.demo.samples import sample_conversations

from .demo_http import KEY, assert_envelope

V3 = f"/v3/ws-demo/{DEMO_AGENT}/conversations"
V1 = f"/v1/agents/{DEMO_AGENT}/conversations"


@pytest.fixture(scope="module")
def calls():
    return sample_conversations() + real_shaped_conversations()


@pytest.fixture(scope="module")
def server(calls):
    with DemoServer(calls, api_key=DEMO_API_KEY) as running:
        yield running


def ask(server, path=V3, **params) -> httpx.Response:
    return httpx.get(server.url + path, params=params, headers=KEY, timeout=5)


def ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [
        item.get("id") or item.get("conversationId") for item in response.json()["conversations"]
    ]


def test_every_live_call_newest_first_in_snake_case(server, calls):
    body = ask(server).json()
    assert body["cursor"] is None and "next_offset" not in body
    live = [c for c in calls if c.get("clientEnv", "live") == "live"]
    assert len(body["conversations"]) == len(live)
    starts = [item["started_at"] for item in body["conversations"]]
    assert starts == sorted(starts, reverse=True)
    first = body["conversations"][0]
    assert {"id", "account_id", "project_id", "environment", "started_at", "channel"} <= set(first)
    assert first["turns"] == [] and "conversationId" not in first


def test_filters_are_applied_honestly(server, calls):
    assert ids(ask(server, client_env="sandbox")) == []
    assert set(ids(ask(server, in_progress="true"))) == {LIVE_ID}
    chats = set(ids(ask(server, channel="webchat")))
    assert CHAT_ID in chats and all(
        c["channel"] == "WEBCHAT" for c in calls if c["conversationId"] in chats
    )
    voice = set(ids(ask(server, channel="voice")))  # voice matches VOICE-SIP
    assert BANK_ID in voice and not voice & chats
    both = set(ids(ask(server, channel=["voice", "webchat"])))
    assert both == voice | chats
    window = ids(ask(server, start_time="2025-03-01T00:00:00Z", end_time="2025-03-31T00:00:00Z"))
    for cid in window:
        start = next(c["startedAt"] for c in calls if c["conversationId"] == cid)
        assert "2025-03-01" <= start < "2025-03-31"
    assert set(window) < set(ids(ask(server)))


def test_transcript_queries_by_turn(server, calls):
    wide = {"start_time": "2000-01-01T00:00:00Z", "end_time": "2100-01-01T00:00:00Z"}
    found = ids(ask(server, query_type="transcript", query="card", **wide))
    assert BANK_ID in found
    by_user = set(ids(ask(server, query_type="transcript", query="card", turn_type="user", **wide)))
    assert by_user <= set(found)
    assert ids(ask(server, query_type="transcript", query="zebra-xylophone", **wide)) == []


def test_a_random_sample_is_distinct_and_bounded(server):
    wide = {"start_time": "2000-01-01T00:00:00Z", "end_time": "2100-01-01T00:00:00Z"}
    picked = ids(ask(server, sample="random", limit="3", **wide))
    assert len(picked) == 3 == len(set(picked))


def test_cursor_pages_hold_their_filters(server):
    first = ask(server, limit="2", channel="voice").json()
    assert len(first["conversations"]) == 2 and first["cursor"]
    second = ask(server, limit="2", channel="voice", cursor=first["cursor"])
    assert ids(second) and not set(ids(second)) & {i["id"] for i in first["conversations"]}
    other = ask(server, limit="2", channel="webchat", cursor=first["cursor"])
    assert_envelope(other, 400, "GET_CONVERSATIONS_INVALID_CURSOR")
    assert_envelope(ask(server, cursor="%%%garbage"), 400, "GET_CONVERSATIONS_INVALID_CURSOR")


def test_offset_pages_answer_next_offset(server):
    body = ask(server, limit="2", offset="0").json()
    assert body["cursor"] is None and body["next_offset"] == 2


@pytest.mark.parametrize(
    "params",
    [
        {"client_env": "prod"},
        {"limit": "0"},
        {"limit": "1001"},
        {"in_progress": "maybe"},
        {"start_time": "yesterday"},
        {"query_type": "transcript", "query": "x"},  # no window
        {"sample": "random"},
        {"query_type": "transcript"},
        {"variant_id": "a", "variant_name": "b"},
        {
            "sample": "random",
            "query_type": "transcript",
            "query": "x",
            "start_time": "2025-01-01T00:00:00Z",
            "end_time": "2025-02-01T00:00:00Z",
        },
    ],
)
def test_invalid_requests_get_the_envelope(server, params):
    assert_envelope(ask(server, **params), 400, "CONVERSATIONS_VALIDATION_FAILED")


def test_the_data_api_lists_camel_case_with_offsets(server, calls):
    first = ask(server, V1, limit="3", offset="0").json()
    assert (first["count"], first["limit"], first["offset"]) == (len(calls), 3, 0)
    item = first["conversations"][0]
    assert "conversationId" in item and "turns" not in item and "id" not in item
    everything = []
    offset = 0
    while True:
        page = ids(ask(server, V1, limit="3", offset=str(offset)))
        everything += page
        if len(page) < 3:
            break
        offset += 3
    assert sorted(everything) == sorted(c["conversationId"] for c in calls)


def test_the_list_needs_the_key(server):
    response = httpx.get(server.url + V3, timeout=5)
    assert_envelope(response, 401, "UNAUTHORIZED")
