"""The models read a payload in plain Python when its values already have their final types,
and through the pydantic schema otherwise: both roads must give the same conversation."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from polytui import api_schema
from polytui.demo.samples import big_conversation, sample_conversations
from polytui.errors import BadPayloadError
from polytui.models import Conversation

BASE = {"conversationId": "CA1", "accountId": "ACC", "projectId": "PROJ"}


def schema_reading(data: dict) -> dict:
    return api_schema.validate(data).model_dump(by_alias=True, exclude_unset=True)


def test_every_sample_reads_as_the_schema_reads_it_in_any_key_order():
    for call in [*sample_conversations(), big_conversation(300)]:
        shuffled = {"zzzUnknown": {"kept": [1, 2.5]}, **dict(reversed(list(call.items())))}
        conv = Conversation.from_data(shuffled)
        # Same values and the same key order (the schema's fields first, then unknown ones).
        assert json.dumps(conv.to_dict()) == json.dumps(schema_reading(shuffled))
        assert conv.to_json_dict() == conv.model_dump(
            mode="json", by_alias=True, exclude_unset=True
        )
        assert conv.model_extra == {"zzzUnknown": {"kept": [1, 2.5]}}


@pytest.mark.parametrize(
    ("changes", "turn", "expected"),
    [
        ({"polyScore": "4"}, {}, {"poly_score": 4}),
        ({"totalDuration": "12.5"}, {}, {"total_duration": 12.5}),
        ({"inProgress": "true"}, {}, {"in_progress": True}),
        ({"handoff": 0}, {}, {"handoff": False}),
        ({}, {"latency": "1.5"}, {"latency": 1.5}),
        ({}, {"is_ood": "yes"}, {"is_ood": True}),
        ({}, {"latency": True}, {"latency": 1}),
    ],
)
def test_values_of_another_type_are_coerced_by_the_schema(changes, turn, expected):
    data = {**BASE, **changes, "turns": [{"user_input": "hi", **turn}]}
    conv = Conversation.from_data(data)
    assert conv.to_dict() == schema_reading(data)
    for name, value in expected.items():
        owner = conv.turn_list[0] if name in ("latency", "is_ood") else conv
        got = getattr(owner, name)
        assert got == value and type(got) is type(value), (name, got)


def test_snake_case_spellings_are_read_by_the_schema():
    conv = Conversation.from_data({"conversation_id": "CA9", "account_id": "A", "project_id": "P"})
    assert (conv.conversation_id, conv.account_id, conv.project_id) == ("CA9", "A", "P")
    assert conv.to_dict() == {"conversationId": "CA9", "accountId": "A", "projectId": "P"}


@pytest.mark.parametrize(
    "data",
    [
        {"accountId": "A", "projectId": "P"},
        {**BASE, "conversationId": 7},
        {**BASE, "turns": [{"latency": "fast"}]},
        {**BASE, "turns": "none"},
        {**BASE, "tags": [1, 2]},
        {**BASE, "turns": [["not", "a", "turn"]]},
    ],
)
def test_what_the_schema_refuses_is_refused_with_one_sentence(data):
    with pytest.raises(BadPayloadError) as info:
        Conversation.from_data(data)
    assert "could not be read" in str(info.value) and "\n" not in str(info.value)


def test_conversations_compare_by_content():
    call = sample_conversations()[0]
    assert Conversation.from_data(call) == Conversation.from_data(json.loads(json.dumps(call)))
    assert Conversation.from_data(call) != Conversation.from_data({**call, "note": "changed"})


def test_reading_a_well_typed_call_does_not_load_pydantic():
    probe = (
        "import sys; from polytui.demo.samples import big_conversation; "
        "from polytui.models import Conversation; "
        "c = Conversation.from_data(big_conversation(50)); "
        "print(len(c.turn_list), 'pydantic' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.stdout.split() == ["50", "False"], done.stderr


@pytest.mark.parametrize(
    "odd",
    [
        {"latency": "1.5"},  # the same keys as the turns before, another type of value
        {"is_ood": "yes"},
        {"intents": ["greeting", 7]},  # the same types as before, but not all strings inside
        {"intents": [None, ""]},
    ],
)
def test_a_late_turn_of_another_type_is_still_read_by_the_schema(odd):
    """Turns that share their keys and types are checked once per pattern: a turn far down a
    long call whose values differ still goes to the schema, like the first turn would."""
    turn = {"user_input": "hi", "latency": 1.0, "is_ood": False, "intents": ["greeting"]}
    data = {**BASE, "turns": [dict(turn) for _ in range(50)] + [{**turn, **odd}]}
    try:
        expected = schema_reading(data)
    except BadPayloadError:  # the schema refuses it: so must the models
        with pytest.raises(BadPayloadError):
            Conversation.from_data(data)
        return
    assert Conversation.from_data(data).to_dict() == expected
