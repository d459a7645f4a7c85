"""Models: tolerant in (nulls, absent fields), faithful out (unknown fields kept), strict on
the three required fields."""

from __future__ import annotations

import json

import pytest

from polytui.core.errors import BadPayloadError
from polytui.core.models import Conversation, Summary, parse_datetime, percentile

BASE = {"conversationId": "CA1", "accountId": "ACC", "projectId": "PROJ"}


def test_nulls_accepted_everywhere_v1_style():
    data = {
        **BASE,
        **{
            k: None
            for k in (
                "createdAt",
                "startedAt",
                "finishedAt",
                "channel",
                "fromNumber",
                "toNumber",
                "language",
                "variantId",
                "clientEnv",
                "totalDuration",
                "polyaiDuration",
                "duration",
                "inProgress",
                "handoff",
                "handoffDestination",
                "handoffReason",
                "direction",
                "tags",
                "polyScore",
                "shortSummary",
                "deploymentId",
                "note",
                "audioUrl",
                "turns",
                "metrics",
                "functionEvents",
            )
        },
    }
    conv = Conversation.from_data(data)
    assert conv.turn_list == [] and conv.summary is None and conv.call_seconds is None
    turn = {
        k: None
        for k in (
            "user_input",
            "user_input_dtmf",
            "user_input_datetime",
            "agent_response",
            "agent_response_datetime",
            "latency",
            "translated_user_input",
            "english_agent_response",
            "intents",
            "entities",
            "is_ood",
            "is_silence",
        )
    }
    conv = Conversation.from_data({**BASE, "turns": [turn, None]})
    assert len(conv.turn_list) == 1 and conv.turn_list[0].user_text == ""


def test_unknown_fields_survive_round_trip():
    data = {
        **BASE,
        "newThing": {"a": [1, 2]},
        "turns": [{"user_input": "hi", "future": True}],
        "totalDuration": 12,
        "polyScore": 4.5,
    }
    out = Conversation.from_data(data).to_json_dict()
    assert out == data
    assert isinstance(out["totalDuration"], int)


@pytest.mark.parametrize("field", ["conversationId", "accountId", "projectId"])
def test_required_fields_named_in_message(field):
    data = dict(BASE)
    del data[field]
    with pytest.raises(BadPayloadError, match=field):
        Conversation.from_data(data)
    with pytest.raises(BadPayloadError, match=field):
        Conversation.from_data({**BASE, field: None})


def test_bad_bodies_are_one_sentence():
    for body in (b"<html>", b"[1,2]", b"", b'{"conversationId": "x"', "[" * 100000 + "]" * 100000):
        with pytest.raises(BadPayloadError) as info:
            Conversation.from_json_bytes(body)
        assert "\n" not in str(info.value)
    assert Conversation.from_data({**BASE, "turns": [{"latency": "fast"}]}).latencies() == []


def test_summary_json_or_plain():
    s = Summary.parse(json.dumps({"heading": "Booking", "content": "Table for 4"}))
    assert (s.heading, s.content) == ("Booking", "Table for 4")
    assert Summary.parse("just words").content == "just words"
    assert Summary.parse("{not json").content == "{not json"
    assert Summary.parse("") is None and Summary.parse(None) is None


def test_entities_and_offsets():
    conv = Conversation.from_data(
        {
            **BASE,
            "startedAt": "2026-01-02T10:00:00Z",
            "turns": [
                {
                    "user_input_datetime": "2026-01-02T10:01:05Z",
                    "entities": [{"date": "friday"}, {"names": ["Ann", "Bo"]}, {"n": 3}],
                }
            ],
        }
    )
    turn = conv.turn_list[0]
    assert turn.entity_pairs() == [("date", "friday"), ("names", "Ann, Bo"), ("n", "3")]
    assert conv.turn_offset(turn) == 65.0
    assert parse_datetime("garbage") is None
    assert parse_datetime("2026-01-02T10:00:00").tzinfo is not None


def test_percentile():
    assert percentile([], 50) is None
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 95) == 95.0
    assert percentile([2.0], 95) == 2.0
