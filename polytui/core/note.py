"""A reviewer's note: plain data, so that the store, the notes commands and ``polytui cache
search`` load without the API models (``polytui.core.models`` re-exports both)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

MAX_TURN = 1_000_000  # a turn number past any call: notes name turns from 1 to this
NOTES_KEY = "polytuiNotes"  # the key of the notes in a JSON export, read back by `polytui import`
REVIEWS_KEY = "polytuiReviews"  # the call's review-queue items in a JSON export (not imported)

NOTE_LABELS = (
    "good response",
    "bad response",
    "wrong information",
    "wrong transcription",
    "missing topic",
)


@dataclass(frozen=True)
class Note:
    """A reviewer's note on a turn (``turn`` is the 1-based turn number) or on the whole call
    (``turn`` None), optionally carrying one of PolyAI's annotation labels."""

    id: int
    agent: str
    conversation_id: str
    turn: int | None
    text: str
    label: str | None
    created_at: datetime
    updated_at: datetime

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "turn": self.turn,
            "label": self.label,
            "text": self.text,
            "createdAt": self.created_at.isoformat(),
            "updatedAt": self.updated_at.isoformat(),
        }
