"""The columns of the cached-call browser and how one stored call fills them.

Every value that came from the API (ID, channel, tags) is passed through ``clean_line`` and
built into ``Content`` as plain text: a tag such as ``[bold]`` shows literally. Times are
absolute (UTC), never "3 min ago", so a screen of them can be compared and snapshotted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from textual.content import Content

from polytui.core.dates import parse_datetime
from polytui.core.facts import LatencyBands, format_clock, format_latency, format_number
from polytui.core.ports import ConversationRow
from polytui.core.text import clean_line

from .header_parts import LATENCY_STYLES, SCORE_COLOURS, score_class

NOTE_MARK = "✎"
GAP = 1  # blank cells between two columns
MISSING = Content.styled("-", "$text-muted")


@dataclass(frozen=True)
class Column:
    key: str  # one of polytui.core.ports.SORT_KEYS: the column sorts by it
    label: str
    width: int  # cells, room for the label and the sort arrow; tags widen to fill the screen
    right: bool = False  # numbers line up on the right
    descending_first: bool = True  # the first click (or `s`) sorts biggest / newest first


COLUMNS: tuple[Column, ...] = (
    Column("note_count", NOTE_MARK, 3),
    Column("started_at", "Started (UTC)", 16),
    Column("conversation_id", "ID", 36, descending_first=False),
    Column("channel", "Channel", 9, descending_first=False),
    Column("duration", "Length", 8, right=True),
    Column("turn_count", "Turns", 7, right=True),
    Column("handoff", "Handoff", 9),
    Column("poly_score", "Score", 7, right=True),
    Column("max_latency", "Max lat", 9, right=True),
    Column("tags", "Tags", 12, descending_first=False),
    Column("fetched_at", "Fetched (UTC)", 16),
)
FLEX = "tags"  # the column that takes the room the others leave
COLUMN_BY_KEY = {column.key: column for column in COLUMNS}


def column_widths(available: int, columns: tuple[Column, ...] = COLUMNS) -> list[int]:
    """Each column's width for a view ``available`` cells wide: the last column that is not
    a time (the tags) grows into spare room; when there is none the table is wider than the
    view and scrolls sideways."""
    fixed = sum(c.width for c in columns) + GAP * (len(columns) - 1)
    spare = max(0, available - fixed)
    flex = FLEX if columns is COLUMNS else columns[-1].key
    return [c.width + (spare if c.key == flex else 0) for c in columns]


def _starts(widths: list[int]) -> list[int]:
    starts, left = [], 0
    for width in widths:
        starts.append(left)
        left += width + GAP
    return starts


def scroll_width(widths: list[int], view: int) -> int:
    """The width a table with columns of ``widths`` scrolls over in a view ``view`` cells wide:
    its own, or more, so that panned to the end its left edge is still a column's start
    (blank room after the last column, never a column cut at the left)."""
    table = sum(widths) + GAP * (len(widths) - 1) if widths else 0
    if table <= view:
        return table
    end = next(start for start in _starts(widths) if start >= table - view)
    return max(table, end + view)


def pan_target(widths: list[int], x: int, direction: int, view: int) -> int:
    """Where a table with columns of ``widths`` scrolls from ``x`` when panned a column right
    (``direction`` > 0) or left: the next column's start, so the left edge is never the last
    digits of one, and no further than the end ``scroll_width`` allows."""
    starts = _starts(widths)
    if direction > 0:
        target = next((start for start in starts if start > x), x)
    else:
        target = next((start for start in reversed(starts) if start < x), 0)
    return max(0, min(target, scroll_width(widths, view) - view))


def fit(content: Content, width: int, *, right: bool = False, middle: bool = False) -> Content:
    """``content`` cut (with an ellipsis) or padded to exactly ``width`` cells. ``middle``: a
    value too long loses its middle rather than its end (an ID: ``LOCAL-7c1e2a90-5b3…
    2d4c8b0a1f37``), so that calls whose IDs begin alike can still be told apart."""
    if content.cell_length > width:
        if middle and width >= 5 and content.cell_length == len(content.plain):
            tail = (width - 1) // 2
            return Content.assemble(content[: width - 1 - tail], "…", content[-tail:])
        return content.truncate(width, ellipsis=True)
    room = width - content.cell_length
    return content.pad(room, 0) if right else content.pad_right(room)


def short_time(value: datetime | str | None) -> str:
    """``2025-01-06 08:03`` in UTC; "" when absent or unreadable."""
    moment = parse_datetime(value) if isinstance(value, str) or value is None else value
    if moment is None:
        return ""
    try:
        return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M}"
    except (OverflowError, ValueError):  # a date at the very edge of the calendar
        return f"{moment:%Y-%m-%d %H:%M}"


def clock(seconds: float | None) -> str:
    """A call's length as ``m:ss`` or ``h:mm:ss``; "" when unknown (``core.facts``)."""
    return format_clock(seconds)


def _text(value: str, style: str = "") -> Content:
    return Content.styled(value, style) if value else MISSING


def cells(row: ConversationRow, *, latency_good: float, latency_warn: float) -> list[Content]:
    """One Content per column (not yet fitted to the widths)."""
    notes = row.note_count
    note = Content.styled(f"{NOTE_MARK}{notes}", "bold $accent") if notes else Content("")
    score = row.poly_score
    score_style = SCORE_COLOURS.get(score_class(score) or "", "")
    band = LatencyBands(latency_good, latency_warn).band(row.max_latency)
    if row.in_progress:
        length = Content.styled("live", "bold $warning")
    else:
        length = _text(clock(row.duration))
    if row.handoff is None:
        handoff = MISSING
    else:
        handoff = Content.styled("yes", "$warning") if row.handoff else Content("no")
    tags = ", ".join(clean_line(tag) for tag in row.tags)
    return [
        note,
        _text(short_time(row.started_at)),
        Content.styled(clean_line(row.conversation_id), "bold"),
        _text(clean_line(row.channel or "")),
        length,
        Content(str(row.turn_count)),
        handoff,
        _text(format_number(score), f"bold {score_style}".strip()),
        _text(format_latency(row.max_latency), LATENCY_STYLES.get(band or "", "")),
        _text(tags, "$text-muted"),
        _text(short_time(row.fetched_at)),
    ]
