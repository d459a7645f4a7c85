"""The pydantic schema of the Conversations API payload (``ConversationDetailResponse``): the
referee for payloads that ``polytui.models`` cannot take as they are (a number sent as a
string, a field spelt in snake_case, a required field missing...). Imported only then, or for
exports that need pydantic's serialiser, so that opening a stored call does not pay for
pydantic (about 70 ms at start and 6 MB).

What it accepts and how it coerces is the contract; ``polytui.models`` wraps its result.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import BadPayloadError

Number = int | float


class _ApiModel(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class TurnSchema(_ApiModel):
    user_input: str | None = None
    user_input_dtmf: str | None = None
    user_input_datetime: str | None = None
    agent_response: str | None = None
    agent_response_datetime: str | None = None
    latency: Number | None = None
    translated_user_input: str | None = None
    english_agent_response: str | None = None
    intents: list[str | None] | None = None
    entities: list[Any] | None = None
    is_ood: bool | None = None
    is_silence: bool | None = None


class ConversationSchema(_ApiModel):
    conversation_id: str = Field(alias="conversationId")
    account_id: str = Field(alias="accountId")
    project_id: str = Field(alias="projectId")
    created_at: str | None = Field(default=None, alias="createdAt")
    started_at: str | None = Field(default=None, alias="startedAt")
    finished_at: str | None = Field(default=None, alias="finishedAt")
    channel: str | None = None
    from_number: str | None = Field(default=None, alias="fromNumber")
    to_number: str | None = Field(default=None, alias="toNumber")
    language: str | None = None
    variant_id: str | None = Field(default=None, alias="variantId")
    client_env: str | None = Field(default=None, alias="clientEnv")
    total_duration: Number | None = Field(default=None, alias="totalDuration")
    polyai_duration: Number | None = Field(default=None, alias="polyaiDuration")
    duration: Number | None = None
    in_progress: bool | None = Field(default=None, alias="inProgress")
    handoff: bool | None = None
    handoff_destination: str | None = Field(default=None, alias="handoffDestination")
    handoff_reason: str | None = Field(default=None, alias="handoffReason")
    direction: str | None = None
    tags: list[str | None] | None = None
    poly_score: Number | None = Field(default=None, alias="polyScore")
    short_summary: str | None = Field(default=None, alias="shortSummary")
    deployment_id: str | None = Field(default=None, alias="deploymentId")
    note: str | None = None
    audio_url: str | None = Field(default=None, alias="audioUrl")
    turns: list[TurnSchema | None] | None = None
    metrics: Any = None
    function_events: Any = Field(default=None, alias="functionEvents")


def validate(data: dict[str, Any]) -> ConversationSchema:
    """``data`` validated (and coerced); ``BadPayloadError`` with one plain sentence if not."""
    try:
        return ConversationSchema.model_validate(data)
    except ValidationError as exc:
        raise BadPayloadError(describe_validation_error(exc)) from None
    except RecursionError:
        raise BadPayloadError("The API answered with JSON nested too deeply to read.") from None


def validated_data(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` as the schema reads it, spelt as the API spells it: coerced values, fields in
    the schema's order, then unknown fields, absent fields left out."""
    return validate(data).model_dump(by_alias=True, exclude_unset=True)


def describe_validation_error(exc: ValidationError) -> str:
    """One sentence naming the first offending field, e.g. 'conversationId is missing'."""
    errors = exc.errors()
    if not errors:
        return "The API answered with a conversation that could not be read."
    first = errors[0]
    loc = ".".join(str(part) for part in first.get("loc", ()) if not _is_type_tag(part))
    kind = first.get("type", "")
    if kind == "missing":
        what = f"the required field {loc} is missing"
    else:
        what = f"the field {loc} is invalid ({first.get('msg', 'bad value')})"
    more = f" and {len(errors) - 1} more problem(s)" if len(errors) > 1 else ""
    return f"The API answered with a conversation that could not be read: {what}{more}."


def _is_type_tag(part: object) -> bool:
    """Union members show up in pydantic's error locations ("latency.int"): leave them out."""
    return isinstance(part, str) and (
        part in {"int", "float", "str", "bool", "none", "list", "dict"}
        or part.startswith(("list[", "dict[", "function-"))
    )
