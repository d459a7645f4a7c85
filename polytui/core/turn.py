"""One turn of a call, read tolerantly: each known field as its best reading (``_data``)
beside the turn exactly as received (``raw``). ``polytui.core.models`` builds them."""

from __future__ import annotations

from typing import Any

from .events import FunctionEvent
from .readings import (
    as_bool,
    as_dict,
    as_list,
    as_number,
    as_text,
    as_text_list,
    latency_seconds,
)

Number = int | float


def _list_or_none(value: Any) -> list[Any] | None:
    return None if value is None else as_list(value)


def _intents(value: Any) -> list[str] | None:
    return None if value is None else as_text_list(value)


# How each known field is read: (types it may already have, reader for any other value).
_STR = (frozenset((str, type(None))), as_text)
_NUMBER = (frozenset((int, float, type(None))), as_number)
_LATENCY = (frozenset((int, float, type(None))), latency_seconds)
_BOOL = (frozenset((bool, type(None))), as_bool)
_LIST = (frozenset((list, type(None))), _list_or_none)
_STR_LIST = (None, _intents)  # checked item by item

_TURN_FIELDS: dict[str, Any] = {
    "user_input": _STR,
    "user_input_dtmf": _STR,
    "user_input_datetime": _STR,
    "agent_response": _STR,
    "agent_response_datetime": _STR,
    "latency": _LATENCY,
    "translated_user_input": _STR,
    "english_agent_response": _STR,
    "intents": _STR_LIST,
    "entities": _LIST,
    "is_ood": _BOOL,
    "is_silence": _BOOL,
}

_ONLY_STR = frozenset((str,))  # a list of strings fits as it is; nulls in it are read out


def _fits(kind: Any, value: Any) -> bool:
    types, _ = kind
    if types is None:  # a list of strings
        return value is None or (type(value) is list and _ONLY_STR.issuperset(map(type, value)))
    return type(value) in types


def _read_turn(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with its known fields as their readings (``data`` itself when they are)."""
    fields = _TURN_FIELDS
    odd = [key for key, value in data.items() if key in fields and not _fits(fields[key], value)]
    if not odd:
        return data
    read = dict(data)
    for key in odd:
        read[key] = fields[key][1](data[key])
    return read


def _read_turns(turns: list[Any]) -> list[dict[str, Any] | None]:
    """Every turn read: the turns of one call mostly share their keys and the types of their
    values, and a pattern that fits is known after its first turn (only the list of intents
    is then checked item by item). A turn that is not an object is no turn (None)."""
    fitting: set[tuple[tuple[str, ...], tuple[type, ...]]] = set()
    read: list[dict[str, Any] | None] = []
    add = read.append
    for data in turns:
        if type(data) is not dict:
            add(None)
            continue
        pattern = (tuple(data), tuple(map(type, data.values())))
        if pattern in fitting:
            intents = data.get("intents")
            if not intents or _ONLY_STR.issuperset(map(type, intents)):
                add(data)
                continue
        turn = _read_turn(data)
        if turn is data:
            fitting.add(pattern)
        add(turn)
    return read


def _field(key: str) -> Any:
    """A read-only attribute for ``key``'s reading; typed ``Any`` so that the annotation it is
    assigned to (``user_input: str | None = _field(...)``) is what a type checker sees."""
    return property(lambda self: self._data.get(key), doc=f"``{key}``, best reading")


class _Payload:
    """Shared by Turn and Conversation: the payload as received, and its reading."""

    __slots__ = ("_data", "_raw")
    _KEYS: tuple[str, ...] = ()

    def __init__(self, raw: dict[str, Any], data: dict[str, Any] | None = None) -> None:
        self._raw = raw
        self._data = raw if data is None else data

    @property
    def raw(self) -> dict[str, Any]:
        """The payload exactly as received (read-only by convention)."""
        return self._raw

    def get_raw(self, key: str) -> Any:
        """A field as received, whatever its type."""
        return self._raw.get(key)

    @property
    def model_extra(self) -> dict[str, Any]:
        """The fields the spec does not name, as sent."""
        return {k: v for k, v in self._raw.items() if k not in self._KEYS}

    def to_dict(self) -> dict[str, Any]:
        """The payload as received: every field, the API's key order, the values as sent."""
        return self._raw

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

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
    intents: list[str] | None = _field("intents")
    entities: list[Any] | None = _field("entities")
    is_ood: bool | None = _field("is_ood")
    is_silence: bool | None = _field("is_silence")

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Turn:
        return cls(data, _read_turn(data))

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
        """True when the turn is flagged silent."""
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

    # -- what the real API adds ----------------------------------------------------------------

    @property
    def turn_id(self) -> Any:
        """The API's own ID of the turn (a large integer), as sent."""
        return self._raw.get("turn_id")

    @property
    def barge_in(self) -> bool:
        """True when the caller spoke over the agent."""
        return bool(as_bool(self._raw.get("barge_in")))

    @property
    def latency_label(self) -> str | None:
        """The label of the real API's latency object, when it has one."""
        return as_text(as_dict(self._raw.get("latency")).get("label")) or None

    @property
    def latency_percentile(self) -> Number | None:
        """``perceived_latency_percentile_1d`` of the latency object, when it has one."""
        return as_number(as_dict(self._raw.get("latency")).get("perceived_latency_percentile_1d"))

    @property
    def metadata(self) -> dict[str, Any]:
        """The turn's ``metadata`` object (empty when absent or not an object)."""
        return as_dict(self._raw.get("metadata"))

    @property
    def asr_corrected(self) -> str | None:
        """The ASR-corrected caller text, when it differs from what ``user_input`` says."""
        text = as_text(self.metadata.get("asr_corrected_user_input"))
        if not text or not text.strip():
            return None
        if text.strip().casefold() == (self.user_input or "").strip().casefold():
            return None
        return text

    @property
    def top_transcripts(self) -> list[tuple[str, list[str]]]:
        """Speech recognition's alternatives: (text, intents), best first."""
        found = []
        for item in as_list(self.metadata.get("top_transcripts")):
            if isinstance(item, dict):
                text = as_text(item.get("text")) or ""
                found.append((text, as_text_list(item.get("intents"))))
            elif item is not None:
                found.append((as_text(item) or "", []))
        return found

    @property
    def retrieved_topics(self) -> list[str]:
        return as_text_list(self.metadata.get("retrieved_topics"))

    @property
    def current_node(self) -> str | None:
        return as_text(self.metadata.get("current_node")) or None

    @property
    def safety(self) -> Any:
        return self.metadata.get("safety")

    @property
    def reviews(self) -> list[Any]:
        """Studio's annotations of the turn, as sent (empty when none)."""
        return [r for r in as_list(self._raw.get("reviews")) if r not in (None, "", {})]

    @property
    def llm_requests(self) -> list[Any]:
        return as_list(self._raw.get("llm_requests"))

    @property
    def audio_path(self) -> str | None:
        """``user_input_audio_url``: often a path relative to the API's host."""
        return as_text(self._raw.get("user_input_audio_url")) or None

    @property
    def asr_lang_code(self) -> str | None:
        return as_text(self._raw.get("asr_lang_code")) or None

    @property
    def tts_lang_code(self) -> str | None:
        return as_text(self._raw.get("tts_lang_code")) or None

    @property
    def dtmf_finish_key(self) -> str | None:
        return as_text(self._raw.get("user_input_dtmf_finish_key")) or None

    def own_function_events(self) -> list[FunctionEvent]:
        """The function events the turn's ``metadata`` tells of (no turn number set)."""
        return [FunctionEvent(raw) for raw in as_list(self.metadata.get("function_events"))]


def _value_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ", ".join(value)
    return as_text(value) or "null"
