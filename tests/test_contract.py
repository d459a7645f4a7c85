"""Contract: any payload the published spec allows parses, round-trips unchanged and prints in
every format, with nothing unsafe reaching text, markdown or html."""

from __future__ import annotations

import copy
import csv
import io
import json
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis_jsonschema import from_schema

from polytui.core.models import Conversation
from polytui.core.text import is_clean
from polytui.export import FORMATS, render

SPEC = Path(__file__).parent / "data" / "conversations-v3.openapi.yaml"


def conversation_schema() -> dict:
    spec = yaml.safe_load(SPEC.read_text())
    schemas = spec["components"]["schemas"]
    schema = copy.deepcopy(schemas["ConversationDetailResponse"])
    schema["properties"]["turns"]["items"] = copy.deepcopy(schemas["ConversationTurn"])
    return schema


SCHEMA = conversation_schema()


def test_schema_is_the_published_one():
    assert set(SCHEMA["required"]) == {"conversationId", "accountId", "projectId"}
    assert "user_input_dtmf" in SCHEMA["properties"]["turns"]["items"]["properties"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(from_schema(SCHEMA))
def test_any_valid_payload_parses_round_trips_and_prints(payload):
    conversation = Conversation.from_data(payload)
    assert conversation.to_json_dict() == payload
    for fmt in FORMATS:
        out = render(conversation, fmt)
        assert isinstance(out, str) and out
        if fmt in ("text", "markdown", "html"):
            assert is_clean(out)
    assert json.loads(render(conversation, "json")) == payload
    rows = list(csv.reader(io.StringIO(render(conversation, "csv"))))
    assert len(rows) >= 1 + len(conversation.turn_list)
