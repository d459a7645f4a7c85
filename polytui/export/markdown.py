"""The markdown format: for tickets (GitHub, GitLab, Linear, Jira's markdown).

API text is cleaned, then escaped so that it reads as literal text: it cannot open a heading,
list, quote, table cell, link, image, HTML tag or code span, and code fences are always longer
than any run of backticks inside them, so API text can never close one.
"""

from __future__ import annotations

import re

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

# ASCII punctuation that can mean something anywhere in a line in CommonMark / GFM (always
# escaped; a backslash before ASCII punctuation is always a literal character). Parentheses and
# "!" only matter next to "[" / "]", which are escaped, so they are left alone for readability.
_SPECIALS = re.compile(r"([\\`*_{}\[\]<>#|~&$])")
# Punctuation that only matters at the start of a line (list items, setext underlines).
_LINE_START = re.compile(r"^([-+=]|\d+[.)])")
_BACKTICKS = re.compile(r"`+")


def escape_inline(text: str) -> str:
    """One line of already-cleaned text, escaped to read literally anywhere in markdown."""
    escaped = _SPECIALS.sub(r"\\\1", text.strip())
    return _LINE_START.sub(lambda m: m.group(0)[:-1] + "\\" + m.group(0)[-1], escaped)


def md_line(value: object) -> str:
    """Any API value as one escaped line (for table cells and headings)."""
    return escape_inline(clean_line(value))


def md_text(value: object, indent: str = "") -> str:
    """Any API value as escaped text whose lines are joined with hard line breaks.

    Blank lines are dropped so the text stays one block (inside a list item or a quote);
    ``indent`` is put before every continuation line (e.g. "  " in a list item, "> " in a quote).
    """
    lines = [escape_inline(line) for line in clean(value).split("\n")]
    return ("\\\n" + indent).join(line for line in lines if line)


def fence(content: str, info: str = "") -> str:
    """``content`` (cleaned) in a backtick fence longer than any backtick run inside it."""
    longest = max((len(run) for run in _BACKTICKS.findall(content)), default=0)
    marks = "`" * max(3, longest + 1)
    return f"{marks}{info}\n{content}\n{marks}"


def _lead(text: str) -> str:
    return md_line(text[:1].upper() + text[1:])


def _item(out: list[str], label: str, text: str) -> None:
    if text:
        out.append(f"- **{label}:** {text}")


def _note_quote(lead: str, text: object) -> str:
    return f"> **{lead}:** {md_text(text, indent='> ')}"


def _call_note_lead(item: CallNote) -> str:
    lead = _lead(note_label(item.note))
    if item.missing_turn is not None:
        lead += f" on turn {item.missing_turn} (not in this copy)"
    return lead


def _event_text(view: EventView, indent: str = "  ") -> str:
    """One event as one list item's text: the head, then each detail after a hard line break."""
    text = md_line(view.head)
    if view.failed:
        text += f" **FAILED:** {md_line(view.error)}"
    for label, detail in view.details:
        text += f"\\\n{indent}{label}: {md_line(detail)}"
    return text


def _metrics(out: list[str], c: Conversation) -> None:
    views, dump = metric_views(c)
    out.extend(["## Metrics", ""])
    for view in views:
        text = md_line(view.latest) + (f" at {md_line(view.at)}" if view.at else "")
        if view.history:
            text += "\\\n  history: " + ", ".join(md_line(h) for h in view.history)
        out.append(f"- **{md_line(view.name) or '-'}:** {text}")
    if views:
        out.append("")
    if dump:
        if views:
            out.extend(["As sent:", ""])
        out.extend([fence(clean(pretty_json(c.metrics)), "json"), ""])


def _loose_events(out: list[str], c: Conversation) -> None:
    loose = c.loose_function_events
    if not loose:
        return
    out.extend(["## Function events", "", "Tied to no turn of this transcript:", ""])
    for event in loose:
        view = event_view(event)
        lead = loose_event_lead(event)
        if lead:
            view = EventView(view.head + lead, view.failed, view.error, view.details)
        _item(out, "Function", _event_text(view))
    out.extend(["", "As sent:", ""])
    out.extend([fence(clean(pretty_json([e.raw for e in loose])), "json"), ""])


def _turn(out: list[str], view: TurnView, ctx: ExportContext) -> None:
    turn = view.turn
    out.append(f"### Turn {view.number} · {format_offset(view.offset)}")
    out.append("")
    user = md_text(turn.user_text, indent="  ")
    dtmf = md_line(spaced_dtmf(clean_line(turn.dtmf))) if turn.dtmf else ""
    if user:
        _item(out, "Caller", user)
        _item(out, "DTMF", dtmf)
    elif dtmf:
        _item(out, "Caller", f"DTMF {dtmf}")
    elif turn.silent:
        _item(out, "Caller", "*(silence)*")
    _item(out, "Caller, ASR-corrected", md_text(turn.asr_corrected, indent="  "))
    _item(out, "Heard as", " \\| ".join(md_line(a) for a in alternative_texts(turn)))
    _item(out, "Caller, translated", md_text(turn.translated_user_input, indent="  "))
    _item(out, "Agent", md_text(turn.agent_text, indent="  ") or "*(no response)*")
    _item(out, "Agent, in English", md_text(turn.english_agent_response, indent="  "))
    latency = format_latency(turn.latency)
    if latency:
        slow = latency_class(turn.latency, ctx) == "slow"
        _item(out, "Latency", f"{latency} **slow**" if slow else latency)
    _item(out, "Intents", ", ".join(md_line(i) for i in turn.intent_list))
    _item(out, "Entities", md_line(entities_text(turn)))
    _item(out, "Retrieved topics", ", ".join(md_line(t) for t in turn.retrieved_topics))
    for event in view.events:
        _item(out, "Function", _event_text(event_view(event, turn.agent_text)))
    for review in review_texts(turn):
        _item(out, "Studio review", md_text(review, indent="  "))
    _item(out, "Flags", ", ".join(view.flags))
    for note in view.notes:
        out.append("")
        out.append(_note_quote(_lead(note_label(note)), note.text))
    out.append("")


def render_markdown(conversation: Conversation, ctx: ExportContext | None = None) -> str:
    """The conversation as markdown for a ticket; API text cannot change the layout."""
    ctx = ctx or DEFAULT_CONTEXT
    c = conversation
    out: list[str] = [f"# Conversation {md_line(c.conversation_id)}", ""]
    out.append("| Field | Value |")
    out.append("| --- | --- |")
    for label, value in metadata_rows(c, ctx):
        out.append(f"| {label} | {md_line(value)} |")
    out.append("")

    summary = c.summary
    if summary and (summary.heading.strip() or summary.content.strip()):
        out.extend(["## Summary", ""])
        if summary.heading.strip():
            out.extend([f"**{md_text(summary.heading)}**", ""])
        if summary.content.strip():
            out.extend([md_text(summary.content), ""])

    turns = c.turn_list
    call_notes, by_turn = group_notes(ctx.notes, len(turns))
    if call_notes:
        out.extend(["## Reviewer notes", ""])
        for item in call_notes:
            out.extend([_note_quote(_call_note_lead(item), item.note.text), ""])

    out.extend([f"## Transcript ({len(turns)} turn{'' if len(turns) == 1 else 's'})", ""])
    if not turns:
        out.extend(
            ["*No turns: the transcript is empty, or transcripts are off for this project.*", ""]
        )
    for view in iter_turns(c, ctx, by_turn):
        _turn(out, view, ctx)

    if has_value(c.metrics):
        _metrics(out, c)
    _loose_events(out, c)
    return "\n".join(out).rstrip("\n") + "\n"
