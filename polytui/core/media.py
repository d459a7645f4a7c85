"""A call's recordings as values (``polytui.core.ports`` re-exports them, beside the roles that
fetch and keep them): which recording, where one was written, and one kept on this computer.
Apart from the ports so that a command that never touches a recording does not build them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .ports import Direction


@dataclass(frozen=True)
class RecordingKey:
    """One recording of one call: which side of it, and whether PII is muted (``redacted``).

    A key without PII access always gets the redacted recording from PolyAI, whatever it asks
    for; the key says what was asked for."""

    agent: str
    conversation_id: str
    direction: Direction = "combined"
    redacted: bool = False

    def describe(self) -> str:
        """``"the caller's recording"``-style words for messages."""
        side = {"combined": "", "user": "caller's ", "agent": "agent's "}[self.direction]
        return f"the {'redacted ' if self.redacted else ''}{side}recording"


@dataclass(frozen=True)
class FetchedRecording:
    """A recording a media source wrote: where it landed (complete, checked to be a WAV) and
    how big it is."""

    key: RecordingKey
    path: Path
    size: int  # bytes
    correlation_id: str | None
    host: str


@dataclass(frozen=True)
class Recording:
    """A recording kept on this computer."""

    key: RecordingKey
    path: Path  # absolute; a WAV file private to the user
    size: int  # bytes
    fetched_at: datetime  # aware, UTC
