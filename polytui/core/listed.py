"""A call as a listing describes it (a summary, not the whole call), read tolerantly.

Two shapes arrive: the v3 list's snake_case summaries (``id``, ``started_at``, ``num_turns``,
``num_silences``, ``num_ood``, ...) and the older Data API's camelCase ones (``conversationId``,
``startedAt``, like get-by-ID without turns). Either spelling is read, in any mix. Only the ID
is required (text, not empty); every other field may be missing or come as any JSON type, and
gets its best reading (``polytui.core.readings``); what cannot be read shows as unknown. The
summary is kept exactly as received (``raw``), so ``polytui list --json`` gives it back.

Counts the summary does not send are worked out from its turns when it has them (the list
sends turns only when the project shows transcripts).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .dates import parse_datetime
from .readings import Summary, as_bool, as_number, as_text, json_safe

Number = int | float

#: The keys an ID may come under, most specific first.
ID_KEYS = ("id", "conversation_id", "conversationId")

# attribute -> the keys that may hold it (snake_case v3 first, then camelCase Data API)
_TEXT_FIELDS = {
    "account_id": ("account_id", "accountId"),
    "project_id": ("project_id", "projectId"),
    "variant_id": ("variant_id", "variantId"),
    "variant_name": ("variant_name", "variantName"),
    "environment": ("environment", "client_env", "clientEnv", "environment_name"),
    "started_at": ("started_at", "startedAt", "created_at", "createdAt"),
    "channel": ("channel",),
    "from_number": ("from_number", "fromNumber"),
    "to_number": ("to_number", "toNumber"),
    "handoff_reason": ("handoff_reason", "handoffReason"),
    "handoff_destination": ("handoff_destination", "handoffDestination"),
}
_NUMBER_FIELDS = {
    "num_turns": ("num_turns", "numTurns", "turn_count", "turnCount"),
    "total_duration": ("total_duration", "totalDuration", "duration"),
    "polyai_duration": ("polyai_duration", "polyaiDuration"),
    "num_silences": ("num_silences", "numSilences"),
    "num_ood": ("num_ood", "numOod", "num_ood_turns"),
    "poly_score": ("poly_score", "polyScore"),
}
_BOOL_FIELDS = {
    "in_progress": ("in_progress", "inProgress"),
    "handoff": ("handoff",),
}
_SUMMARY_KEYS = ("short_summary", "shortSummary", "summary")


def listed_id(data: Any) -> str | None:
    """The ID of a listed summary: text, not blank, under ``id``, ``conversation_id`` or
    ``conversationId``; None when there is none."""
    if not isinstance(data, Mapping):
        return None
    for key in ID_KEYS:
        value = data.get(key)
        if type(value) is str and value.strip():
            return value
    return None


def _first(data: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        value = data.get(key)
        if value is not None:
            return value
    return None


def _count(turns: list[Any], flag: str) -> int:
    return sum(1 for t in turns if isinstance(t, Mapping) and as_bool(t.get(flag)) is True)


@dataclass(frozen=True)
class ListedCall:
    """One listed call: the readings shown in a listing, and the summary as received."""

    conversation_id: str
    raw: Mapping[str, Any] = field(repr=False, compare=False)
    account_id: str | None = None
    project_id: str | None = None
    variant_id: str | None = None
    variant_name: str | None = None
    environment: str | None = None
    started_at: str | None = None
    channel: str | None = None
    from_number: str | None = None
    to_number: str | None = None
    in_progress: bool | None = None
    num_turns: Number | None = None
    total_duration: Number | None = None
    polyai_duration: Number | None = None
    handoff: bool | None = None
    handoff_reason: str | None = None
    handoff_destination: str | None = None
    num_silences: Number | None = None
    num_ood: Number | None = None
    poly_score: Number | None = None
    summary: Summary | None = None

    @classmethod
    def read(cls, data: Any) -> ListedCall | None:
        """``data`` read; None when it has no ID (it cannot be opened, so it is not listed)."""
        cid = listed_id(data)
        if cid is None:
            return None
        assert isinstance(data, Mapping)
        values: dict[str, Any] = {}
        for name, keys in _TEXT_FIELDS.items():
            text = as_text(_first(data, keys))
            values[name] = text if text else None
        for name, keys in _NUMBER_FIELDS.items():
            values[name] = as_number(_first(data, keys))
        for name, keys in _BOOL_FIELDS.items():
            values[name] = as_bool(_first(data, keys))
        turns = data.get("turns")
        if isinstance(turns, list) and turns:
            if values["num_turns"] is None:
                values["num_turns"] = len(turns)
            if values["num_silences"] is None:
                values["num_silences"] = _count(turns, "is_silence")
            if values["num_ood"] is None:
                values["num_ood"] = _count(turns, "is_ood")
        if values["handoff"] is None and (values["handoff_destination"] or "").strip():
            values["handoff"] = True
        summary = Summary.parse(_first(data, _SUMMARY_KEYS))
        return cls(conversation_id=cid, raw=data, summary=summary, **values)

    @property
    def start(self) -> datetime | None:
        return parse_datetime(self.started_at)

    @property
    def variant(self) -> str | None:
        """The variant's name when sent, else its ID."""
        return self.variant_name or self.variant_id

    def to_json_dict(self) -> dict[str, Any]:
        """The summary as received, led by ``conversationId`` (whatever key the ID came under),
        NaN and the infinities as null: one line of ``polytui list --json``."""
        body = json_safe(dict(self.raw))
        assert isinstance(body, dict)
        if body.get("conversationId") == self.conversation_id:
            return body
        rest = {key: value for key, value in body.items() if key != "conversationId"}
        return {"conversationId": self.conversation_id, **rest}
