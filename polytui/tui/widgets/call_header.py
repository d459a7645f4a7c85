"""The conversation screen's header: who called whom, when, for how long, how it went.

Every value from the API goes through ``clean_line`` and is built into ``Content`` as plain text
(never markup), so a tag such as ``[bold]`` shows literally and ``[@click=...]`` stays inert.
Fields the API left out are simply not shown.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.events import Resize
from textual.geometry import Size
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Static

from ...export.common import (
    ExportContext,
    format_duration,
    format_latency,
    format_number,
    handed_off,
    latency_class,
    latency_stats,
)
from ...models import Conversation, as_float
from ...text import clean_line

SEPARATOR = (" · ", "dim")
NARROW_BELOW = 100  # columns under which the summary gets one line instead of two
BLOCKS = "▁▂▃▄▅▆▇█"
MISSING_BAR = "·"
LATENCY_STYLES = {"good": "$success", "warn": "$warning", "slow": "bold $error"}
SCORE_COLOURS = {"-good": "$success", "-warn": "$warning", "-bad": "$error"}


def score_class(score: float | None) -> str | None:
    """PolyAI's badge colours: 5 green ("-good"), 3-4 amber ("-warn"), 1-2 red ("-bad")."""
    if score is None or not math.isfinite(score):
        return None
    if score >= 5:
        return "-good"
    if score >= 3:
        return "-warn"
    return "-bad"


def format_utc(value: datetime) -> str:
    """``2026-11-25 14:03:05 UTC`` whatever the machine's time zone."""
    try:
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    except (OverflowError, ValueError):  # a date at the very edge of the calendar
        return value.replace(microsecond=0).isoformat(sep=" ")


def _finite(value: float | int | None) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    number = as_float(value)
    return number if number is not None and math.isfinite(number) else None


def _join(parts: Sequence[Content]) -> Content:
    """Parts separated by a dim middle dot; empty parts are dropped."""
    kept = [part for part in parts if part]
    return Content.styled(*SEPARATOR).join(kept) if kept else Content("")


def _field(label: str, value: str | None, style: str = "") -> Content:
    """``label value`` with a dim label, or empty Content when the value is missing."""
    text = clean_line(value)
    if not text:
        return Content("")
    if not label:
        return Content.styled(text, style) if style else Content(text)
    return Content.assemble((f"{label} ", "dim"), (text, style))


def render_sparkline(
    values: Sequence[float | None], width: int, latency_good: float, latency_warn: float
) -> Content:
    """One line of block characters, one per turn (or per bucket of turns when there are more
    turns than cells: a bucket shows its slowest turn), coloured by the latency thresholds.
    Bars share one scale topped at the slowest turn or ``latency_warn``, whichever is higher,
    so a fast call looks low. A turn without a latency shows as a dim dot."""
    if width <= 0 or not values:
        return Content("")
    per_cell = max(1, math.ceil(len(values) / width))
    buckets: list[float | None] = []
    for start in range(0, len(values), per_cell):
        known = [v for v in (_finite(x) for x in values[start : start + per_cell]) if v is not None]
        buckets.append(max(known) if known else None)
    known_all = [v for v in buckets if v is not None]
    top = max([latency_warn, *known_all]) if known_all else latency_warn
    ctx = ExportContext(latency_good=latency_good, latency_warn=latency_warn)
    parts: list[tuple[str, str]] = []
    for value in buckets:
        if value is None:
            parts.append((MISSING_BAR, "dim"))
            continue
        level = 0 if top <= 0 else round(max(0.0, value) / top * (len(BLOCKS) - 1))
        kind = latency_class(value, ctx) or "good"
        parts.append((BLOCKS[min(len(BLOCKS) - 1, level)], LATENCY_STYLES[kind]))
    return Content.assemble(*parts)


class LatencySparkline(Widget):
    """Per-turn latency as a one-line bar chart that fits its width."""

    DEFAULT_CSS = """
    LatencySparkline { height: 1; width: 1fr; min-width: 8; }
    """

    def __init__(self, *, latency_good: float, latency_warn: float, id: str | None = None) -> None:
        super().__init__(id=id)
        self.latency_good = latency_good
        self.latency_warn = latency_warn
        self._values: list[float | None] = []

    def set_values(self, values: Sequence[float | None]) -> None:
        self._values = list(values)
        self.refresh()

    def render(self) -> Content:
        return render_sparkline(self._values, self.size.width, self.latency_good, self.latency_warn)


class ClampedText(Widget):
    """Content wrapped to the widget's width and cut to ``max_lines`` (the last line kept ends in
    an ellipsis), so one long API value cannot push the transcript off the screen."""

    DEFAULT_CSS = """
    ClampedText { height: auto; width: 1fr; }
    """

    def __init__(
        self, max_lines: int, *, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(id=id, classes=classes)
        self._max_lines = max(1, max_lines)
        self._content = Content("")

    @property
    def content(self) -> Content:
        return self._content

    @property
    def max_lines(self) -> int:
        return self._max_lines

    @max_lines.setter
    def max_lines(self, value: int) -> None:
        if max(1, value) != self._max_lines:
            self._max_lines = max(1, value)
            self.refresh(layout=True)

    def update(self, content: Content) -> None:
        self._content = content
        self.refresh(layout=True)

    def lines(self, width: int) -> list[Content]:
        if width <= 0 or not self._content:
            return []
        lines = self._content.wrap(width)
        if len(lines) > self._max_lines:
            # The last kept line carries on with the rest of the text, cut at the edge: a long
            # word (a URL) that wrapped to a dropped line still shows its start.
            keep = self._max_lines - 1
            rest = Content(" ").join(line.rstrip() for line in lines[keep:])
            lines = lines[:keep] + [rest.truncate(max(1, width - 1)) + Content("…")]
        return lines

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.lines(width))

    def render(self) -> Content:
        return Content("\n").join(self.lines(self.size.width))


class CallHeader(Widget):
    """A compact summary of one conversation; ``compact = True`` collapses it to one line."""

    DEFAULT_CSS = """
    CallHeader {
        height: auto;
        padding: 0 1;
        background: $panel;
    }
    CallHeader Horizontal { height: auto; width: 1fr; }
    CallHeader .-empty { display: none; }
    CallHeader #ch-source { color: $warning; text-style: bold; }
    CallHeader #ch-live, CallHeader #ch-score {
        width: auto; height: 1; padding: 0 1; margin-right: 1; text-style: bold;
    }
    CallHeader #ch-live { background: $error; color: auto 90%; }
    CallHeader #ch-score.-good { background: $success; color: auto 90%; }
    CallHeader #ch-score.-warn { background: $warning; color: auto 90%; }
    CallHeader #ch-score.-bad { background: $error; color: auto 90%; }
    CallHeader #ch-latency-text { width: auto; margin-right: 2; }
    CallHeader #ch-compact { display: none; }
    CallHeader.-compact .ch-full { display: none; }
    CallHeader.-compact #ch-compact { display: block; }
    """

    compact: reactive[bool] = reactive(False)
    """One line (ID, score, channel, length, handoff, p95) instead of the full header."""

    def __init__(
        self,
        *,
        latency_good: float = 1.5,
        latency_warn: float = 3.0,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.latency_good = latency_good
        self.latency_warn = latency_warn
        self._ctx = ExportContext(latency_good=latency_good, latency_warn=latency_warn)
        self.conversation: Conversation | None = None
        self.source_note: str | None = None
        self._stats: tuple[float, float, float] | None = None  # (p50, p95, max) latency

    def compose(self) -> ComposeResult:
        yield ClampedText(2, id="ch-source", classes="ch-full -empty")
        with Horizontal(id="ch-top", classes="ch-full"):
            yield Static(id="ch-live", classes="-empty")
            yield Static(id="ch-score", classes="-empty")
            yield ClampedText(2, id="ch-ident")
        yield ClampedText(2, id="ch-times", classes="ch-full -empty")
        yield ClampedText(2, id="ch-summary", classes="ch-full -empty")
        yield ClampedText(1, id="ch-extra", classes="ch-full -empty")
        with Horizontal(id="ch-latency", classes="ch-full -empty"):
            yield Static(id="ch-latency-text")
            yield LatencySparkline(
                latency_good=self.latency_good, latency_warn=self.latency_warn, id="ch-spark"
            )
        yield ClampedText(1, id="ch-compact")

    def on_mount(self) -> None:
        self._refresh_rows()

    def watch_compact(self, compact: bool) -> None:
        self.set_class(compact, "-compact")

    def on_resize(self, event: Resize) -> None:
        summary = self.query_one("#ch-summary", ClampedText)
        summary.max_lines = 1 if event.size.width < NARROW_BELOW else 2

    # -- public ---------------------------------------------------------------------------------

    def set_conversation(
        self, conversation: Conversation | None, *, source_note: str | None = None
    ) -> None:
        """Show ``conversation`` (None clears the header); ``source_note`` (e.g. "offline copy,
        fetched ... (3 h ago)") is shown prominently when given."""
        self.conversation = conversation
        self.source_note = source_note
        if self.is_mounted:
            self._refresh_rows()

    # -- building the rows ---------------------------------------------------------------------

    def _set_row(self, widget_id: str, content: Content, container_id: str | None = None) -> None:
        row = self.query_one(f"#{widget_id}")
        assert isinstance(row, (Static, ClampedText))
        row.update(content)
        row.set_class(not content, "-empty")
        if container_id is not None:
            self.query_one(f"#{container_id}").set_class(not content, "-empty")

    def _refresh_rows(self) -> None:
        c = self.conversation
        self._stats = latency_stats(c) if c is not None else None  # one pass over the turns
        self._set_row("ch-source", Content(clean_line(self.source_note)))
        score = _finite(c.poly_score) if c is not None else None
        self._set_row("ch-live", Content("IN PROGRESS" if c is not None and c.live else ""))
        badge = self.query_one("#ch-score", Static)
        badge.remove_class(*SCORE_COLOURS)
        cls = score_class(score)
        self._set_row("ch-score", Content(f"PolyScore {format_number(score)}" if cls else ""))
        if cls:
            badge.add_class(cls)
        if c is None:
            self._set_row("ch-ident", Content.styled("No conversation loaded.", "dim"))
        else:
            self._set_row("ch-ident", self._ident(c))
        self._set_row("ch-times", self._times(c) if c else Content(""))
        self._set_row("ch-summary", self._summary(c) if c else Content(""))
        self._set_row("ch-extra", self._extra(c) if c else Content(""))
        self._set_row("ch-latency-text", self._latency(c) if c else Content(""), "ch-latency")
        spark = self.query_one("#ch-spark", LatencySparkline)
        spark.set_values([as_float(t.latency) for t in c.turn_list] if c else [])
        self._set_row("ch-compact", self._compact_line(c))

    def _ident(self, c: Conversation) -> Content:
        numbers = Content("")
        if c.from_number or c.to_number:
            numbers = Content.assemble(
                clean_line(c.from_number) or "?", (" → ", "dim"), clean_line(c.to_number) or "?"
            )
        return _join(
            [
                Content.styled(clean_line(c.conversation_id), "bold"),
                _field("", c.channel),
                _field("", c.direction),
                _field("lang", c.language),
                _field("variant", c.variant_id),
                _field("env", c.client_env),
                numbers,
            ]
        )

    def _when(self, label: str, raw: str | None, parsed: datetime | None) -> Content:
        return _field(label, format_utc(parsed) if parsed is not None else raw)

    def _end(self, c: Conversation) -> Content:
        """The end time; only the clock time when the call ended the (UTC) day it started."""
        start, end = c.start, c.end
        if start is not None and end is not None:
            full = format_utc(end)
            if full[:10] == format_utc(start)[:10] and full.endswith(" UTC"):
                return _field("end", full[11:])
        return self._when("end", c.finished_at, end)

    def _times(self, c: Conversation) -> Content:
        durations: list[Content] = []
        for label, value in (
            ("total", c.total_duration),
            ("PolyAI", c.polyai_duration),
            ("duration", c.duration),
        ):
            if _finite(value) is not None:
                durations.append(_field(label, format_duration(value)))
        if not durations and c.call_seconds is not None and math.isfinite(c.call_seconds):
            durations.append(_field("length", format_duration(c.call_seconds)))
        return _join(
            [
                self._when("start", c.started_at or c.created_at, c.start),
                self._end(c),
                *durations,
                self._handoff(c, reason=True),
            ]
        )

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

    def _extra(self, c: Conversation) -> Content:
        tags = ", ".join(clean_line(tag) for tag in c.tag_list)
        return _join(
            [
                _field("tags", tags, "$accent"),
                _field("API note", c.note, "italic"),
                _field("audio", c.audio_url),
            ]
        )

    def _latency_value(self, label: str, value: float) -> Content:
        kind = latency_class(value, self._ctx) or "good"
        return Content.assemble((f"{label} ", "dim"), (format_latency(value), LATENCY_STYLES[kind]))

    def _latency(self, c: Conversation) -> Content:
        stats = self._stats
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
            (f"  ({len(c.turn_list)} turns)", "dim"),
        )

    def _compact_line(self, c: Conversation | None) -> Content:
        if c is None:
            return Content.styled("No conversation loaded.", "dim")
        parts: list[Content] = []
        if c.live:
            parts.append(Content.styled("IN PROGRESS", "bold auto 90% on $error"))
        score = _finite(c.poly_score)
        cls = score_class(score)
        if cls:
            style = f"bold auto 90% on {SCORE_COLOURS[cls]}"
            parts.append(Content.styled(f"PolyScore {format_number(score)}", style))
        parts.append(Content.styled(clean_line(c.conversation_id), "bold"))
        if self.source_note:
            parts.append(Content.styled(clean_line(self.source_note), "bold $warning"))
        parts.append(_field("", c.channel))
        start = c.start
        if start is not None:
            parts.append(Content(format_utc(start)))
        if c.call_seconds is not None and math.isfinite(c.call_seconds):
            parts.append(Content(format_duration(c.call_seconds)))
        parts.append(self._handoff(c, reason=False))
        stats = self._stats
        if stats is not None:
            parts.append(self._latency_value("p95", stats[1]))
        return _join(parts)
