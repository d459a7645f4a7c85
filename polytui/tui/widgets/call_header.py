"""The conversation screen's header: who called whom, when, for how long, how it went.

Every value from the API goes through ``clean_line`` and is built into ``Content`` as plain text
(never markup), so a tag such as ``[bold]`` shows literally and ``[@click=...]`` stays inert.
Fields the API left out are simply not shown.

One widget draws every row (badges, identity, times, summary, extras, latency and its
sparkline): rows are ``Content`` wrapped and clamped to the width here (the parts and how
they wrap are in ``header_parts``), so the header costs one widget to style, lay out and paint,
not a dozen. A queue's next call has its header worked out and drawn before it is shown
(``draw_ahead``); each line is drawn once per text and width.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from textual.cache import LRUCache
from textual.content import Content
from textual.geometry import Region, Size
from textual.reactive import reactive
from textual.strip import Strip

from polytui.core.facts import (
    DEFAULT_BANDS,
    LatencyBands,
    format_duration,
    format_latency,
    format_number,
    handed_off,
)
from polytui.core.models import Conversation
from polytui.core.numbers import finite as _finite
from polytui.core.numbers import latency_summary
from polytui.core.queues import QueueItem
from polytui.core.text import clean_line

from .header_parts import (
    LATENCY_STYLES,
    LIVE_COLOUR,
    NARROW_BELOW,
    ROW_LINES,
    SCORE_COLOURS,
    SOURCE_STYLE,
    SPARK_GAP,
    SPARK_MIN_WIDTH,
    badge,
    clamp,
    field_part,
    fill,
    format_utc,
    join_parts,
    pack,
    render_sparkline,
    review_badges,
    score_badge,
    score_class,
)
from .plain_rows import PlainRows, line_key, line_strip

__all__ = ["CallHeader", "HeaderState", "LATENCY_STYLES", "render_sparkline", "score_class"]


@dataclass
class HeaderState:
    """What the header shows of one call, worked out: the rows before wrapping and the lines
    laid out at a width (``CallHeader.draw_ahead`` makes one before the call is shown)."""

    conversation: Conversation | None = None
    source_note: str | None = None
    review: QueueItem | None = None
    latencies: list[float | None] = field(default_factory=list)  # per turn, finite or None
    stats: tuple[float, float, float] | None = None  # (p50, p95, max) latency
    rows: dict[str, Content] = field(default_factory=dict)
    parts: dict[str, list[Content]] = field(default_factory=dict)  # rows value by value
    compact: list[tuple[int, Content]] = field(default_factory=list)  # one line: (rank, part)
    lines: tuple[int, bool, list[tuple[str, Content]]] | None = None  # (width, compact, lines)
    spark: tuple[int, Content] | None = None  # (width, the latency line)


STRIPS_KEPT = 96  # header lines kept drawn: this call's, and the next calls' drawn ahead


class CallHeader(PlainRows):
    """A compact summary of one conversation; ``compact = True`` collapses it to one line."""

    DEFAULT_CSS = """
    CallHeader {
        height: auto;
        padding: 0 1;
        background: $panel;
    }
    """

    compact: reactive[bool] = reactive(False, layout=True)
    """One line (ID, score, channel, length, handoff, p95) instead of the full header."""

    def __init__(
        self,
        *,
        latency_good: float = DEFAULT_BANDS.good,
        latency_warn: float = DEFAULT_BANDS.warn,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._bands = LatencyBands(latency_good, latency_warn)
        self._state = HeaderState()
        # Each line drawn, by (width, text, styles): a call drawn ahead shows without drawing.
        self._strips: LRUCache[tuple[object, ...], Strip] = LRUCache(STRIPS_KEPT)
        self._build_rows()

    # The state's fields, as the widget's own.

    @property
    def conversation(self) -> Conversation | None:
        return self._state.conversation

    @property
    def source_note(self) -> str | None:
        return self._state.source_note

    @property
    def review(self) -> QueueItem | None:
        """The call's item in the queue it was opened from."""
        return self._state.review

    # -- public ---------------------------------------------------------------------------------

    def set_conversation(
        self,
        conversation: Conversation | None,
        *,
        source_note: str | None = None,
        review: QueueItem | None = None,
    ) -> None:
        """Show ``conversation`` (None clears the header); ``source_note`` (e.g. "offline copy,
        fetched ... (3 h ago)") is shown prominently when given; ``review``: its item in the
        queue it was opened from (laid out with it, not after it)."""
        lines = self._line_count()
        self._state = HeaderState(conversation, source_note, review)
        self._build_rows()
        self._changed(lines)

    def draw_ahead(
        self, conversation: Conversation, *, review: QueueItem | None = None
    ) -> HeaderState | None:
        """``conversation``'s header worked out and drawn now at the current width, to be shown
        later at once (``show_ahead``: a queue's next call); None while the header has no size."""
        width = self.size.width
        if not width or not self.is_attached:
            return None
        shown = self._state
        try:
            self._state = HeaderState(conversation, None, review)
            self._build_rows()
            finish = self._finisher()
            for _, line in self.row_lines(width):
                strip = self._strip(line, width)
                if finish is not None:
                    finish(strip)  # as render_lines will ask
            return self._state
        finally:
            self._state = shown

    def show_ahead(
        self, state: HeaderState, *, source_note: str | None, review: QueueItem | None
    ) -> bool:
        """Show a header drawn ahead (``draw_ahead``) if it was drawn with ``source_note``;
        False (nothing changed) if not. A changed ``review`` redoes only its own row."""
        if state.source_note != source_note:
            return False
        lines = self._line_count()
        self._state = state
        if review != state.review:
            self.set_review(review)  # only the status row again: the others are drawn
        else:
            self._changed(lines)
        return True

    def set_review(self, item: QueueItem | None) -> None:
        """Show the call's status and verdict in the queue it was opened from (None: none)."""
        if item == self.review:
            return
        lines = self._line_count()
        self._state.review = item
        self._state.rows["review"] = review_badges(item)
        self._state.compact = self._compact_line(self.conversation)
        self._state.rows["compact"] = join_parts([part for _, part in self._state.compact])
        self._state.lines = None
        self._changed(lines)

    def _line_count(self) -> int | None:
        return len(self.row_lines()) if self.size.width else None

    def _changed(self, lines_before: int | None) -> None:
        """Redraw; the screen's layout only when the header's height changed (moving from
        call to call of a queue, it seldom does, and a layout costs a frame time)."""
        self.refresh(layout=lines_before is None or self._line_count() != lines_before)

    @property
    def rows(self) -> dict[str, Content]:
        """Each row's content before wrapping (empty rows are not shown): source, live, score,
        ident, times, summary, extra, latency, compact."""
        return dict(self._state.rows)

    def row_lines(self, width: int | None = None) -> list[tuple[str, Content]]:
        """The lines on screen at content ``width`` (the current one by default), each named
        by its row ("ident" for the badge line, "latency" for the figures and sparkline)."""
        if width is None:
            width = self.size.width
        cached = self._state.lines
        if cached is not None and cached[0] == width and cached[1] == self.compact:
            return cached[2]
        lines = self._layout(width)
        self._state.lines = (width, self.compact, lines)
        return lines

    # -- Textual --------------------------------------------------------------------------------

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.row_lines(width))

    def render(self) -> Content:
        return Content("\n").join(line for _, line in self.row_lines())

    def render_lines(self, crop: Region) -> list[Strip]:
        return self._plain_rows(crop)  # see PlainRows: padding and background, then filters

    def render_line(self, y: int) -> Strip:
        """Line ``y``, drawn once per text and width (see ``draw_ahead``)."""
        if self.text_selection is not None:
            return super().render_line(y)  # the selection spans lines: drawn as a whole
        width = self.size.width
        lines = self.row_lines(width)
        if not 0 <= y < len(lines):
            return Strip.blank(width, self.visual_style.rich_style)
        return self._strip(lines[y][1], width)

    def _strip(self, line: Content, width: int) -> Strip:
        key = (width, *line_key(line))
        strip = self._strips.get(key)
        if strip is None:
            strip = self._strips[key] = line_strip(self, line, width)
        return strip

    def notify_style_update(self) -> None:
        super().notify_style_update()
        strips = getattr(self, "_strips", None)  # Widget.__init__ may call this first
        if strips is not None:
            strips.clear()

    # -- building the rows ---------------------------------------------------------------------

    def _build_rows(self) -> None:
        c = self.conversation
        self._state.lines = self._state.spark = None
        if c is None:
            self._state.latencies, self._state.stats = [], None
        else:
            self._state.latencies = c.latency_values()
            self._state.stats = latency_summary(self._state.latencies)
        score = _finite(c.poly_score) if c is not None else None
        cls = score_class(score)
        self._state.compact = self._compact_line(c)
        self._state.parts = {
            "ident": self._ident(c) if c else [Content.styled("No conversation loaded.", "dim")],
            "times": self._times(c) if c else [],
            "extra": self._extra(c) if c else [],
        }
        self._state.rows = {
            "source": Content.styled(clean_line(self.source_note), SOURCE_STYLE),
            "live": badge("IN PROGRESS" if c is not None and c.live else "", LIVE_COLOUR),
            "score": score_badge(score, cls),
            "review": review_badges(self.review),
            "ident": join_parts(self._state.parts["ident"]),
            "times": join_parts(self._state.parts["times"]),
            "summary": self._summary(c) if c else Content(""),
            "extra": join_parts(self._state.parts["extra"]),
            "latency": self._latency(c) if c else Content(""),
            "compact": join_parts([part for _, part in self._state.compact]),
        }

    def _layout(self, width: int) -> list[tuple[str, Content]]:
        rows = self._state.rows
        if self.compact:
            line = fill(self._state.compact, width)
            return [("compact", line)] if line else []
        lines: list[tuple[str, Content]] = []
        lines += [("source", line) for line in clamp(rows["source"], width, ROW_LINES["source"])]
        lines += [("ident", line) for line in self._top(width)]
        narrow = width + self.styles.gutter.width < NARROW_BELOW
        for name in ("times", "summary", "extra"):
            if name == "summary":
                most = 1 if narrow else ROW_LINES[name]
                lines += [(name, line) for line in clamp(rows[name], width, most)]
            else:
                lines += [
                    (name, line) for line in pack(self._state.parts[name], width, ROW_LINES[name])
                ]
        if rows["latency"] and width > 0:
            lines.append(("latency", self._latency_line(width)))
        return lines

    def _top(self, width: int) -> list[Content]:
        """The badges (each followed by a cell of the background), then the identity wrapped
        in the width left, its second line under its first."""
        rows = self._state.rows
        badges = [part for part in (rows["review"], rows["live"], rows["score"]) if part]
        prefix = Content("").join(part + Content(" ") for part in badges)
        ident = pack(self._state.parts["ident"], width - prefix.cell_length, ROW_LINES["ident"])
        if not ident:
            return [prefix.truncate(width)] if prefix else []
        indent = Content(" " * prefix.cell_length)
        return [(prefix if n == 0 else indent) + line for n, line in enumerate(ident)]

    def _latency_line(self, width: int) -> Content:
        spark = self._state.spark
        if spark is not None and spark[0] == width:
            return spark[1]
        line = self._draw_latency_line(width)
        self._state.spark = (width, line)
        return line

    def _draw_latency_line(self, width: int) -> Content:
        figures = self._state.rows["latency"]
        spark_width = max(SPARK_MIN_WIDTH, width - figures.cell_length - SPARK_GAP)
        bands = self._bands
        spark = render_sparkline(self._state.latencies, spark_width, bands.good, bands.warn)
        line = Content.assemble(figures, " " * SPARK_GAP, spark)
        return line.truncate(width) if line.cell_length > width else line

    def _ident(self, c: Conversation) -> list[Content]:
        numbers = Content("")
        if c.from_number or c.to_number:
            numbers = Content.assemble(
                clean_line(c.from_number) or "?", (" → ", "dim"), clean_line(c.to_number) or "?"
            )
        return [
            Content.styled(clean_line(c.conversation_id), "bold"),
            field_part("", c.channel),
            field_part("", c.direction),
            field_part("lang", c.language),
            field_part("variant", c.variant_id),
            field_part("env", c.client_env),
            numbers,
        ]

    def _when(self, label: str, raw: str | None, parsed: datetime | None) -> Content:
        return field_part(label, format_utc(parsed) if parsed is not None else raw)

    def _end(self, c: Conversation) -> Content:
        """The end time; only the clock time when the call ended the (UTC) day it started."""
        start, end = c.start, c.end
        if start is not None and end is not None:
            full = format_utc(end)
            if full[:10] == format_utc(start)[:10] and full.endswith(" UTC"):
                return field_part("end", full[11:])
        return self._when("end", c.finished_at, end)

    def _times(self, c: Conversation) -> list[Content]:
        durations: list[Content] = []
        total = ""
        for label, value in (
            ("total", c.total_duration),
            ("PolyAI", c.polyai_duration),
            ("duration", c.duration),
        ):
            if _finite(value) is None:
                continue
            text = format_duration(value)
            if label == "total":
                total = text
            elif label == "duration" and text == total:
                continue  # the same length as the total: said once
            durations.append(field_part(label, text))
        if not durations and c.call_seconds is not None and math.isfinite(c.call_seconds):
            durations.append(field_part("length", format_duration(c.call_seconds)))
        return [
            self._when("start", c.started_at or c.created_at, c.start),
            self._end(c),
            *durations,
            self._handoff(c, reason=True),
        ]

    def _handoff(self, c: Conversation, *, reason: bool) -> Content:
        if not handed_off(c):
            return Content("")
        parts: list[str | tuple[str, str]] = [
            ("handoff", "bold $warning"),
            (" → ", "dim"),
            clean_line(c.handoff_destination) or "?",
        ]
        if reason and c.handoff_reason:
            parts += [(" (reason: ", "dim"), clean_line(c.handoff_reason), (")", "dim")]
        return Content.assemble(*parts)

    def _summary(self, c: Conversation) -> Content:
        summary = c.summary
        if summary is None:
            return Content("")
        heading = clean_line(summary.heading)
        content = clean_line(summary.content)
        if heading and content:
            return Content.assemble((heading, "bold"), (": ", "dim"), content)
        return Content.styled(heading, "bold") if heading else Content(content)

    def _extra(self, c: Conversation) -> list[Content]:
        tags = ", ".join(clean_line(tag) for tag in c.tag_list)
        return [
            field_part("tags", tags, "$accent"),
            field_part("API note", c.note, "italic"),
            field_part("audio", c.audio_url),
        ]

    def _latency_value(self, label: str, value: float) -> Content:
        kind = self._bands.band(value) or "good"
        return Content.assemble((f"{label} ", "dim"), (format_latency(value), LATENCY_STYLES[kind]))

    def _latency(self, c: Conversation) -> Content:
        stats = self._state.stats
        if stats is None:
            return Content("")
        p50, p95, top = stats
        return Content.assemble(
            ("latency ", "bold"),
            self._latency_value("p50", p50),
            ("  ", ""),
            self._latency_value("p95", p95),
            ("  ", ""),
            self._latency_value("max", top),
            (f"  ({len(c.turn_list)}{'+ turns, reading' if c.reading else ' turns'})", "dim"),
        )

    def _compact_line(self, c: Conversation | None) -> list[tuple[int, Content]]:
        """The one-line header's parts in the order shown, each with its rank (``fill`` keeps
        the lowest ranks that fit): the ID, score, handoff and length before the rest."""
        if c is None:
            return [(0, Content.styled("No conversation loaded.", "dim"))]
        parts: list[tuple[int, Content]] = [(1, review_badges(self.review))]
        if c.live:
            parts.append((1, Content.styled("IN PROGRESS", f"bold auto 90% on {LIVE_COLOUR}")))
        score = _finite(c.poly_score)
        cls = score_class(score)
        if cls:
            style = f"bold auto 90% on {SCORE_COLOURS[cls]}"
            parts.append((2, Content.styled(f"PolyScore {format_number(score)}", style)))
        elif score is not None:
            parts.append((2, Content.styled(f"PolyScore {format_number(score)}", "bold")))
        parts.append((0, Content.styled(clean_line(c.conversation_id), "bold")))
        if self.source_note:
            parts.append((1, Content.styled(clean_line(self.source_note), "bold $warning")))
        parts.append((6, field_part("", c.channel)))
        start = c.start
        if start is not None:
            parts.append((7, Content(format_utc(start)[:16] + " UTC")))
        if c.call_seconds is not None and math.isfinite(c.call_seconds):
            parts.append((4, Content(format_duration(c.call_seconds))))
        parts.append((3, self._handoff(c, reason=False)))
        stats = self._state.stats
        if stats is not None:
            parts.append((5, self._latency_value("p95", stats[1])))
        return parts
