"""The sample conversations: valid per the API contract, deterministic, and each showing what it
is there to show."""

from __future__ import annotations

import json
import re
from datetime import datetime

import pytest

from polytui.core.models import Conversation, Summary
from polytui.demo import (
    DEMO_ACCOUNT,
    DEMO_AGENT,
    big_conversation,
    sample_conversations,
    sample_ids,
    synthetic_conversation,
)

# ConversationDetailResponse / ConversationTurn from conversations-v3.openapi.yaml
STR, INT, NUM, BOOL, LIST, OBJ = str, int, (int, float), bool, list, dict
TOP = {
    "conversationId": STR,
    "accountId": STR,
    "projectId": STR,
    "createdAt": STR,
    "startedAt": STR,
    "finishedAt": STR,
    "channel": STR,
    "fromNumber": STR,
    "toNumber": STR,
    "language": STR,
    "variantId": STR,
    "clientEnv": STR,
    "totalDuration": INT,
    "polyaiDuration": INT,
    "duration": INT,
    "inProgress": BOOL,
    "handoff": BOOL,
    "handoffDestination": STR,
    "handoffReason": STR,
    "direction": STR,
    "tags": LIST,
    "polyScore": NUM,
    "shortSummary": STR,
    "deploymentId": STR,
    "note": STR,
    "audioUrl": STR,
    "turns": LIST,
    "metrics": OBJ,
    "functionEvents": OBJ,
}
TURN = {
    "user_input": STR,
    "user_input_dtmf": STR,
    "user_input_datetime": STR,
    "agent_response": STR,
    "agent_response_datetime": STR,
    "latency": NUM,
    "translated_user_input": STR,
    "english_agent_response": STR,
    "intents": LIST,
    "entities": LIST,
    "is_ood": BOOL,
    "is_silence": BOOL,
}
DATES = ("createdAt", "startedAt", "finishedAt")
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
SID = re.compile(r"^CA[0-9a-f]{32}$")


def when(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def assert_valid(call: dict) -> None:
    """Required fields, field types, date-time formats, and time running forwards."""
    for name in ("conversationId", "accountId", "projectId"):
        assert isinstance(call.get(name), str) and call[name]
    for name, value in call.items():
        assert name in TOP, f"unexpected field {name}"
        assert isinstance(value, TOP[name]) and not (TOP[name] is INT and isinstance(value, bool))
    assert all(isinstance(tag, str) for tag in call.get("tags", []))
    for name in DATES:
        if name in call:
            assert ISO.match(call[name]), call[name]
    previous = when(call["startedAt"])
    for turn in call["turns"]:
        assert set(turn) <= set(TURN)
        for name, value in turn.items():
            assert isinstance(value, TURN[name]), (name, value)
        assert all(isinstance(i, str) for i in turn["intents"])
        for entity in turn["entities"]:
            assert all(isinstance(v, str | list) for v in entity.values())
        heard = when(turn["user_input_datetime"])
        assert heard >= previous
        previous = heard
        if "agent_response_datetime" in turn:
            answered = when(turn["agent_response_datetime"])
            assert abs((answered - heard).total_seconds() - turn["latency"]) < 0.002
            previous = answered
    if "finishedAt" in call:
        assert when(call["finishedAt"]) >= previous
        assert call["totalDuration"] >= (when(call["finishedAt"]) - when(call["startedAt"])).seconds
    model = Conversation.from_data(call)
    assert model.to_json_dict() == call  # the app's models read and write it faithfully


@pytest.fixture(scope="module")
def samples():
    return sample_conversations()


def test_seven_valid_calls_with_stable_ids(samples):
    assert len(samples) == 7
    for call in samples:
        assert_valid(call)
        assert (call["accountId"], call["projectId"]) == (DEMO_ACCOUNT, DEMO_AGENT)
    ids = [call["conversationId"] for call in samples]
    assert ids == sample_ids() and len(set(ids)) == 7
    assert all(SID.match(cid) for i, cid in enumerate(ids) if i != 5)
    assert ids[0] == "CA3f9c2e7a41d84b0c9e15a6f0b2d7c481"


def test_samples_are_deterministic_and_fresh_copies(samples):
    again = sample_conversations()
    assert json.dumps(again) == json.dumps(samples)
    again[0]["turns"].clear()
    assert sample_conversations()[0]["turns"]


def test_no_placeholder_text(samples):
    text = json.dumps(samples).lower()
    for word in ("lorem", "ipsum", "todo", "placeholder"):
        assert word not in text


def test_booking(samples):
    call = samples[0]
    assert call["channel"] == "VOICE-SIP" and call["polyScore"] == 5
    summary = json.loads(call["shortSummary"])
    assert set(summary) == {"heading", "content"}
    assert Summary.parse(call["shortSummary"]).heading == summary["heading"]
    names = {name for turn in call["turns"] for e in turn["entities"] for name in e}
    assert {"party_size", "date", "time"} <= names
    assert max(t["latency"] for t in call["turns"]) < 1.5
    assert call["fromNumber"].startswith("+1555") and call["audioUrl"].startswith("https://")


def test_bank_call(samples):
    call = samples[1]
    turns = call["turns"]
    assert any(t["user_input_dtmf"] and t["user_input"] == "" for t in turns)
    silences = [t for t in turns if t["is_silence"]]
    assert silences and all(t["user_input"] == "" for t in silences)
    assert any(t["latency"] > 3 for t in turns) and any(t["is_ood"] for t in turns)
    assert call["handoff"] is True and call["handoffDestination"] and call["handoffReason"]
    assert call["polyScore"] == 2 and call["tags"]
    assert call["totalDuration"] > call["polyaiDuration"]


def test_french_call_is_translated_on_every_turn(samples):
    call = samples[2]
    assert call["language"] == "fr"
    for turn in call["turns"]:
        assert turn["english_agent_response"]
        assert bool(turn["translated_user_input"]) == bool(turn["user_input"])


def test_function_events_and_nested_metrics(samples):
    call = samples[3]
    events = call["functionEvents"]["calls"]
    assert len(events) >= 3
    for event in events:
        assert {"name", "args", "startedAt", "finishedAt"} <= set(event)
        assert when(event["startedAt"]) <= when(event["finishedAt"])
        assert when(call["startedAt"]) <= when(event["startedAt"]) <= when(call["finishedAt"])
    assert any(isinstance(e.get("result"), dict) for e in events)
    metrics = call["metrics"]
    assert any(isinstance(v, list) and all(isinstance(s, str) for s in v) for v in metrics.values())
    assert any(
        isinstance(v, dict) and any(isinstance(w, dict) for w in v.values())
        for v in metrics.values()
    )


def test_in_progress_call(samples):
    call = samples[4]
    assert call["inProgress"] is True and "finishedAt" not in call
    assert Conversation.from_data(call).live


def test_webchat(samples):
    call = samples[5]
    assert call["channel"] == "WEBCHAT"
    assert not {"audioUrl", "fromNumber", "toNumber"} & set(call)
    assert not any(t["is_silence"] or t["user_input_dtmf"] for t in call["turns"])


def test_big_call(samples):
    call = samples[6]
    turns = call["turns"]
    assert len(turns) == 5000
    latencies = [t["latency"] for t in turns]
    assert min(latencies) >= 0.3 and max(latencies) <= 5.0
    assert sum(x > 3 for x in latencies) > 5 and sum(x < 0.6 for x in latencies) > 100
    assert sum(bool(t["user_input_dtmf"]) for t in turns) > 20
    assert sum(t["is_silence"] for t in turns) > 20 and sum(t["is_ood"] for t in turns) > 20
    assert not any(t["translated_user_input"] or t["english_agent_response"] for t in turns)
    lengths = {len(t["agent_response"].split()) for t in turns}
    assert min(lengths) <= 2 and max(lengths) >= 40


def test_big_conversation_arguments():
    small = big_conversation(50, conversation_id="CA" + "a" * 32)
    assert len(small["turns"]) == 50 and small["conversationId"] == "CA" + "a" * 32
    assert_valid(small)
    assert big_conversation(50) == big_conversation(50)
    assert big_conversation(50, seed=1)["turns"] != big_conversation(50)["turns"]
    assert big_conversation(50)["conversationId"] != big_conversation(51)["conversationId"]


def test_synthetic_calls_vary_and_repeat():
    calls = [synthetic_conversation(i) for i in range(300)]
    for call in calls:
        assert_valid(call)
    assert [synthetic_conversation(i) for i in range(5)] == calls[:5]
    assert synthetic_conversation(3, seed=1) != calls[3]
    assert len({c["conversationId"] for c in calls}) == 300
    assert all(SID.match(c["conversationId"]) and len(c["turns"]) == 12 for c in calls)
    refunds = sum("refund" in json.dumps(c) for c in calls)
    assert 30 < refunds < 270  # a selective search term, not everywhere
    assert {c["channel"] for c in calls} == {"VOICE-SIP", "WEBCHAT"}
    assert len({c["polyScore"] for c in calls}) == 5
    assert sum(c["handoff"] for c in calls) > 10
    starts = [c["startedAt"] for c in calls]
    assert starts == sorted(starts) and len({s[:10] for s in starts}) > 1
    assert len(synthetic_conversation(0, turns=30)["turns"]) == 30
