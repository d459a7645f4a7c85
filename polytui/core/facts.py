"""Every rule about a call, in one place: whether it was handed off, what marks a turn carries,
the latency bands, how offsets, durations and latencies are written, and how notes group by
turn. The app, the command line, the store's listing and every export use these and nothing
else, so a call reads the same wherever it is shown.

Pure functions of the call: no I/O, and the models are only named for the type checker (so the
command line can load this without reading a call).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from .dates import parse_datetime
from .latency import DEFAULT_BANDS as DEFAULT_BANDS
from .latency import Band as Band
from .latency import LatencyBands as LatencyBands
from .note import Note
from .numbers import finite, latency_summary
from .numbers import format_clock as format_clock
from .readings import as_text, compact_json

if TYPE_CHECKING:
    from .events import FunctionEvent
    from .models import Conversation, Turn


# -- numbers and times ---------------------------------------------------------------------------


# Past this many seconds (about 31 years) a time is shown as the number it is, ``1e+308s``:
# written out in hours, a length an API sent as 1e308 filled a screen with digits.
LONGEST_SHOWN_SECONDS = 1e9
# Past this magnitude a number is shown with six significant digits (``1e+308``), not with
# every digit of its integer part.
LARGEST_WRITTEN_OUT = 1e15


def _beyond(value: float) -> str:
    return f"{value:.3g}s"


def format_offset(seconds: float | None) -> str:
    """``mm:ss`` from the start of the call (``h:mm:ss`` past an hour); ``--:--`` when unknown.
    Less than a second before the start is ``00:00``, not ``-00:00``."""
    value = finite(seconds)
    if value is None:
        return "--:--"
    if abs(value) >= LONGEST_SHOWN_SECONDS:
        return _beyond(value)
    whole = int(abs(value))
    sign = "-" if value < 0 and whole else ""
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{sign}{hours}:{minutes:02d}:{secs:02d}"
    return f"{sign}{minutes:02d}:{secs:02d}"


def format_duration(seconds: float | None) -> str:
    """A length such as ``42s``, ``3m 05s`` or ``1h 02m 05s``; ``--`` when unknown."""
    value = finite(seconds)
    if value is None:
        return "--"
    if abs(value) >= LONGEST_SHOWN_SECONDS:
        return _beyond(value)
    whole = int(round(abs(value)))
    sign = "-" if value < 0 and whole else ""
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{sign}{hours}h {minutes:02d}m {secs:02d}s"
    if minutes:
        return f"{sign}{minutes}m {secs:02d}s"
    return f"{sign}{secs}s"


def format_latency(seconds: float | None) -> str:
    """``1.24 s``; "" when unknown."""
    value = finite(seconds)
    return "" if value is None else f"{value:.2f} s"


def format_number(value: Any) -> str:
    """A score or count without a pointless ``.0`` (``4``, ``4.5``); "" when unknown."""
    number = finite(value)
    if number is None:
        return ""
    if abs(number) >= LARGEST_WRITTEN_OUT:
        return f"{number:.6g}"
    return str(int(number)) if number.is_integer() else f"{number:g}"


def format_datetime(value: datetime | None) -> str:
    """``2024-05-01 12:00:03 UTC`` (or with its own offset); "" for None."""
    if value is None:
        return ""
    text = value.replace(microsecond=0).isoformat(sep=" ")
    if value.tzinfo is not None and value.utcoffset() == timedelta(0):
        text = text[: -len("+00:00")] + " UTC"
    return text


def format_api_datetime(raw: str | None) -> str:
    """An API date-time made readable; the raw text when it cannot be parsed."""
    parsed = parse_datetime(raw)
    return format_datetime(parsed) if parsed else (raw or "")


def latency_stats(conversation: Conversation) -> tuple[float, float, float] | None:
    """(p50, p95, max) of the turn latencies in seconds; None when no turn has one."""
    return latency_summary([finite(turn.latency) for turn in conversation.turn_list])


def spaced_dtmf(digits: str) -> str:
    """``1234#`` -> ``1 2 3 4 #`` (already spaced input is kept as words)."""
    words = digits.split()
    if len(words) > 1:
        return " ".join(words)
    return " ".join(digits.strip())


# -- the call ------------------------------------------------------------------------------------


def handoff_state(conversation: Conversation) -> bool | None:
    """Whether the call was handed to a person: the API's ``handoff`` when it says yes or no;
    when it says nothing (null), a ``handoffDestination`` means yes; else unknown (None)."""
    if conversation.handoff is not None:
        return bool(conversation.handoff)
    return True if conversation.handoff_destination else None


def handed_off(conversation: Conversation) -> bool:
    return handoff_state(conversation) is True


def last_turn(conversation: Conversation) -> Turn | None:
    """The call's last turn (where a handoff is marked); None for a call without turns."""
    for turn in reversed(conversation.turns or []):
        if turn is not None:
            return turn
    return None


# -- turn marks ----------------------------------------------------------------------------------

#: The marks a turn can carry, in the order they are shown.
TURN_MARKS = ("OOD", "SILENCE", "DTMF", "SLOW", "BARGE-IN", "FUNCTION", "ERROR", "HANDOFF", "NOTE")
#: Marks that make a turn worth stopping at (``]``/``[``): all but a function call that worked.
REVIEW_STOPS = frozenset(TURN_MARKS) - {"FUNCTION"}


def turn_marks(
    turn: Turn,
    *,
    bands: LatencyBands = DEFAULT_BANDS,
    handoff: bool = False,
    events: Sequence[FunctionEvent] = (),
    has_notes: bool = False,
) -> list[str]:
    """The marks of ``turn``, in ``TURN_MARKS`` order. ``handoff``: this is the last turn of a
    call that was handed off; ``events``: the turn's function events."""
    flags = (
        turn.ood,
        turn.silent,
        bool(turn.dtmf.strip()),
        bands.slow(turn.latency),
        turn.barge_in,
        bool(events),
        any(event.failed for event in events),
        handoff,
        has_notes,
    )
    return [name for name, on in zip(TURN_MARKS, flags, strict=True) if on]


def is_review_stop(marks: Sequence[str]) -> bool:
    return any(mark in REVIEW_STOPS for mark in marks)


# -- what else a turn carries -------------------------------------------------------------------


def review_text(review: Any) -> str:
    """A Studio review as ``label: comment (author)``; compact JSON for any other shape."""
    if not isinstance(review, dict):
        return as_text(review) or ""
    label = as_text(review.get("label")) or as_text(review.get("type")) or ""
    comment = (
        as_text(review.get("comment"))
        or as_text(review.get("text"))
        or as_text(review.get("note"))
        or ""
    )
    author = as_text(review.get("author")) or as_text(review.get("user")) or ""
    if not (label or comment):
        return compact_json(review)
    text = f"{label}: {comment}" if label and comment else (label or comment)
    return f"{text} ({author})" if author else text


def review_texts(turn: Turn) -> list[str]:
    return [text for text in (review_text(r) for r in turn.reviews) if text.strip()]


def alternative_texts(turn: Turn) -> list[str]:
    """Speech recognition's alternatives as ``text (intent, intent)``, best first."""
    found = []
    for text, intents in turn.top_transcripts:
        if not text.strip() and not intents:
            continue
        found.append(f"{text} ({', '.join(intents)})" if intents else text)
    return found


# -- notes ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CallNote:
    """A note shown at call level; ``missing_turn`` is set for a note on a turn not in the copy."""

    note: Note
    missing_turn: int | None = None


def group_notes(
    notes: Sequence[Note], turn_count: int
) -> tuple[list[CallNote], dict[int, list[Note]]]:
    """Split notes into call-level ones and per-turn lists (keyed by 1-based turn number).

    A note on a turn this copy does not have (a shorter transcript) is kept at call level."""
    call: list[CallNote] = []
    by_turn: dict[int, list[Note]] = {}
    for note in notes:
        if note.turn is None:
            call.append(CallNote(note))
        elif 1 <= note.turn <= turn_count:
            by_turn.setdefault(note.turn, []).append(note)
        else:
            call.append(CallNote(note, missing_turn=note.turn))
    return call, by_turn


# -- recordings ----------------------------------------------------------------------------------

#: Seconds played before a turn's time: the API stamps a caller's turn when speech recognition
#: finished (``user_input_datetime``), so the caller's words began a little before it.
PREROLL_SECONDS = 1.5
_CHAT_CHANNELS = ("CHAT", "SMS", "WHATSAPP", "MESSAG")


def is_chat(conversation: Conversation) -> bool:
    """A written conversation (webchat, SMS, WhatsApp...): it has no recording."""
    channel = str(conversation.channel or "").upper()
    return any(word in channel for word in _CHAT_CHANNELS)


def caller_word(conversation: Conversation | None) -> str:
    """What the person on the other side of the agent is called: the "user" of a chat, the
    "caller" of a call."""
    return "user" if conversation is not None and is_chat(conversation) else "caller"


SILENCE_TEXT = "(silence)"
NO_INPUT_TEXT = "(no input)"  # nothing from the caller, not flagged as silence (a greeting)


def empty_caller_text(turn: Turn) -> str:
    """What stands for a caller side with no words and no keys: "(silence)" when the API
    flagged the turn as silence, else "(no input)" (the agent's greeting)."""
    return SILENCE_TEXT if turn.silent else NO_INPUT_TEXT


def no_recording_reason(conversation: Conversation) -> str | None:
    """Why there is no recording to ask for, in one sentence; None when there may be one."""
    if is_chat(conversation):
        return "This conversation is a chat: it has no recording."
    if conversation.live:
        return "This call is still in progress: its recording comes when it ends."
    return None


def turn_starts(conversation: Conversation) -> list[float | None]:
    """Where each turn starts in the recording, in seconds (its time minus the call's start,
    less ``PREROLL_SECONDS``, never before 0); None where the turn has no time."""
    starts: list[float | None] = []
    for turn in conversation.turn_list:
        offset = finite(conversation.turn_offset(turn))
        starts.append(None if offset is None else max(0.0, offset - PREROLL_SECONDS))
    return starts


def play_from(starts: Sequence[float | None], index: int) -> float:
    """Where playing turn ``index`` starts: its start, else the nearest earlier turn's, else 0."""
    for value in reversed(starts[: index + 1]):
        if value is not None:
            return value
    return 0.0


def turn_at(starts: Sequence[float | None], seconds: float) -> int | None:
    """The turn being heard at ``seconds``: the last one started by then (None: none yet)."""
    found = None
    best = -1.0
    for index, value in enumerate(starts):
        if value is not None and best <= value <= seconds:
            found, best = index, value
    return found
