"""The header's parts, as plain functions of their values: badges, fields, and how rows are
wrapped, packed and filled to a width, and the latency sparkline (``CallHeader`` lays them out).

Every value from the API goes through ``clean_line`` and is built into ``Content`` as plain text
(never markup)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime

from textual.content import Content

from polytui.core.facts import LatencyBands, format_number
from polytui.core.numbers import finite as _finite
from polytui.core.queues import STATUS_WORDS, QueueItem
from polytui.core.text import clean_line

SEPARATOR = (" · ", "dim")
NARROW_BELOW = 100  # columns under which the summary gets one line instead of two
BLOCKS = "▁▂▃▄▅▆▇█"
MISSING_BAR = "·"
LATENCY_STYLES = {"good": "$success", "warn": "$warning", "slow": "bold $error"}
SCORE_COLOURS = {"-good": "$success", "-warn": "$warning", "-bad": "$error"}
LIVE_COLOUR = "$error"
SOURCE_STYLE = "bold $warning"
#: A queue item's status badge colour, and its verdict's.
REVIEW_COLOURS = {
    "pending": "$panel-lighten-2",
    "in_review": "$accent",
    "done": "$success",
    "skipped": "$panel-lighten-2",
    "flagged": "$warning",
}
VERDICT_COLOURS = {"pass": "$success", "fail": "$error"}
SPARK_MIN_WIDTH = 8
SPARK_GAP = 2  # cells between the latency figures and the sparkline
#: Rows of the full header, top to bottom, with the most lines each may take.
ROW_LINES = {"source": 2, "ident": 2, "times": 2, "summary": 2, "extra": 2}


def score_class(score: float | None) -> str | None:
    """PolyAI's badge colours: 5 green ("-good"), 3-4 amber ("-warn"), 1-2 red ("-bad"); None
    for a score outside that 1-5 scale (the real API has sent 6.0: shown plain, no colour)."""
    if score is None or not math.isfinite(score) or not 1 <= score <= 5:
        return None
    if score >= 5:
        return "-good"
    if score >= 3:
        return "-warn"
    return "-bad"


def score_badge(score: float | None, cls: str | None) -> Content:
    """The PolyScore badge, coloured where the scale is known, plain where it is not."""
    if score is None:
        return Content("")
    if cls is None:
        return Content.styled(f" PolyScore {format_number(score)} ", "bold reverse")
    return badge(f"PolyScore {format_number(score)}", SCORE_COLOURS[cls])


def format_utc(value: datetime) -> str:
    """``2026-11-25 14:03:05 UTC`` whatever the machine's time zone."""
    try:
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    except (OverflowError, ValueError):  # a date at the very edge of the calendar
        return value.replace(microsecond=0).isoformat(sep=" ")


def join_parts(parts: Sequence[Content]) -> Content:
    """Parts separated by a dim middle dot; empty parts are dropped."""
    kept = [part for part in parts if part]
    return Content.styled(*SEPARATOR).join(kept) if kept else Content("")


def field_part(label: str, value: str | None, style: str = "") -> Content:
    """``label value`` with a dim label, or empty Content when the value is missing."""
    text = clean_line(value)
    if not text:
        return Content("")
    if not label:
        return Content.styled(text, style) if style else Content(text)
    return Content.assemble((f"{label} ", "dim"), (text, style))


def badge(text: str, colour: str) -> Content:
    """``text`` on ``colour`` with a cell of the colour either side (bold text only)."""
    if not text:
        return Content("")
    return Content.assemble(
        (" ", f"on {colour}"), (text, f"bold auto 90% on {colour}"), (" ", f"on {colour}")
    )


def clamp(content: Content, width: int, max_lines: int) -> list[Content]:
    """``content`` wrapped to ``width`` and cut to ``max_lines`` (the last line kept ends in an
    ellipsis), so one long API value cannot push the transcript off the screen."""
    if width <= 0 or not content:
        return []
    max_lines = max(1, max_lines)
    lines = content.wrap(width)
    if len(lines) > max_lines:
        # The last kept line carries on with the rest of the text, cut at the edge: a long word
        # (a URL) that wrapped to a dropped line still shows its start.
        keep = max_lines - 1
        rest = Content(" ").join(line.rstrip() for line in lines[keep:])
        lines = lines[:keep] + [rest.truncate(max(1, width - 1)) + Content("…")]
    return lines


def pack(parts: Sequence[Content], width: int, max_lines: int) -> list[Content]:
    """``parts`` (values such as "PolyAI 2m 18s") laid out along lines of ``width`` cells,
    separated by a dim dot, each part whole on its line: a line breaks between two parts,
    never inside one. A part wider than a line (a URL) is cut at the edge with an ellipsis;
    when more parts follow than ``max_lines`` hold, the last line ends with " …"."""
    kept = [part for part in parts if part]
    if width <= 0 or not kept:
        return []
    separator = Content.styled(*SEPARATOR)

    def cut(content: Content) -> Content:
        return (
            content if content.cell_length <= width else content.truncate(width - 1) + Content("…")
        )

    lines: list[Content] = []
    line = Content("")
    for index, part in enumerate(kept):
        if line and line.cell_length + separator.cell_length + part.cell_length <= width:
            line = line + separator + part
            continue
        if line:
            if len(lines) + 1 == max(1, max_lines):  # the last line: what fits whole, then …
                more = Content(" …")
                for rest in kept[index:]:
                    wider = line + separator + rest
                    if wider.cell_length + more.cell_length > width:
                        break
                    line = wider
                lines.append(cut(line + more))
                return lines
            lines.append(line)
        line = cut(part)
    lines.append(line)
    return lines


def fill(parts: Sequence[tuple[int, Content]], width: int) -> Content:
    """One line of the ``(rank, part)`` pairs that fit whole, shown in their order: the parts
    of lowest rank are placed first, so a more important part is never left out for a lesser
    one. The most important part is cut to the width when even it alone does not fit."""
    kept = [(rank, index, part) for index, (rank, part) in enumerate(parts) if part]
    if width <= 0 or not kept:
        return Content("")
    separator = Content.styled(*SEPARATOR)
    chosen: dict[int, Content] = {}
    used = -separator.cell_length
    for _, index, part in sorted(kept):
        cells = separator.cell_length + part.cell_length
        if not chosen and part.cell_length > width:
            chosen[index] = part.truncate(width - 1) + Content("…")
            break
        if used + cells <= width:
            chosen[index] = part
            used += cells
    return separator.join(chosen[index] for index in sorted(chosen))


def render_sparkline(
    values: Sequence[float | None], width: int, latency_good: float, latency_warn: float
) -> Content:
    """One line of block characters, one per turn (or per bucket of turns when there are more
    turns than cells: a bucket shows its slowest turn), coloured by the latency thresholds.
    Bars share one scale topped at the slowest turn or ``latency_warn``, whichever is higher,
    so a fast call looks low. A turn without a latency shows as a dim dot."""
    if width <= 0 or not values:
        return Content("")
    finite = [_finite(x) for x in values]
    per_cell = max(1, math.ceil(len(finite) / width))
    buckets: list[float | None] = []
    for start in range(0, len(finite), per_cell):
        known = [v for v in finite[start : start + per_cell] if v is not None]
        buckets.append(max(known) if known else None)
    known_all = [v for v in buckets if v is not None]
    top = max([latency_warn, *known_all]) if known_all else latency_warn
    bands = LatencyBands(latency_good, latency_warn)
    parts: list[tuple[str, str]] = []
    for value in buckets:
        if value is None:
            bar, style = MISSING_BAR, "dim"
        else:
            level = 0 if top <= 0 else round(max(0.0, value) / top * (len(BLOCKS) - 1))
            bar, style = (
                BLOCKS[min(len(BLOCKS) - 1, level)],
                LATENCY_STYLES[bands.band(value) or "good"],
            )
        if parts and parts[-1][1] == style:  # one span a run of one colour: quicker to draw
            parts[-1] = (parts[-1][0] + bar, style)
        else:
            parts.append((bar, style))
    return Content.assemble(*parts)


def review_badges(item: QueueItem | None) -> Content:
    """``DONE`` ``FAIL``: the status (and verdict) of a call opened from a queue."""
    if item is None:
        return Content("")
    status = badge(STATUS_WORDS[item.status].upper(), REVIEW_COLOURS[item.status])
    if not item.verdict:
        return status
    return Content.assemble(status, " ", badge(item.verdict.upper(), VERDICT_COLOURS[item.verdict]))
