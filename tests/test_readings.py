"""The readers of API values: each takes any JSON value and gives polytui's best reading."""

from __future__ import annotations

import math

import pytest

from polytui.core.events import FunctionEvent, function_events_by_turn
from polytui.core.models import Conversation
from polytui.core.readings import (
    Summary,
    as_bool,
    as_number,
    as_text,
    compact_json,
    latency_seconds,
    metric_points,
    read_metrics,
    when,
)
from polytui.demo import real_shaped_conversations

ODD = [None, True, 0, -3, 1.5, math.nan, 10**40, "", "x", [], [1, [2]], {}, {"a": {"b": None}}]


@pytest.mark.parametrize("value", ODD)
def test_every_reader_takes_any_json_value(value):
    as_text(value), as_number(value), as_bool(value), latency_seconds(value), when(value)
    Summary.parse(value), metric_points(value), read_metrics(value)
    function_events_by_turn(value, [1, "2", None, {}])
    event = FunctionEvent(value)
    shown = (event.name, event.error_text, event.handoff_text, event.state_changes)
    assert shown[0] and event.duration_ms is None or event.duration_ms is not None


def test_latency_from_the_real_object_or_a_number():
    assert latency_seconds({"label": None, "perceived_latency": 3.882713}) == 3.882713
    assert latency_seconds({"perceived_latency": None}) is None
    assert latency_seconds(1.2) == 1.2 and latency_seconds("0.75") == 0.75
    assert latency_seconds("fast") is None and latency_seconds(True) is None


def test_summary_from_object_json_string_or_text():
    assert Summary.parse({"heading": "Booking", "content": "Table for 4"}).one_line == (
        "Booking: Table for 4"
    )
    assert Summary.parse('{"heading": "H", "content": null}').heading == "H"
    assert Summary.parse("plain words").content == "plain words"
    assert Summary.parse({"other": 1}).content == '{"other": 1}'
    assert Summary.parse(None) is None and Summary.parse({}) is None


def test_metric_histories_in_every_shape():
    metrics = read_metrics(
        {
            "CALL_DURATION": [
                {"timestamp": "2026-06-03T13:19:02", "value": "57"},
                {"timestamp": "2026-06-03T13:19:19.757917", "value": "73"},
            ],
            "BARE": "5",
            "LIST": [1, 2],
        }
    )
    by_name = {m.name: m for m in metrics}
    latest = by_name["CALL_DURATION"].latest
    assert latest.text == "73" and latest.number == 73 and latest.at.tzinfo is not None
    assert [p.text for p in by_name["BARE"].points] == ["5"]
    assert by_name["LIST"].latest.number == 2


def test_rfc1123_and_zoneless_times():
    assert when("Wed, 03 Jun 2026 13:19:11 GMT").isoformat() == "2026-06-03T13:19:11+00:00"
    assert when("2026-06-03T13:19:19.757917").utcoffset().total_seconds() == 0
    assert when("soon") is None


def test_text_of_non_text_values_is_json():
    assert as_text(6.0) == "6.0" and as_text(False) == "false" and as_text({"a": 1}) == '{"a": 1}'
    deep: object = "leaf"
    for _ in range(5000):
        deep = [deep]
    assert "leaf" in compact_json(deep)


def test_the_clinic_calls_function_events_sit_under_their_turns():
    conv = Conversation.from_data(real_shaped_conversations()[0])
    events = conv.turn_function_events
    assert sorted(events) == [3, 4, 5]
    (failed,) = events[4]
    assert failed.name == "find_appointment" and failed.failed and failed.duration_ms == 5012
    assert "timed out" in failed.error_text
    (transfer,) = events[5]
    assert transfer.handoff_text == "warm_transfer · booking_lookup_failed"
    assert transfer.state_changes == {"updated": {"stage": "handoff"}}
    assert transfer.started.isoformat() == "2026-06-03T13:19:02+00:00"
    assert not conv.loose_function_events
    turns = conv.turn_list
    assert turns[4].barge_in and not turns[3].barge_in
    assert turns[1].asr_corrected == "Hi, I need to move my appointment on Thursday."
    assert turns[3].asr_corrected is None  # same words as user_input
    assert turns[3].latency == 5.882 and turns[4].latency == 3.882713
    assert conv.poly_score == 6.0 and conv.summary.heading.startswith("Reschedule")
    assert turns[3].reviews and turns[1].top_transcripts[1][0].endswith("thirsty")


def test_events_match_by_turn_id_before_their_key():
    turn_ids = [111, 222]
    by_turn, loose = function_events_by_turn(
        {"9": [{"name": "a", "turn_id": "222"}], "1": [{"name": "b"}], "x": [{"name": "c"}]},
        turn_ids,
    )
    assert [e.name for e in by_turn[2]] == ["a"] and [e.name for e in by_turn[1]] == ["b"]
    assert [e.name for e in loose] == ["c"]


def test_events_keyed_to_a_turn_the_copy_lacks_are_kept_loose():
    call = {
        "conversationId": "C",
        "accountId": "A",
        "projectId": "P",
        "turns": [{"user_input": "hi"}],
        "functionEvents": {"7": [{"name": "late"}]},
    }
    conv = Conversation.from_data(call)
    assert [e.name for e in conv.loose_function_events] == ["late"]


def test_an_event_without_a_turn_id_never_matches_a_turn_by_a_null_id():
    by_turn, loose = function_events_by_turn([{"name": "x"}], [True, None, {}])
    assert by_turn == {} and [e.name for e in loose] == ["x"]
