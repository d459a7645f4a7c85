"""Turn -> Strips for the transcript view.

Everything is built as plain ``Content`` from strings already passed through
``polytui.core.text.clean`` (see transcript_model): API text is never parsed as markup, so
"[bold]x[/]" shows literally and "[@click=app.quit]" is inert.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.segment import Segment
from rich.style import Style as RichStyle
from textual.content import Content, Span
from textual.strip import Strip
from textual.style import Style

from polytui.core.facts import LatencyBands, caller_word, format_latency, format_offset
from polytui.core.models import Conversation, Note

from .transcript_heights import TRANSLATION_PREFIX, label_width, text_width
from .transcript_model import BADGES, NO_RESPONSE_TEXT, TurnEntry, note_text

if TYPE_CHECKING:
    from textual.widget import Widget

CURSOR_BAR = "▌"

#: Component classes the view declares (styled in its DEFAULT_CSS, themable by apps).
COMPONENT_NAMES = (
    "cursor",
    "cursor-bar",
    "number",
    "time",
    "caller-label",
    "agent-label",
    "caller",
    "agent",
    "translation",
    "meta",
    "note",
    "silence",
    "match",
    "latency-good",
    "latency-warn",
    "latency-bad",
    "empty",
    *(f"badge-{name.lower()}" for name in BADGES),
)
COMPONENT_CLASSES = frozenset(f"transcript--{name}" for name in COMPONENT_NAMES)
# Parts with a background of their own. Textual's *partial* visual styles drop an opaque
# background, so these are resolved as full styles (their background then covers the row's).
_OWN_BACKGROUND = frozenset({"match", *(f"badge-{name.lower()}" for name in BADGES)})


class Palette:
    """Styles resolved from the widget's component classes, turned into Rich styles once.

    Rows are built as ``Content`` whose spans carry component *names* ("caller", "match");
    ``resolve`` maps (row kind, active names) to a Rich style through a small cache, so
    painting a row does not combine or convert styles again.
    """

    def __init__(self, widget: Widget) -> None:
        self.rows = {
            "base": widget.visual_style,
            "cursor": widget.get_visual_style("transcript--cursor"),
        }
        get = widget.get_visual_style
        self.parts = {
            name: get(f"transcript--{name}", partial=name not in _OWN_BACKGROUND)
            for name in COMPONENT_NAMES
        }
        self._resolved: dict[tuple[str, tuple[str, ...]], RichStyle] = {}

    def resolve(self, row: str, names: tuple[str, ...] = ()) -> RichStyle:
        key = (row, names)
        style = self._resolved.get(key)
        if style is None:
            parts = [self.parts[name] for name in names]
            style = self._resolved[key] = Style.combine([self.rows[row], *parts]).rich_style
        return style


def highlight(content: Content, needle: str) -> Content:
    """Mark every case-insensitive occurrence of ``needle`` (already lower-cased) as "match"."""
    if not needle:
        return content
    text = content.plain
    lowered = text.lower()
    spans: list[Span] = []
    if len(lowered) == len(text):
        size = len(needle)
        position = lowered.find(needle)
        while position != -1:
            spans.append(Span(position, position + size, "match"))
            position = lowered.find(needle, position + size)
    else:  # lower() changed lengths (e.g. "İ"): offsets would drift, let re map them
        pattern = re.compile(re.escape(needle), re.IGNORECASE)
        spans = [
            Span(m.start(), m.end(), "match") for m in pattern.finditer(text) if m.end() > m.start()
        ]
    return content.add_spans(spans)


@dataclass(frozen=True)
class RenderOptions:
    width: int
    palette: Palette
    query: str  # lower-cased, "" for none
    show_translations: bool
    bands: LatencyBands
    show_heard: bool = False


def to_strip(content: Content, row: str, width: int, palette: Palette) -> Strip:
    """One row of named-span Content as a Strip exactly ``width`` cells wide."""
    text = content.plain
    length = len(text)
    spans = [span for span in content.spans if span.end > span.start and span.start < length]
    segments: list[Segment] = []
    if spans:
        edges = {0, length}
        for span in spans:
            edges.add(span.start)
            edges.add(min(span.end, length))
        cuts = sorted(edges)
        for start, end in zip(cuts, cuts[1:], strict=False):
            names = tuple(
                str(span.style) for span in spans if span.start <= start and span.end >= end
            )
            segments.append(Segment(text[start:end], palette.resolve(row, names)))
    elif text:
        segments.append(Segment(text, palette.resolve(row)))
    cells = content.cell_length
    if cells < width:
        segments.append(Segment(" " * (width - cells), palette.resolve(row)))
        return Strip(segments, width)
    strip = Strip(segments, cells)
    return strip.crop(0, width) if cells > width else strip


_LATENCY_PARTS = {"good": "latency-good", "warn": "latency-warn", "slow": "latency-bad"}


def _latency_name(latency: float, options: RenderOptions) -> str:
    return _LATENCY_PARTS[options.bands.band(latency) or "good"]


def _header(
    entry: TurnEntry,
    conversation: Conversation | None,
    prefix: Content,
    notes: Sequence[Note],
    options: RenderOptions,
) -> Content:
    parts: list[Content | str | tuple[str, str]] = [
        prefix,
        (f"#{entry.number}", "number"),
        "  ",
        (format_offset(entry.offset(conversation)), "time"),
    ]
    for badge in entry.badges(options.bands, bool(notes)):
        parts.extend(("  ", (f" {badge} ", f"badge-{badge.lower()}")))
    left = Content.assemble(*parts)
    if entry.latency is None:
        return left
    right = Content.styled(format_latency(entry.latency), _latency_name(entry.latency, options))
    gap = options.width - left.cell_length - right.cell_length
    if gap >= 1:
        return Content.assemble(left, " " * gap, right)
    return left  # too narrow for the latency: number, time and badges win (cropped if need be)


def render_turn(
    entry: TurnEntry,
    conversation: Conversation | None,
    notes: Sequence[Note],
    *,
    cursor: bool,
    options: RenderOptions,
) -> list[Strip]:
    """All rows of one turn, each exactly ``options.width`` cells, separator row last."""
    width = options.width
    tw = text_width(width)
    lw = label_width(width)
    needle = options.query
    prefix = Content.assemble((CURSOR_BAR, "cursor-bar"), " ") if cursor else Content("  ")
    blank_label = Content(" " * lw)

    rows: list[Content] = [_header(entry, conversation, prefix, notes, options)]

    def label(name: str, word: str | None = None) -> Content:
        if not lw:
            return blank_label
        text = (word or name)[: lw - 1]
        return Content.assemble((text, f"{name}-label"), " " * (lw - len(text)))

    def block(first_label: Content, body: Content) -> None:
        for number, line in enumerate(body.wrap(tw)):
            rows.append(Content.assemble(prefix, first_label if number == 0 else blank_label, line))

    def text_block(first_label: Content, text: str, style: str) -> None:
        block(first_label, highlight(Content.styled(text, style), needle))

    def translation(text: str) -> None:
        body = highlight(Content.styled(text, "translation"), needle)
        block(blank_label, Content.styled(TRANSLATION_PREFIX, "translation") + body)

    text = entry.text
    caller = label("caller", caller_word(conversation))  # "user" in a chat
    if text["user"]:
        text_block(caller, text["user"], "caller")
    if text["dtmf"]:
        text_block(blank_label if text["user"] else caller, text["dtmf"], "caller")
    if not text["user"] and not text["dtmf"]:
        block(caller, Content.styled(entry.empty_caller, "silence"))
    if text["asr"]:
        block(blank_label, Content.styled(f"ASR  {text['asr']}", "meta"))
    if options.show_heard and text["heard"]:
        for line in text["heard"].split("\n"):
            block(blank_label, Content.styled(line, "meta"))
    if options.show_translations and text["tr_user"]:
        translation(text["tr_user"])
    agent = label("agent")
    if text["agent"]:
        text_block(agent, text["agent"], "agent")
    else:
        block(agent, Content.styled(NO_RESPONSE_TEXT, "silence"))
    if options.show_translations and text["tr_agent"]:
        translation(text["tr_agent"])
    if text["meta"]:
        text_block(blank_label, text["meta"], "meta")
    if text["topics"]:
        text_block(blank_label, text["topics"], "meta")
    if text["events"]:
        for event, line in zip(entry.events, text["events"].split("\n"), strict=True):
            block(blank_label, Content.styled(line, "latency-bad" if event.failed else "meta"))
    if text["reviews"]:
        for line in text["reviews"].split("\n"):
            block(blank_label, Content.styled(line, "translation"))
    for note in notes:
        text_block(blank_label, note_text(note), "note")

    row = "cursor" if cursor else "base"
    strips = [to_strip(content, row, width, options.palette) for content in rows]
    strips.append(Strip.blank(width, options.palette.resolve("base")))
    return strips


def message_strip(message: str, width: int, palette: Palette) -> Strip:
    """A dim one-line notice ("No conversation") for an empty pane."""
    return to_strip(Content.assemble("  ", (message, "empty")), "base", width, palette)
