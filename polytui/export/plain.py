"""The plain-text format: for a terminal or a pager. No colours, no escape sequences: every API
string goes through ``clean``; long lines wrap at ``TEXT_WIDTH`` columns with a hanging indent."""

from __future__ import annotations

import unicodedata

from polytui.core.facts import alternative_texts, review_texts
from polytui.core.models import Conversation
from polytui.core.text import clean, clean_line

from .common import (
    DEFAULT_CONTEXT,
    CallNote,
    ExportContext,
    TurnView,
    entities_text,
    format_latency,
    format_offset,
    group_notes,
    has_value,
    iter_turns,
    latency_class,
    metadata_rows,
    note_label,
    pretty_json,
    spaced_dtmf,
)
from .details import (
    EventView,
    event_view,
    loose_event_lead,
    metric_views,
)

TEXT_WIDTH = 100
HEADER_LABEL_WIDTH = 19
TURN_LABEL_WIDTH = 12  # "  translated" fits, then two spaces
_TURN_PREFIX = " " * (2 + TURN_LABEL_WIDTH)
_MIN_ROOM = 20
_ZERO_WIDTH = {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"}


def _char_width(ch: str) -> int:
    if ch in _ZERO_WIDTH or unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def cell_width(text: str) -> int:
    """Columns ``text`` takes in a terminal (wide East Asian characters count two)."""
    if text.isascii():
        return len(text)
    return sum(_char_width(ch) for ch in text)


def _is_link(word: str) -> bool:
    return "://" in word or word.startswith("www.")


def wrap(text: str, first: str, rest: str, width: int = TEXT_WIDTH) -> list[str]:
    """Wrap cleaned ``text`` (which may hold newlines) at ``width`` columns.

    The first line starts with ``first``, every other line with ``rest`` (the hanging indent).
    A line's own leading spaces are kept and repeated on its continuation lines. A word longer
    than a whole line is cut (text without spaces, such as Chinese or Japanese, wraps too),
    except a URL, which stays whole so it can be copied.
    """
    lines: list[str] = []
    prefix = first
    for paragraph in text.split("\n"):
        body = paragraph.lstrip(" ")
        lead = paragraph[: len(paragraph) - len(body)]
        head = prefix + lead
        prefix = rest
        if not body:
            lines.append(head.rstrip())
            continue
        head_width = cell_width(head)
        if head_width + cell_width(body) <= width:
            lines.append((head + body).rstrip())
            continue
        hang = rest + lead
        hang_width = cell_width(hang)
        # Cut overlong words only where a line has real room (not under a very deep indent).
        cut_over = width - hang_width if width - hang_width >= _MIN_ROOM else None
        current, used, empty = head, head_width, True
        for word in body.split(" "):
            if not word:
                continue
            size = cell_width(word)
            if not empty and used + 1 + size > width:
                lines.append(current)
                current, used, empty = hang, hang_width, True
            if not empty:
                current, used = current + " ", used + 1
            if cut_over is not None and size > cut_over and not _is_link(word):
                for ch in word:
                    step = _char_width(ch)
                    if used + step > width and not empty:
                        lines.append(current)
                        current, used = hang, hang_width
                    current, used, empty = current + ch, used + step, False
                continue
            current, used, empty = current + word, used + size, False
        lines.append(current.rstrip())
    return lines


def _section(out: list[str], title: str) -> None:
    out.append("")
    out.append(title)
    out.append("-" * len(title))


def _field(out: list[str], label: str, text: str) -> None:
    out.extend(wrap(text, f"  {label:<{TURN_LABEL_WIDTH}}", _TURN_PREFIX))


def _note_lines(out: list[str], lead: str, text: str, indent: str) -> None:
    out.extend(wrap(clean(text), f"{indent}{lead}: ", indent + "    "))


def _call_note_lead(item: CallNote) -> str:
    lead = clean_line(note_label(item.note))
    if item.missing_turn is not None:
        lead += f" on turn {item.missing_turn} (not in this copy)"
    return lead


def _turn(out: list[str], view: TurnView, ctx: ExportContext) -> None:
    turn = view.turn
    out.append(f"#{view.number}  {format_offset(view.offset)}")
    user = clean(turn.user_text)
    dtmf = clean_line(turn.dtmf)
    if user.strip():
        _field(out, "caller", user)
        if dtmf:
            _field(out, "dtmf", spaced_dtmf(dtmf))
    elif dtmf:
        _field(out, "caller", f"DTMF {spaced_dtmf(dtmf)}")
    elif turn.silent:
        _field(out, "caller", "(silence)")
    corrected = turn.asr_corrected
    if corrected:
        _field(out, "corrected", clean(corrected))
    alternatives = alternative_texts(turn)
    if alternatives:
        _field(out, "heard as", " | ".join(clean_line(a) for a in alternatives))
    if turn.translated_user_input:
        _field(out, "translated", clean(turn.translated_user_input))
    agent = clean(turn.agent_text)
    _field(out, "agent", agent if agent.strip() else "(no response)")
    if turn.english_agent_response:
        _field(out, "english", clean(turn.english_agent_response))
    latency = format_latency(turn.latency)
    if latency:
        slow = latency_class(turn.latency, ctx) == "slow"
        _field(out, "latency", f"{latency} slow" if slow else latency)
    if turn.intent_list:
        _field(out, "intents", ", ".join(clean_line(i) for i in turn.intent_list))
    entities = entities_text(turn)
    if entities:
        _field(out, "entities", clean_line(entities))
    topics = turn.retrieved_topics
    if topics:
        _field(out, "topics", ", ".join(clean_line(t) for t in topics))
    for event in view.events:
        _event(out, event_view(event, turn.agent_text), "  function    ", _TURN_PREFIX)
    for review in review_texts(turn):
        _field(out, "review", clean(review))
    if view.flags:
        _field(out, "flags", ", ".join(view.flags))
    for note in view.notes:
        _note_lines(out, clean_line(note_label(note)), note.text, "  ")


def _event(out: list[str], view: EventView, first: str, rest: str) -> None:
    head = clean_line(view.head)
    if view.failed:
        head += f" FAILED: {clean_line(view.error)}"
    out.extend(wrap(head, first, rest + "    "))
    for label, text in view.details:
        out.extend(wrap(clean_line(text), f"{rest}  {label} ", rest + "    "))


def _json_lines(out: list[str], value: object, indent: str = "  ") -> None:
    for line in clean(pretty_json(value)).split("\n"):
        out.extend(wrap(line, indent, indent + "    "))


def _metrics(out: list[str], c: Conversation) -> None:
    views, dump = metric_views(c)
    _section(out, "Metrics")
    width = min(24, max((cell_width(clean_line(v.name)) for v in views), default=0))
    for view in views:
        name = clean_line(view.name)
        pad = " " * max(0, width - cell_width(name))
        latest = clean_line(f"{view.latest} at {view.at}" if view.at else view.latest)
        out.extend(wrap(latest, f"  {name}{pad}  ", " " * (width + 6)))
        if view.history:
            history = "history: " + ", ".join(clean_line(h) for h in view.history)
            out.extend(wrap(history, " " * (width + 4), " " * (width + 6)))
    if dump:
        if views:
            out.append("  as sent:")
        _json_lines(out, c.metrics, "  " if not views else "    ")


def _loose_events(out: list[str], c: Conversation) -> None:
    loose = c.loose_function_events
    if not loose:
        return
    _section(out, "Function events")
    out.append("  (tied to no turn of this transcript)")
    for event in loose:
        view = event_view(event)
        lead = loose_event_lead(event)
        if lead:
            view = EventView(view.head + lead, view.failed, view.error, view.details)
        _event(out, view, "  ", "  ")
    out.append("  as sent:")
    _json_lines(out, [event.raw for event in loose], "    ")


def render_text(conversation: Conversation, ctx: ExportContext | None = None) -> str:
    """The conversation as plain text for a terminal or pager (UTF-8, no control characters)."""
    ctx = ctx or DEFAULT_CONTEXT
    c = conversation
    out: list[str] = []
    title = f"Conversation {clean_line(c.conversation_id)}"
    out.append(title)
    out.append("=" * min(TEXT_WIDTH, cell_width(title)))
    for label, value in metadata_rows(c, ctx)[1:]:
        first = f"{label:<{HEADER_LABEL_WIDTH}}"
        out.extend(wrap(clean(value), first, " " * HEADER_LABEL_WIDTH))

    summary = c.summary
    if summary and (summary.heading.strip() or summary.content.strip()):
        _section(out, "Summary")
        if summary.heading.strip():
            out.extend(wrap(clean(summary.heading), "  ", "  "))
        if summary.content.strip():
            out.extend(wrap(clean(summary.content), "  ", "  "))

    turns = c.turn_list
    call_notes, by_turn = group_notes(ctx.notes, len(turns))
    if call_notes:
        _section(out, "Reviewer notes")
        for item in call_notes:
            _note_lines(out, _call_note_lead(item), item.note.text, "  ")

    _section(out, f"Transcript ({len(turns)} turn{'' if len(turns) == 1 else 's'})")
    if not turns:
        out.append("(no turns: the transcript is empty, or transcripts are off for this project)")
    for index, view in enumerate(iter_turns(c, ctx, by_turn)):
        if index:
            out.append("")
        _turn(out, view, ctx)

    if has_value(c.metrics):
        _metrics(out, c)
    _loose_events(out, c)
    return "\n".join(out) + "\n"
