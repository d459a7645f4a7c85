"""Pieces every output format shares (and the TUI reuses): the export context, number and time
formatting, latency statistics, per-turn flags, the call's metadata rows, notes grouped by turn,
and an iterative pretty-printer for arbitrary JSON values.

Everything here is pure: no I/O, no terminal, no third-party imports beyond polytui's models.
Values returned here are raw (not yet cleaned): each format cleans and escapes for its medium.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from polytui.core.models import Conversation, FunctionEvent, Note, Turn, parse_datetime
from polytui.core.numbers import finite as _finite
from polytui.core.numbers import latency_summary
from polytui.core.readings import pretty_json as pretty_json

DEFAULT_LATENCY_GOOD = 1.5
DEFAULT_LATENCY_WARN = 3.0


@dataclass(frozen=True)
class ExportContext:
    """What an export knows beyond the conversation itself."""

    notes: Sequence[Note] = ()
    fetched_at: datetime | None = None
    source: str | None = None
    latency_good: float = DEFAULT_LATENCY_GOOD
    latency_warn: float = DEFAULT_LATENCY_WARN
    studio_url: str | None = None


DEFAULT_CONTEXT = ExportContext()


# -- numbers and times ---------------------------------------------------------------------------


def format_offset(seconds: float | None) -> str:
    """``mm:ss`` from the start of the call (``h:mm:ss`` past an hour); ``--:--`` when unknown."""
    value = _finite(seconds)
    if value is None:
        return "--:--"
    whole = int(abs(value))
    sign = "-" if value < 0 and whole else ""
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{sign}{hours}:{minutes:02d}:{secs:02d}"
    return f"{sign}{minutes:02d}:{secs:02d}"


def format_duration(seconds: float | None) -> str:
    """A length such as ``42s``, ``3m 05s`` or ``1h 02m 05s``; ``--`` when unknown."""
    value = _finite(seconds)
    if value is None:
        return "--"
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
    value = _finite(seconds)
    return "" if value is None else f"{value:.2f} s"


def format_number(value: Any) -> str:
    """A score or count without a pointless ``.0`` (``4``, ``4.5``); "" when unknown."""
    number = _finite(value)
    if number is None:
        return ""
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
    return latency_summary([_finite(turn.latency) for turn in conversation.turn_list])


def latency_class(seconds: float | None, ctx: ExportContext | None = None) -> str | None:
    """The latency's band: "good" below latency_good, "warn" below latency_warn, else "slow".

    None when the latency is unknown."""
    value = _finite(seconds)
    if value is None:
        return None
    ctx = ctx or DEFAULT_CONTEXT
    if value < ctx.latency_good:
        return "good"
    if value < ctx.latency_warn:
        return "warn"
    return "slow"


# -- turns ---------------------------------------------------------------------------------------


def handed_off(conversation: Conversation) -> bool:
    return conversation.handoff is True or (
        conversation.handoff is None and bool(conversation.handoff_destination)
    )


def _is_last_turn(conversation: Conversation, turn: Turn) -> bool:
    for candidate in reversed(conversation.turns or []):
        if candidate is not None:
            return candidate is turn
    return False


def turn_flags(
    turn: Turn, ctx: ExportContext | None = None, conversation: Conversation | None = None
) -> list[str]:
    """Short flags for a turn, in a fixed order: OOD, silence, DTMF, slow, BARGE-IN, handoff.

    "BARGE-IN" marks a turn where the caller spoke over the agent.
    "handoff" marks the last turn of a call that was handed off; it needs ``conversation``.
    """
    ctx = ctx or DEFAULT_CONTEXT
    flags: list[str] = []
    if turn.ood:
        flags.append("OOD")
    if turn.silent:
        flags.append("silence")
    if turn.dtmf:
        flags.append("DTMF")
    if latency_class(turn.latency, ctx) == "slow":
        flags.append("slow")
    if turn.barge_in:
        flags.append("BARGE-IN")
    if conversation is not None and handed_off(conversation) and _is_last_turn(conversation, turn):
        flags.append("handoff")
    return flags


def spaced_dtmf(digits: str) -> str:
    """``1234#`` -> ``1 2 3 4 #`` (already spaced input is kept as words)."""
    words = digits.split()
    if len(words) > 1:
        return " ".join(words)
    return " ".join(digits.strip())


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


@dataclass(frozen=True)
class CallNote:
    """A note shown at call level; ``missing_turn`` is set for a note on a turn not in the copy."""

    note: Note
    missing_turn: int | None = None


def group_notes(
    notes: Sequence[Note], turn_count: int
) -> tuple[list[CallNote], dict[int, list[Note]]]:
    """Split notes into call-level ones and per-turn lists (keyed by 1-based turn number).

    A note on a turn this copy does not have (a shorter transcript) is kept at call level.
    """
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
