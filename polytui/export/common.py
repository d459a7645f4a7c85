"""Pieces every output format shares (and the TUI reuses): the export context, number and time
formatting, latency statistics, per-turn flags, the call's metadata rows, notes grouped by turn,
and an iterative pretty-printer for arbitrary JSON values.

Everything here is pure: no I/O, no terminal, no third-party imports beyond polytui's models.
Values returned here are raw (not yet cleaned): each format cleans and escapes for its medium.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from polytui.core.facts import (
    DEFAULT_BANDS,
    CallNote,
    LatencyBands,
    format_api_datetime,
    format_datetime,
    format_duration,
    format_latency,
    format_number,
    format_offset,
    group_notes,
    handed_off,
    last_turn,
    latency_stats,
    spaced_dtmf,
    turn_marks,
)
from polytui.core.models import Conversation, FunctionEvent, Note, Turn
from polytui.core.numbers import finite as _finite
from polytui.core.queues import QueueItem
from polytui.core.readings import pretty_json as pretty_json

__all__ = [  # the call's rules, as every format reaches them
    "CallNote",
    "format_api_datetime",
    "format_datetime",
    "format_duration",
    "format_latency",
    "format_number",
    "format_offset",
    "group_notes",
    "handed_off",
    "latency_stats",
    "pretty_json",
    "spaced_dtmf",
]


@dataclass(frozen=True)
class ExportContext:
    """What an export knows beyond the conversation itself."""

    notes: Sequence[Note] = ()
    reviews: Sequence[QueueItem] = ()  # the call's items in review queues, latest change first
    fetched_at: datetime | None = None
    source: str | None = None
    latency_good: float = DEFAULT_BANDS.good
    latency_warn: float = DEFAULT_BANDS.warn
    studio_url: str | None = None
    raw: str | None = None  # the payload's JSON text as stored: json gives it back as is

    @property
    def bands(self) -> LatencyBands:
        return LatencyBands(self.latency_good, self.latency_warn)


DEFAULT_CONTEXT = ExportContext()


# -- latencies, turns and notes (the rules are polytui.core.facts') ----------------------


def latency_class(seconds: float | None, ctx: ExportContext | None = None) -> str | None:
    """The latency's band ("good", "warn", "slow") by the context's bands; None when unknown."""
    return (ctx or DEFAULT_CONTEXT).bands.band(seconds)


# How the marks of polytui.core.facts are written in exports (function events are listed under
# their turn, notes beside it).
_EXPORT_FLAGS = {
    "OOD": "OOD",
    "SILENCE": "silence",
    "DTMF": "DTMF",
    "SLOW": "slow",
    "BARGE-IN": "BARGE-IN",
    "HANDOFF": "handoff",
}


def turn_flags(
    turn: Turn, ctx: ExportContext | None = None, conversation: Conversation | None = None
) -> list[str]:
    """Short flags for a turn, in a fixed order: OOD, silence, DTMF, slow, BARGE-IN, handoff.

    "BARGE-IN" marks a turn where the caller spoke over the agent.
    "handoff" marks the last turn of a call that was handed off; it needs ``conversation``.
    """
    ctx = ctx or DEFAULT_CONTEXT
    handoff = (
        conversation is not None and handed_off(conversation) and last_turn(conversation) is turn
    )
    marks = turn_marks(turn, bands=ctx.bands, handoff=handoff)
    return [_EXPORT_FLAGS[mark] for mark in marks if mark in _EXPORT_FLAGS]


def entities_text(turn: Turn) -> str:
    """Entities as ``name: value; name: value`` (multi-valued entities join with ", ")."""
    try:
        pairs = turn.entity_pairs()
    except RecursionError:  # a value nested deeper than json.dumps goes: show it flattened
        return " ".join(line.strip() for line in pretty_json(turn.entities).split("\n"))
    return "; ".join(f"{name}: {value}" if name else value for name, value in pairs)


@dataclass(frozen=True)
class TurnView:
    """A turn with what every format shows next to it."""

    number: int
    turn: Turn
    offset: float | None
    flags: list[str]
    notes: list[Note]
    events: list[FunctionEvent]


def iter_turns(
    conversation: Conversation, ctx: ExportContext, by_turn: dict[int, list[Note]]
) -> Iterator[TurnView]:
    for number, turn in enumerate(conversation.turn_list, start=1):
        yield TurnView(
            number=number,
            turn=turn,
            offset=conversation.turn_offset(turn),
            flags=turn_flags(turn, ctx, conversation),
            notes=by_turn.get(number, []),
            events=conversation.function_events_for(number),
        )


def review_text(item: QueueItem) -> str:
    """``queue 'handoffs-mon': done · fail · wrong information · alice 2025-01-06 14:03 UTC``."""
    return f"queue '{item.queue}': {item.describe()}"


def note_label(note: Note) -> str:
    """``note [bad response]`` / ``note``: the lead-in every format uses for a note."""
    return f"note [{note.label}]" if note.label else "note"


# -- the call's metadata -------------------------------------------------------------------------


def metadata_rows(conversation: Conversation, ctx: ExportContext) -> list[tuple[str, str]]:
    """(label, value) rows for the header of text/markdown/html, only for what is known.

    Values are raw text: the caller cleans (and escapes) them.
    """
    c = conversation
    rows: list[tuple[str, str]] = [("Conversation", c.conversation_id)]
    rows.append(("Account / project", f"{c.account_id} / {c.project_id}"))
    if c.live:
        rows.append(("Status", "IN PROGRESS: the call is live; this copy may be out of date"))
    for label, value in (
        ("Channel", c.channel),
        ("Direction", c.direction),
        ("From", c.from_number),
        ("To", c.to_number),
        ("Language", c.language),
        ("Variant", c.variant_id),
        ("Environment", c.client_env),
        ("Deployment", c.deployment_id),
    ):
        if value:
            rows.append((label, value))
    started = c.started_at or c.created_at
    if started:
        rows.append(("Started", format_api_datetime(started)))
    if c.finished_at:
        rows.append(("Finished", format_api_datetime(c.finished_at)))
    durations = [
        f"{name} {format_duration(value)}"
        for name, value in (
            ("total", c.total_duration),
            ("PolyAI", c.polyai_duration),
            ("duration", c.duration),
        )
        if _finite(value) is not None
    ]
    if not durations and c.call_seconds is not None:
        durations.append(f"length {format_duration(c.call_seconds)} (from start and end)")
    if durations:
        rows.append(("Durations", ", ".join(durations)))
    if handed_off(c) or c.handoff_destination or c.handoff_reason:
        text = "yes" if handed_off(c) else "no"
        if c.handoff_destination:
            text += f", to {c.handoff_destination}"
        if c.handoff_reason:
            text += f"; reason: {c.handoff_reason}"
        rows.append(("Handoff", text))
    elif c.handoff is False:
        rows.append(("Handoff", "no"))
    if c.tag_list:
        rows.append(("Tags", ", ".join(c.tag_list)))
    score = format_number(c.poly_score)
    if score:
        rows.append(("PolyScore", score))
    if c.note:
        rows.append(("API note", c.note))
    if c.audio_url:
        rows.append(("Audio", c.audio_url))
    if ctx.studio_url:
        rows.append(("Studio", ctx.studio_url))
    stats = latency_stats(c)
    if stats:
        p50, p95, top = stats
        rows.append(
            (
                "Latency",
                f"p50 {format_latency(p50)}, p95 {format_latency(p95)}, max {format_latency(top)}",
            )
        )
    rows.append(("Turns", str(len(c.turn_list))))
    rows.extend(("Review", review_text(item)) for item in ctx.reviews)
    fetched = format_datetime(ctx.fetched_at)
    if fetched or ctx.source:
        where = f"from {ctx.source}" if ctx.source else ""
        rows.append(("Fetched", " ".join(part for part in (fetched, where) if part)))
    return rows


def has_value(value: Any) -> bool:
    """True for metrics / function events worth a section (not None, not {} or [])."""
    if value is None:
        return False
    return not (isinstance(value, (dict, list)) and not value)
