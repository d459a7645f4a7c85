"""The Conversations API payload (``ConversationDetailResponse``) as the rest of polytui reads it.

A tolerant reader, faithful out:
- only conversationId, accountId and projectId are required (strings; snake_case spellings
  too); a payload without them is refused with a message naming the field;
- every other field may come as any JSON type, at any depth, or be absent, and fields appear
  without notice: each is read into its best meaning (``polytui.core.readings``), and nothing is
  refused for its shape;
- the payload is kept exactly as received (``raw``, ``to_dict``): unknown fields, key order and
  values, so the stored copy and ``--format json`` give back what the API sent.

Two speeds, one result. Each payload is kept twice only where it must be: ``_data`` holds the
known fields as their readings (a string, a number, a bool, a list of strings) beside the
unknown ones. A turn whose values already have those types (what the spec describes, and most
stored calls) is its own reading and costs nothing; any other (the real API's latency object,
a null list, a number as a string) gets a read copy once. Loops over thousands of turns read
``turn_payloads()`` and can trust the types.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from . import jsontext
from .dates import parse_datetime as parse_datetime  # re-exported for the exports and the app
from .errors import BadPayloadError
from .events import FunctionEvent, function_events_by_turn, merge_events
from .note import NOTE_LABELS as NOTE_LABELS  # reviewer notes live in polytui.note
from .note import Note as Note
from .numbers import finite
from .numbers import percentile as percentile
from .readings import Metric, Summary, json_safe, read_metrics
from .turn import _BOOL, _NUMBER, _STR, _STR_LIST, Turn, _field, _fits, _Payload, _read_turns

__all__ = [
    "NOTE_LABELS",
    "Conversation",
    "FunctionEvent",
    "Metric",
    "Note",
    "Summary",
    "Turn",
    "as_float",
    "parse_datetime",
    "percentile",
]

if TYPE_CHECKING:
    from .long_call import TurnBlocks

Number = int | float


# (attribute, key as the API spells it, reading), in the spec's order; None = any value.
_CONVERSATION_FIELDS: tuple[tuple[str, str, Any], ...] = (
    ("conversation_id", "conversationId", _STR),
    ("account_id", "accountId", _STR),
    ("project_id", "projectId", _STR),
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
    ("short_summary", "shortSummary", None),
    ("deployment_id", "deploymentId", _STR),
    ("note", "note", _STR),
    ("audio_url", "audioUrl", _STR),
    ("turns", "turns", None),
    ("metrics", "metrics", None),
    ("function_events", "functionEvents", None),
)
_CONVERSATION_READERS = {key: kind for _, key, kind in _CONVERSATION_FIELDS if kind}
_CONVERSATION_KEYS = tuple(key for _, key, _ in _CONVERSATION_FIELDS)
_SNAKE_TO_KEY = {name: key for name, key, _ in _CONVERSATION_FIELDS if name != key}
_REQUIRED = ("conversationId", "accountId", "projectId")
_SNAKE_IDS = {
    "conversationId": "conversation_id",
    "accountId": "account_id",
    "projectId": "project_id",
}


def _turn_dicts(value: Any) -> list[Any] | None:
    """The turns from a list, or from an object of them (in order); None when absent."""
    if value is None:
        return None
    if isinstance(value, list):
        return value
    if isinstance(value, dict) and all(isinstance(v, dict) for v in value.values()):
        return list(value.values())
    return []


def read_turns_value(value: Any) -> list[Turn | None] | None:
    """A call's ``turns`` value as its turns (None where an item is no turn); None when absent."""
    raw_turns = _turn_dicts(value)
    if raw_turns is None:
        return None
    read = _read_turns(raw_turns)
    return [None if r is None else Turn(t, r) for t, r in zip(raw_turns, read, strict=True)]


def _read_conversation(data: dict[str, Any]) -> dict[str, Any]:
    """The top-level fields as their readings (``data`` itself when they are), spelt as the
    API spells them (a snake_case spelling is read when the camelCase one is absent)."""
    read: dict[str, Any] | None = None
    for key, value in data.items():
        spelt = _SNAKE_TO_KEY.get(key)
        if spelt is not None:
            if spelt in data:
                continue
            read = dict(data) if read is None else read
            del read[key]
            read[spelt] = value
            key = spelt
        kind = _CONVERSATION_READERS.get(key)
        if kind is not None and not _fits(kind, value):
            read = dict(data) if read is None else read
            read[key] = kind[1](value)
    return data if read is None else read


class Conversation(_Payload):
    """A whole call. Build it with ``from_data`` / ``from_json_bytes`` (which check the IDs)."""

    __slots__ = ("_events", "_long", "_turns", "_whole")
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
    tags: list[str] | None = _field("tags")
    poly_score: Number | None = _field("polyScore")
    short_summary: Any = _field("shortSummary")
    deployment_id: str | None = _field("deploymentId")
    note: str | None = _field("note")
    audio_url: str | None = _field("audioUrl")
    metrics: Any = _field("metrics")
    function_events: Any = _field("functionEvents")

    def __init__(self, raw: dict[str, Any], data: dict[str, Any] | None = None) -> None:
        """``raw`` as received; ``data`` its reading (``from_data`` makes it)."""
        super().__init__(raw, data)
        self._events: tuple[dict[int, list[FunctionEvent]], list[FunctionEvent]] | None = None
        self._long: TurnBlocks | None = None
        self._whole: Callable[[], str] | None = None
        self._turns: list[Turn | None] | None = read_turns_value(self._data.get("turns"))

    @property
    def turns(self) -> Sequence[Turn | None] | None:
        return self._long if self._long is not None else self._turns

    # -- a long call, read as it is shown (polytui.core.long_call) ----------------------------

    @classmethod
    def streamed(
        cls, head: dict[str, Any], turns: TurnBlocks, whole: Callable[[], str]
    ) -> Conversation:
        """A call whose ``turns`` are read a block at a time (``long_call.open_streamed``):
        ``head`` its top-level fields before the turns, ``whole`` its whole JSON text (for
        ``to_dict``). Its top-level fields after the turns come with ``finish_reading``."""
        conversation = cls.from_data(head)
        conversation._long = turns
        conversation._whole = whole
        return conversation

    @property
    def long_turns(self) -> TurnBlocks | None:
        """The turns of a call read a block at a time; None for a call read whole."""
        return self._long

    @property
    def reading(self) -> bool:
        """A long call whose turns are still being read (``TurnBlocks.advance``)."""
        return self._long is not None and not self._long.complete

    def finish_reading(self) -> bool:
        """Once a long call's turns are all read: its top-level fields after them join it
        (on the thread that reads the call, not the one that reads on), the last value of a
        key given twice winning, as in ``json.loads``. True when a second ``turns`` after them
        replaced the turns read (read already, ``TurnBlocks.replacement``): the call is then
        one read whole."""
        long = self._long
        if long is None or not long.complete:
            return False
        if long.tail:
            raw = dict(self._raw)
            raw.update(long.tail)
            long.tail = {}
            self._raw = raw
            self._data = _read_conversation(raw)
            self._events = None
        if long.replacement is None:
            return False
        self._turns = long.replacement[0]
        self._long = None
        self._events = None
        return True

    def to_dict(self) -> dict[str, Any]:
        """The payload as received: every field, the API's key order, the values as sent."""
        if self._whole is not None:
            return jsontext.loads(self._whole())  # type: ignore[no-any-return]
        return self._raw

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def from_json_bytes(cls, body: bytes | str) -> Conversation:
        """Parse and check a body; raise ``BadPayloadError`` with one plain sentence."""
        try:
            data = jsontext.loads(body)
        except (ValueError, RecursionError) as exc:
            raise BadPayloadError(
                f"The API answered with a body that is not valid JSON ({_short(exc)})."
            ) from None
        return cls.from_data(data)

    @classmethod
    def from_data(cls, data: Any) -> Conversation:
        """``data`` wrapped as it is; only its three IDs must be there, as text."""
        if not isinstance(data, dict):
            raise BadPayloadError("The API answered with JSON that is not a conversation object.")
        for key in _REQUIRED:
            value = data[key] if key in data else data.get(_SNAKE_IDS[key])
            if type(value) is not str:
                what = "is missing" if value is None else "is not an ID"
                raise BadPayloadError(
                    "The API answered with a conversation that could not be read: "
                    f"the required field {key} {what}."
                )
        read = _read_conversation(data)
        return cls(data, read)

    @classmethod
    def model_construct(cls, **values: Any) -> Conversation:
        """A conversation from attribute values, unchecked (e.g. only an ID, for a file name)."""
        keys = {name: key for name, key, _ in _CONVERSATION_FIELDS}
        return cls({keys.get(name, name): value for name, value in values.items()})

    def to_json_dict(self) -> dict[str, Any]:
        """``to_dict`` safe to write as JSON: a copy with NaN and the infinities as null."""
        return json_safe(self.to_dict())  # type: ignore[no-any-return]

    # -- derived values -----------------------------------------------------------------------

    @property
    def turn_list(self) -> Sequence[Turn]:
        if self._long is not None:
            return self._long
        return [t for t in (self._turns or []) if t is not None]

    def turn_payloads(self) -> list[dict[str, Any]]:
        """The readings behind ``turn_list`` (same order): the known fields with their types,
        for loops over thousands of turns that read a few fields each. Read-only."""
        if self._long is not None:
            return [t._data for t in self._long]
        return [t._data for t in (self._turns or []) if t is not None]

    def latency_values(self) -> list[float | None]:
        """Each turn's latency as a finite number of seconds (None where it has none); of a
        long call, those of the turns read so far."""
        if self._long is not None:
            return self._long.latencies[: len(self._long)]
        return [finite(t._data.get("latency")) for t in (self._turns or []) if t is not None]

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
        except (TypeError, OverflowError):  # naive vs aware datetimes
            return None

    # -- metrics and function events ----------------------------------------------------------

    @property
    def metric_list(self) -> list[Metric]:
        """Every metric with its history (the latest value last), in the order sent."""
        return read_metrics(self.metrics)

    def _function_events(self) -> tuple[dict[int, list[FunctionEvent]], list[FunctionEvent]]:
        if self._events is not None:
            return self._events
        long = self._long
        if long is not None and not long.complete:
            return {}, []  # known once every turn is read
        if long is not None:
            ids = long.turn_ids
            owns = long.own_events
        else:
            turns = self.turn_list
            ids = [t.turn_id for t in turns]
            owns = {}
            for number, turn in enumerate(turns, start=1):
                own = [FunctionEvent(e.raw, number) for e in turn.own_function_events()]
                if own:
                    owns[number] = own
        by_turn, loose = function_events_by_turn(self.function_events, ids)
        merged: dict[int, list[FunctionEvent]] = {}
        for number in sorted(set(by_turn) | set(owns)):
            if not 1 <= number <= len(ids):
                continue
            events = merge_events(by_turn.pop(number, []), owns.get(number, []))
            if events:
                merged[number] = events
        for events in by_turn.values():  # keyed to a turn this copy lacks
            loose.extend(events)
        self._events = (merged, loose)
        return self._events

    def function_events_for(self, number: int) -> list[FunctionEvent]:
        """The function events of turn ``number`` (1-based, as shown): the call's
        ``functionEvents`` for that turn, then those only the turn's metadata tells of."""
        return self._function_events()[0].get(number, [])

    @property
    def turn_function_events(self) -> dict[int, list[FunctionEvent]]:
        """Turn number -> its function events, for the turns that have any."""
        return self._function_events()[0]

    @property
    def loose_function_events(self) -> list[FunctionEvent]:
        """Function events tied to no turn of this copy."""
        return self._function_events()[1]


def as_float(value: Number | None) -> float | None:
    """``value`` as a float; None when absent or when it is an integer beyond a float's range
    (JSON allows any size). NaN and the infinities stay as they are."""
    if value is None:
        return None
    try:
        return float(value)
    except (OverflowError, TypeError, ValueError):
        return None


def _short(exc: BaseException) -> str:
    text = str(exc)
    return text if len(text) <= 80 else text[:77] + "..."
