"""Function (tool) events, read from whatever shape the API sends them in: the call's
``functionEvents`` (keyed by turn number as a string, rich events) and each turn's
``metadata.function_events`` (lighter ones). Plain Python, no I/O; never raises."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .readings import Number, as_list, as_number, as_text, compact_json, when


@dataclass(frozen=True)
class FunctionEvent:
    """A function (tool) the agent called during a turn, read from any shape; ``raw`` is the
    event as sent (any JSON value)."""

    raw: Any
    turn: int | None = None  # 1-based turn number it belongs to, when known

    @property
    def _data(self) -> dict[str, Any]:
        return self.raw if isinstance(self.raw, dict) else {}

    @property
    def name(self) -> str:
        data = self._data
        for key in ("name", "function_name", "function_id", "id"):
            text = as_text(data.get(key))
            if text:
                return text
        return "function" if data or self.raw is None else (as_text(self.raw) or "function")

    @property
    def function_id(self) -> str | None:
        return as_text(self._data.get("function_id"))

    @property
    def event_id(self) -> str | None:
        return as_text(self._data.get("id"))

    def _first(self, *keys: str) -> Any:
        data = self._data
        for key in keys:
            if key in data:
                return data[key]
        return None

    @property
    def arguments(self) -> Any:
        return self._first("arguments", "args")

    @property
    def duration_ms(self) -> Number | None:
        return as_number(self._first("duration", "durationMs", "duration_ms"))

    @property
    def error(self) -> Any:
        """The error as sent when the call failed (text, object...); None when it did not."""
        error = self._data.get("error")
        if error in (None, False, "", {}, []):
            return None
        return error

    @property
    def failed(self) -> bool:
        return self.error is not None

    @property
    def error_text(self) -> str:
        error = self.error
        if error is None:
            return ""
        if isinstance(error, dict):
            for key in ("message", "detail", "error", "type"):
                text = as_text(error.get(key))
                if text:
                    return text
        if error is True:
            return "failed"
        return as_text(error) or "failed"

    @property
    def handoff(self) -> dict[str, Any] | None:
        """``{"reason", "type", ...}`` when the function handed the call off."""
        handoff = self._data.get("handoff")
        if handoff in (None, False, "", {}, []):
            return None
        if isinstance(handoff, dict):
            return handoff
        return {"reason": as_text(handoff)}

    @property
    def handoff_text(self) -> str:
        handoff = self.handoff
        if handoff is None:
            return ""
        parts = [as_text(handoff.get(key)) for key in ("type", "reason", "destination")]
        shown = [part for part in parts if part]
        return " · ".join(shown) if shown else compact_json(handoff)

    @property
    def state_changes(self) -> dict[str, Any]:
        """``{"added", "removed", "updated"}`` with the empty parts left out."""
        changes = self._data.get("state_changes")
        if not isinstance(changes, dict):
            return {} if changes in (None, "", []) else {"changes": changes}
        return {k: v for k, v in changes.items() if v not in (None, "", [], {})}

    @property
    def utterance(self) -> str | None:
        return as_text(self._data.get("utterance")) or None

    @property
    def content(self) -> str | None:
        return as_text(self._first("content", "result")) or None

    @property
    def started(self) -> datetime | None:
        return when(self._first("start_time", "startedAt", "started_at"))

    @property
    def turn_id(self) -> Any:
        return self._data.get("turn_id")

    def same_event(self, other: FunctionEvent) -> bool:
        """True when ``other`` is this event as another part of the payload tells it."""
        mine, theirs = self.event_id, other.event_id
        if mine and theirs:
            return mine == theirs
        return (self.name, self.function_id) == (other.name, other.function_id)


def _turn_key(key: Any) -> int | None:
    number = as_number(key)
    if isinstance(number, int) and not isinstance(number, bool):
        return number
    if isinstance(number, float) and number.is_integer() and abs(number) < 1e9:
        return int(number)
    return None


def function_events_by_turn(
    value: Any, turn_ids: list[Any] | None = None
) -> tuple[dict[int, list[FunctionEvent]], list[FunctionEvent]]:
    """The call's ``functionEvents`` split by turn: ``({turn number: events}, not tied to a
    turn)``. The real API keys them by turn number as a string ("1", "6"); an event whose
    ``turn_id`` matches a turn's ``turn_id`` goes to that turn whatever its key. A list of
    events is placed by each event's ``turn``/``turn_number``/``turn_id`` where it has one."""
    ids: dict[str, int] = {}
    for position, turn_id in enumerate(turn_ids or [], start=1):
        key = _hashable(turn_id)
        if key is not None:
            ids.setdefault(key, position)
    by_turn: dict[int, list[FunctionEvent]] = {}
    loose: list[FunctionEvent] = []

    def place(raw: Any, number: int | None) -> None:
        data = raw if isinstance(raw, dict) else {}
        own_id = _hashable(data.get("turn_id"))
        matched = ids.get(own_id) if own_id is not None else None
        if matched is None and number is None:
            number = _turn_key(data.get("turn_number", data.get("turn")))
        target = matched if matched is not None else number
        if target is None:
            loose.append(FunctionEvent(raw))
        else:
            by_turn.setdefault(target, []).append(FunctionEvent(raw, target))

    if isinstance(value, dict):
        for key, events in value.items():
            keyed = _turn_key(key)
            if keyed is None and not (
                isinstance(events, list) and all(isinstance(e, dict) for e in events)
            ):
                continue  # not events (e.g. a state snapshot): left to the raw view
            for raw in as_list(events):
                place(raw, keyed)
    elif isinstance(value, list):
        for raw in value:
            place(raw, None)
    elif value not in (None, ""):
        loose.append(FunctionEvent(value))
    return by_turn, loose


def _hashable(value: Any) -> str | None:
    """A turn_id as a key that matches whether it came as a number or as a string."""
    if isinstance(value, dict | list | bool) or value is None:
        return None
    return str(value)


def merge_events(primary: list[FunctionEvent], extra: list[FunctionEvent]) -> list[FunctionEvent]:
    """``primary`` (the call's rich events) then those of ``extra`` (the turn's own metadata)
    that tell of an event not among them."""
    merged = list(primary)
    for event in extra:
        if not any(event.same_event(known) for known in primary):
            merged.append(event)
    return merged
