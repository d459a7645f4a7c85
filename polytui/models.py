"""The Conversations API payload (``ConversationDetailResponse``) as the rest of polytui reads it.

Tolerant in, faithful out:
- every optional field accepts null (the older v1 API sent nulls) or may be absent;
- unknown fields are kept and written back by ``to_dict`` / ``to_json_dict``;
- only conversationId, accountId and projectId are required, and a payload without them is
  refused with a message naming the field;
- date-times stay the strings the API sent (parsed on demand), numbers keep int vs float.

Two speeds, one result. A payload whose values already have their final types (what the API
sends, and all that the store holds) is checked here, in plain Python, and wrapped as it is:
opening a stored 5,000-turn call needs no pydantic. Anything else (a number sent as a
string, a field spelt in snake_case, a value of the wrong type, a required field missing)
goes to the pydantic schema in ``polytui.api_schema``, which coerces it or names the problem;
what it accepts is wrapped the same way. The check accepts only values that the schema would
pass through unchanged, so both roads give the same objects.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .dates import parse_datetime as parse_datetime  # pydantic-free, for the command line
from .errors import BadPayloadError
from .note import NOTE_LABELS as NOTE_LABELS  # reviewer notes live in polytui.note (no pydantic)
from .note import Note as Note
from .numbers import percentile as percentile  # pydantic-free numbers live in polytui.numbers

Number = int | float

# Kinds of value, as the schema types them; a value passes as it is only when its exact type
# is one the schema keeps unchanged (so a bool is not taken for a number, nor a str for a bool).
_STR = frozenset((str, type(None)))
_NUMBER = frozenset((int, float, type(None)))
_BOOL = frozenset((bool, type(None)))
_LIST = frozenset((list, type(None)))
_STR_LIST = "list of strings"
_TURNS = "turns"
_ANY = "any"

_TURN_FIELDS: dict[str, Any] = {
    "user_input": _STR,
    "user_input_dtmf": _STR,
    "user_input_datetime": _STR,
    "agent_response": _STR,
    "agent_response_datetime": _STR,
    "latency": _NUMBER,
    "translated_user_input": _STR,
    "english_agent_response": _STR,
    "intents": _STR_LIST,
    "entities": _LIST,
    "is_ood": _BOOL,
    "is_silence": _BOOL,
}

# (attribute, key as the API spells it, kind), in the schema's order.
_CONVERSATION_FIELDS: tuple[tuple[str, str, Any], ...] = (
    ("conversation_id", "conversationId", str),
    ("account_id", "accountId", str),
    ("project_id", "projectId", str),
    ("created_at", "createdAt", _STR),
    ("started_at", "startedAt", _STR),
    ("finished_at", "finishedAt", _STR),
    ("channel", "channel", _STR),
    ("from_number", "fromNumber", _STR),
    ("to_number", "toNumber", _STR),
    ("language", "language", _STR),
    ("variant_id", "variantId", _STR),
    ("client_env", "clientEnv", _STR),
    ("total_duration", "totalDuration", _NUMBER),
    ("polyai_duration", "polyaiDuration", _NUMBER),
    ("duration", "duration", _NUMBER),
    ("in_progress", "inProgress", _BOOL),
    ("handoff", "handoff", _BOOL),
    ("handoff_destination", "handoffDestination", _STR),
    ("handoff_reason", "handoffReason", _STR),
    ("direction", "direction", _STR),
    ("tags", "tags", _STR_LIST),
    ("poly_score", "polyScore", _NUMBER),
    ("short_summary", "shortSummary", _STR),
    ("deployment_id", "deploymentId", _STR),
    ("note", "note", _STR),
    ("audio_url", "audioUrl", _STR),
    ("turns", "turns", _TURNS),
    ("metrics", "metrics", _ANY),
    ("function_events", "functionEvents", _ANY),
)
_CONVERSATION_KINDS = {key: kind for _, key, kind in _CONVERSATION_FIELDS}
_CONVERSATION_KEYS = tuple(key for _, key, _ in _CONVERSATION_FIELDS)
# Attribute names that the schema also takes as keys (populate_by_name): left to the schema.
_SNAKE_SPELLINGS = frozenset(name for name, key, _ in _CONVERSATION_FIELDS if name != key)
_REQUIRED = ("conversationId", "accountId", "projectId")


def _passes(kind: Any, value: Any) -> bool:
    if kind is _ANY:
        return True
    if kind is _STR_LIST:
        return value is None or (
            type(value) is list and all(v is None or type(v) is str for v in value)
        )
    if kind is str:
        return type(value) is str
    return type(value) in kind


# The turn fields checked by type alone (all but the list of intents): the hot loop.
_TURN_TYPES = {key: kind for key, kind in _TURN_FIELDS.items() if kind is not _STR_LIST}


_STR_OR_NONE = frozenset((str, type(None)))


def _turns_pass(turns: list[Any]) -> bool:
    """``_turn_passes`` for every turn, quicker for thousands: the turns of one call mostly
    share their keys and the types of their values, and such a pattern is checked once; only
    the list of intents is then checked item by item."""
    passed: set[tuple[tuple[str, ...], tuple[type, ...]]] = set()
    for data in turns:
        if data is None:
            continue
        if type(data) is not dict:
            return False
        pattern = (tuple(data), tuple(map(type, data.values())))
        if pattern not in passed:
            if not _turn_passes(data):
                return False
            passed.add(pattern)
            continue
        intents = data.get("intents")
        if intents and not _STR_OR_NONE.issuperset(map(type, intents)):
            return False
    return True


def _turn_passes(data: Any) -> bool:
    if data is None:
        return True
    if type(data) is not dict:
        return False
    types = _TURN_TYPES
    for key, value in data.items():
        allowed = types.get(key)
        if allowed is not None:
            if type(value) not in allowed:
                return False
        elif key == "intents" and not _passes(_STR_LIST, value):
            return False
    return True


def _passes_as_is(data: dict[str, Any]) -> bool:
    """True when the schema would take ``data`` unchanged: then it is wrapped as it is."""
    for key, value in data.items():
        kind = _CONVERSATION_KINDS.get(key)
        if kind is None:
            if key in _SNAKE_SPELLINGS:
                return False
        elif kind is _TURNS:
            if value is not None and (type(value) is not list or not _turns_pass(value)):
                return False
        elif not _passes(kind, value):
            return False
    return all(type(data.get(key)) is str for key in _REQUIRED)


def _field(key: str) -> property:
    return property(lambda self: self._data.get(key), doc=f"``{key}`` as the API sent it")


def _ordered(data: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """The schema's fields first (in its order), then the unknown ones (in the API's)."""
    known = {key: data[key] for key in keys if key in data}
    return {**known, **{k: v for k, v in data.items() if k not in known}}


class _Payload:
    """Shared by Turn and Conversation: the checked dict, and what pydantic models offered."""

    __slots__ = ("_data",)
    _KEYS: tuple[str, ...] = ()

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    @property
    def model_extra(self) -> dict[str, Any]:
        """The fields the schema does not know, as sent."""
        return {k: v for k, v in self._data.items() if k not in self._KEYS}

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.to_dict()!r})"


class Turn(_Payload):
    """One turn: what the caller said/typed (or silence) and what the agent answered."""

    __slots__ = ()
    _KEYS = tuple(_TURN_FIELDS)

    user_input: str | None = _field("user_input")
    user_input_dtmf: str | None = _field("user_input_dtmf")
    user_input_datetime: str | None = _field("user_input_datetime")
    agent_response: str | None = _field("agent_response")
    agent_response_datetime: str | None = _field("agent_response_datetime")
    latency: Number | None = _field("latency")
    translated_user_input: str | None = _field("translated_user_input")
    english_agent_response: str | None = _field("english_agent_response")
    intents: list[str | None] | None = _field("intents")
    entities: list[Any] | None = _field("entities")
    is_ood: bool | None = _field("is_ood")
    is_silence: bool | None = _field("is_silence")

    def to_dict(self) -> dict[str, Any]:
        return _ordered(self._data, self._KEYS)

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


@dataclass(frozen=True)
class Summary:
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


class Conversation(_Payload):
    """A whole call. Build it with ``from_data`` / ``from_json_bytes`` (which check it)."""

    __slots__ = ("_turns",)
    _KEYS = _CONVERSATION_KEYS

    conversation_id: str = _field("conversationId")
    account_id: str = _field("accountId")
    project_id: str = _field("projectId")
    created_at: str | None = _field("createdAt")
    started_at: str | None = _field("startedAt")
    finished_at: str | None = _field("finishedAt")
    channel: str | None = _field("channel")
    from_number: str | None = _field("fromNumber")
    to_number: str | None = _field("toNumber")
    language: str | None = _field("language")
    variant_id: str | None = _field("variantId")
    client_env: str | None = _field("clientEnv")
    total_duration: Number | None = _field("totalDuration")
    polyai_duration: Number | None = _field("polyaiDuration")
    duration: Number | None = _field("duration")
    in_progress: bool | None = _field("inProgress")
    handoff: bool | None = _field("handoff")
    handoff_destination: str | None = _field("handoffDestination")
    handoff_reason: str | None = _field("handoffReason")
    direction: str | None = _field("direction")
    tags: list[str | None] | None = _field("tags")
    poly_score: Number | None = _field("polyScore")
    short_summary: str | None = _field("shortSummary")
    deployment_id: str | None = _field("deploymentId")
    note: str | None = _field("note")
    audio_url: str | None = _field("audioUrl")
    metrics: Any = _field("metrics")
    function_events: Any = _field("functionEvents")

    def __init__(self, data: dict[str, Any]) -> None:
        """``data`` must be checked already (``from_data`` does it)."""
        super().__init__(data)
        turns = data.get("turns")
        self._turns = None if turns is None else [None if t is None else Turn(t) for t in turns]

    @property
    def turns(self) -> list[Turn | None] | None:
        return self._turns

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def from_json_bytes(cls, body: bytes | str) -> Conversation:
        """Parse and check a body; raise ``BadPayloadError`` with one plain sentence."""
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
        if type(data) is dict and _passes_as_is(data):
            return cls(data)
        from .api_schema import validated_data

        return cls(validated_data(data))  # the schema's reading, spelt as the API spells it

    @classmethod
    def model_construct(cls, **values: Any) -> Conversation:
        """A conversation from attribute values, unchecked (e.g. only an ID, for a file name)."""
        keys = {name: key for name, key, _ in _CONVERSATION_FIELDS}
        return cls({keys.get(name, name): value for name, value in values.items()})

    def to_dict(self) -> dict[str, Any]:
        """The conversation as the API spelled it, unknown fields included, absent fields
        omitted (the schema's fields first, in its order): plain Python values, any depth."""
        data = _ordered(self._data, self._KEYS)
        if self._turns is not None:
            data["turns"] = [None if t is None else t.to_dict() for t in self._turns]
        return data

    def to_json_dict(self) -> dict[str, Any]:
        """``to_dict`` through pydantic's JSON serialiser (NaN and the infinities become null)."""
        from .api_schema import validate

        return validate(self.to_dict()).model_dump(mode="json", by_alias=True, exclude_unset=True)

    def model_dump(self, **options: Any) -> dict[str, Any]:
        """pydantic's ``model_dump`` of the schema's reading of this conversation."""
        from .api_schema import validate

        return validate(self.to_dict()).model_dump(**options)

    # -- derived values -----------------------------------------------------------------------

    @property
    def turn_list(self) -> list[Turn]:
        return [t for t in (self._turns or []) if t is not None]

    def turn_payloads(self) -> list[dict[str, Any]]:
        """The checked dicts behind ``turn_list`` (same order), for loops over thousands of
        turns that read a few fields each: read-only."""
        return [t._data for t in (self._turns or []) if t is not None]

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


def _short(exc: BaseException) -> str:
    text = str(exc)
    return text if len(text) <= 80 else text[:77] + "..."
