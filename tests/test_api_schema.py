"""The schema describes the shapes polytui understands (spec and real); it gates nothing."""

from __future__ import annotations

from polytui.core.api_schema import unread_fields
from polytui.core.models import Conversation
from polytui.demo import real_shaped_conversations
from polytui.demo.samples import sample_conversations


def test_both_shapes_of_sample_are_understood_in_full():
    clinic = real_shaped_conversations()[0]
    for call in [*sample_conversations()[:-1], clinic]:
        assert unread_fields(call) == [], call["conversationId"]


def test_a_new_shape_is_named_and_still_opens():
    call = real_shaped_conversations()[0]
    call["turns"][2]["latency"] = "fast"
    call["shortSummary"] = ["a", "list"]
    call["turns"][3]["metadata"]["function_events"][0]["duration"] = {"ms": 5}
    assert unread_fields(call) == [
        "shortSummary",
        "turns.2.latency",
        "turns.3.metadata.function_events.0.duration",
    ]
    conv = Conversation.from_data(call)
    assert conv.turn_list[2].latency is None and conv.to_dict() == call
