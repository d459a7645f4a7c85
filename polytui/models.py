"""Pydantic models of the Conversations API payload (``ConversationDetailResponse``).

Tolerant in, faithful out:
- every optional field accepts null (the older v1 API sent nulls) or may be absent;
- unknown fields are kept (``extra="allow"``) and written back by ``to_json_dict``;
- only conversationId, accountId and projectId are required, and a payload without them is
  refused with a message naming the field;
- date-times stay the strings the API sent (parsed on demand), numbers keep int vs float.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .dates import parse_datetime as parse_datetime  # pydantic-free, for the command line
from .errors import BadPayloadError
from .note import NOTE_LABELS as NOTE_LABELS  # reviewer notes live in polytui.note (no pydantic)
from .note import Note as Note

Number = int | float


class _ApiModel(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class Turn(_ApiModel):
    """One turn: what the caller said/typed (or silence) and what the agent answered."""

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

    @property
    def user_text(self) -> str:
        return self.user_input or ""

    @property
    def dtmf(self) -> str:
        return self.user_input_dtmf or ""

    @property
    def agent_text(self) -> str:
        return self.agent_response or ""

    @property
    def silent(self) -> bool:
        """True when the turn is flagged silent, or the caller neither spoke nor typed."""
        return bool(self.is_silence)

    @property
    def ood(self) -> bool:
        return bool(self.is_ood)

    @property
    def intent_list(self) -> list[str]:
        return [i for i in (self.intents or []) if i]

    def entity_pairs(self) -> list[tuple[str, str]]:
        """Entities flattened to (name, value) pairs; multi-valued entities join with ", "."""
        pairs: list[tuple[str, str]] = []
        for item in self.entities or []:
            if isinstance(item, dict):
                for name, value in item.items():
                    pairs.append((str(name), _value_text(value)))
            elif item is not None:
                pairs.append(("", _value_text(item)))
        return pairs

    @property
    def has_translation(self) -> bool:
        return bool(self.translated_user_input or self.english_agent_response)


def _value_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ", ".join(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


class Summary(BaseModel):
    """``shortSummary`` understood: a JSON ``{heading, content}`` or a plain string."""

    heading: str = ""
    content: str = ""

    @classmethod
    def parse(cls, raw: str | None) -> Summary | None:
        if not raw:
            return None
        text = raw.strip()
        if text.startswith("{"):
            try:
                data = json.loads(text)
            except ValueError:
                data = None
            if isinstance(data, dict) and ("heading" in data or "content" in data):
                heading = data.get("heading")
                content = data.get("content")
                return cls(
                    heading="" if heading is None else str(heading),
                    content="" if content is None else str(content),
                )
        return cls(content=raw)

    @property
    def one_line(self) -> str:
        if self.heading and self.content:
            return f"{self.heading}: {self.content}"
        return self.heading or self.content


class Conversation(_ApiModel):
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
    turns: list[Turn | None] | None = None
    metrics: Any = None
    function_events: Any = Field(default=None, alias="functionEvents")

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def from_json_bytes(cls, body: bytes | str) -> Conversation:
        """Parse and validate a body; raise ``BadPayloadError`` with one plain sentence."""
        try:
            data = json.loads(body)
        except (ValueError, RecursionError) as exc:
            raise BadPayloadError(
                f"The API answered with a body that is not valid JSON ({_short(exc)})."
            ) from None
        return cls.from_data(data)

    @classmethod
    def from_data(cls, data: Any) -> Conversation:
        if not isinstance(data, dict):
            raise BadPayloadError("The API answered with JSON that is not a conversation object.")
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise BadPayloadError(describe_validation_error(exc)) from None
        except RecursionError:
            raise BadPayloadError("The API answered with JSON nested too deeply to read.") from None

    def to_json_dict(self) -> dict[str, Any]:
        """The conversation as the API spelled it, unknown fields included, unset fields omitted."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)

    # -- derived values -----------------------------------------------------------------------

    @property
    def turn_list(self) -> list[Turn]:
        return [t for t in (self.turns or []) if t is not None]

    @property
    def summary(self) -> Summary | None:
        return Summary.parse(self.short_summary)

    @property
    def tag_list(self) -> list[str]:
        return [t for t in (self.tags or []) if t]

    @property
    def live(self) -> bool:
        return bool(self.in_progress)

    @property
    def start(self) -> datetime | None:
        return parse_datetime(self.started_at) or parse_datetime(self.created_at)

    @property
    def end(self) -> datetime | None:
        return parse_datetime(self.finished_at)

    @property
    def call_seconds(self) -> float | None:
        """Best known length of the call in seconds."""
        for value in (self.total_duration, self.duration, self.polyai_duration):
            seconds = as_float(value)
            if seconds is not None:
                return seconds
        start, end = self.start, self.end
        if start and end:
            return max(0.0, (end - start).total_seconds())
        return None

    def latencies(self) -> list[float]:
        """The turns' latencies that are numbers (an integer too large for a float is not)."""
        values = (as_float(t.latency) for t in self.turn_list)
        return [v for v in values if v is not None]

    def turn_offset(self, turn: Turn) -> float | None:
        """Seconds from the start of the call to this turn (user input, else agent response)."""
        start = self.start
        if start is None:
            return None
        when = parse_datetime(turn.user_input_datetime) or parse_datetime(
            turn.agent_response_datetime
        )
        if when is None:
            return None
        try:
            return (when - start).total_seconds()
        except TypeError:  # naive vs aware datetimes
            return None


def as_float(value: Number | None) -> float | None:
    """``value`` as a float; None when absent or when it is an integer beyond a float's range
    (JSON allows any size). NaN and the infinities stay as they are."""
    if value is None:
        return None
    try:
        return float(value)
    except OverflowError:
        return None


def percentile(values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile (p50, p95, ...) of ``values``; None for an empty list."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.4999)))
    return ordered[rank - 1]


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


def _short(exc: BaseException) -> str:
    text = str(exc)
    return text if len(text) <= 80 else text[:77] + "..."
