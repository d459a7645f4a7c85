"""The models read any payload that has its three IDs: each known field into its best
meaning, whatever JSON type it came as, and the payload itself is kept exactly as received."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from polytui.core.errors import BadPayloadError
from polytui.core.models import Conversation
from polytui.demo import real_shaped_conversations
from polytui.demo.samples import big_conversation, sample_conversations

BASE = {"conversationId": "CA1", "accountId": "ACC", "projectId": "PROJ"}


def test_every_sample_is_kept_as_received_in_any_key_order():
    samples = [*sample_conversations(), big_conversation(300), *real_shaped_conversations()]
    for call in samples:
        shuffled = {"zzzUnknown": {"kept": [1, 2.5]}, **dict(reversed(list(call.items())))}
        conv = Conversation.from_data(shuffled)
        assert json.dumps(conv.to_dict()) == json.dumps(shuffled)  # same order, same values
        assert conv.model_extra["zzzUnknown"] == {"kept": [1, 2.5]}


@pytest.mark.parametrize(
    ("changes", "turn", "expected"),
    [
        ({"polyScore": "4"}, {}, {"poly_score": 4}),
        ({"polyScore": 6.0}, {}, {"poly_score": 6.0}),
        ({"totalDuration": "12.5"}, {}, {"total_duration": 12.5}),
        ({"inProgress": "true"}, {}, {"in_progress": True}),
        ({"handoff": 0}, {}, {"handoff": False}),
        ({"fromNumber": 5550100}, {}, {"from_number": "5550100"}),
        ({"tags": ["a", 7, None]}, {}, {"tags": ["a", "7"]}),
        ({}, {"latency": "1.5"}, {"latency": 1.5}),
        ({}, {"latency": {"label": None, "perceived_latency": 3.88}}, {"latency": 3.88}),
        ({}, {"latency": "fast"}, {"latency": None}),
        ({}, {"latency": True}, {"latency": None}),
        ({}, {"is_ood": "yes"}, {"is_ood": True}),
        ({}, {"is_ood": {"x": 1}}, {"is_ood": None}),
        ({}, {"intents": "greeting"}, {"intents": ["greeting"]}),
        ({}, {"entities": {"day": "fri"}}, {"entities": [{"day": "fri"}]}),
        ({}, {"agent_response": {"text": "hi"}}, {"agent_response": '{"text": "hi"}'}),
    ],
)
def test_values_of_another_type_are_read_and_kept_as_sent(changes, turn, expected):
    data = {**BASE, **changes, "turns": [{"user_input": "hi", **turn}]}
    sent = json.loads(json.dumps(data))
    conv = Conversation.from_data(data)
    assert conv.to_dict() == sent  # the raw payload is untouched
    for name, value in expected.items():
        owner = conv.turn_list[0] if name in turn or name in ("latency", "is_ood") else conv
        if name in ("intents", "entities", "agent_response"):
            owner = conv.turn_list[0]
        got = getattr(owner, name)
        assert got == value and type(got) is type(value), (name, got)


def test_snake_case_spellings_are_read_and_kept():
    data = {"conversation_id": "CA9", "account_id": "A", "project_id": "P"}
    conv = Conversation.from_data(data)
    assert (conv.conversation_id, conv.account_id, conv.project_id) == ("CA9", "A", "P")
    assert conv.to_dict() == data


@pytest.mark.parametrize(
    "data",
    [
        {"accountId": "A", "projectId": "P"},
        {**BASE, "conversationId": 7},
        {**BASE, "accountId": None},
        {**BASE, "projectId": ["P"]},
    ],
)
def test_only_a_missing_or_odd_id_is_refused_with_one_sentence(data):
    with pytest.raises(BadPayloadError) as info:
        Conversation.from_data(data)
    assert "could not be read" in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize(
    "odd",
    [
        {"turns": "none"},
        {"tags": [1, 2]},
        {"turns": [["not", "a", "turn"], {"user_input": "hi"}]},
        {"turns": {"0": {"user_input": "hi"}}},
        {"shortSummary": 12},
        {"metrics": "x"},
        {"functionEvents": [1, None, "x"]},
    ],
)
def test_what_the_spec_would_refuse_opens(odd):
    conv = Conversation.from_data({**BASE, **odd})
    assert conv.conversation_id == "CA1"
    assert conv.metric_list is not None and conv.loose_function_events is not None
    assert conv.summary is None or conv.summary.one_line
    assert isinstance(conv.turn_function_events, dict)
    for turn in conv.turn_list:
        assert turn.user_text == "hi"


def test_conversations_compare_by_content():
    call = sample_conversations()[0]
    assert Conversation.from_data(call) == Conversation.from_data(json.loads(json.dumps(call)))
    assert Conversation.from_data(call) != Conversation.from_data({**call, "note": "changed"})


def test_reading_any_call_does_not_load_pydantic():
    probe = (
        "import sys; from polytui.demo.samples import big_conversation; "
        "from polytui.demo import real_shaped_conversations; "
        "from polytui.core.models import Conversation; "
        "c = Conversation.from_data(big_conversation(50)); "
        "r = Conversation.from_data(real_shaped_conversations()[0]); "
        "print(len(c.turn_list), len(r.turn_list), 'pydantic' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.stdout.split() == ["50", "5", "False"], done.stderr


@pytest.mark.parametrize(
    ("odd", "field", "reading"),
    [
        ({"latency": "1.5"}, "latency", 1.5),
        ({"latency": {"perceived_latency": 2.5}}, "latency", 2.5),
        ({"is_ood": "yes"}, "is_ood", True),
        ({"intents": ["greeting", 7]}, "intents", ["greeting", "7"]),
        ({"intents": [None, ""]}, "intents", []),
    ],
)
def test_a_late_turn_of_another_type_is_still_read(odd, field, reading):
    """Turns that share their keys and types are checked once per pattern: a turn far down a
    long call whose values differ is still read, like the first turn would be."""
    turn = {"user_input": "hi", "latency": 1.0, "is_ood": False, "intents": ["greeting"]}
    data = {**BASE, "turns": [dict(turn) for _ in range(50)] + [{**turn, **odd}]}
    conv = Conversation.from_data(data)
    last = conv.turn_list[-1]
    assert getattr(last, field) == reading
    assert conv.turn_payloads()[-1][field] == reading  # the hot loops see the reading too
    assert last.to_dict() == {**turn, **odd}
