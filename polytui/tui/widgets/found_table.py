"""The calls a listing found (the Find view), in a virtual table like the stored-call browser's.

A Line API ScrollView: it draws only the lines on screen, from the calls listed so far (the
screen adds a page at a time). When the last lines come on screen and the listing has more, it
asks for the next page (``NeedMore``, once until the page arrives) and draws a loading row at
the end meanwhile; ``render_line`` never waits for the network. The first column marks calls
already stored (they open offline). Every value from the API goes through ``clean_line`` into
``Content`` as plain text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from textual import events
from textual.cache import LRUCache
from textual.content import Content
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip

from polytui.core.facts import format_number
from polytui.core.listed import ListedCall
from polytui.core.text import clean_line
from polytui.tui.keys import bind

from .call_columns import GAP, MISSING, clock, fit, short_time
from .table_view import TableView

AHEAD = 10  # lines before the end at which the next page is asked for
STORED_MARK = "●"
LOADING = "Loading more calls…"
MORE = "More calls: scroll down to list them."


@dataclass(frozen=True)
class FoundColumn:
    label: str
    width: int
    right: bool = False


FOUND_COLUMNS: tuple[FoundColumn, ...] = (
    FoundColumn(STORED_MARK, 1),
    FoundColumn("Started (UTC)", 16),
    FoundColumn("ID", 36),
    FoundColumn("Channel", 9),
    FoundColumn("Length", 8, right=True),
    FoundColumn("Turns", 5, right=True),
    FoundColumn("Handoff", 7),
    FoundColumn("Silences", 8, right=True),
    FoundColumn("OOD", 4, right=True),
    FoundColumn("Variant", 10),
)
_FLEX = len(FOUND_COLUMNS) - 1  # the variant column takes the room the others leave


def found_widths(available: int) -> list[int]:
    fixed = sum(c.width for c in FOUND_COLUMNS) + GAP * (len(FOUND_COLUMNS) - 1)
    spare = max(0, available - fixed)
    return [c.width + (spare if i == _FLEX else 0) for i, c in enumerate(FOUND_COLUMNS)]


def _number(value: float | int | None) -> Content:
    text = format_number(value)
    return Content(text) if text else MISSING


def found_cells(call: ListedCall, stored: bool) -> list[Content]:
    """One Content per column (not yet fitted)."""
    if call.in_progress:
        length = Content.styled("live", "bold $warning")
    else:
        seconds = call.total_duration
        length = Content(clock(float(seconds))) if seconds is not None else MISSING
    if call.handoff is None:
        handoff = MISSING
    else:
        handoff = Content.styled("yes", "$warning") if call.handoff else Content("no")
    started = short_time(call.started_at)
    return [
        Content.styled(STORED_MARK, "$success") if stored else Content(""),
        Content(started) if started else MISSING,
        Content.styled(clean_line(call.conversation_id), "bold"),
        Content(clean_line(call.channel)) if call.channel else MISSING,
        length,
        _number(call.num_turns),
        handoff,
        _number(call.num_silences),
        _number(call.num_ood),
        Content(clean_line(call.variant)) if call.variant else MISSING,
    ]


class FoundTable(TableView, can_focus=True):
    """Listed calls, one per line, under a fixed header line."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"found-table--header", "found-table--cursor", "found-table--message"}
    DEFAULT_CSS = """
    FoundTable { height: 1fr; scrollbar-size-vertical: 1; }
    FoundTable > .found-table--header { text-style: bold; background: $panel; }
    FoundTable > .found-table--cursor { background: $block-cursor-blurred-background; }
    FoundTable:focus > .found-table--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: $block-cursor-text-style;
    }
    FoundTable > .found-table--message { color: $text-muted; }
    """
    # By the keymap's ids, as every list (polytui.core.keys): remapped everywhere at once.
    BINDINGS = [
        bind("open", "open", "Open", tooltip="Open the selected call"),
        bind("down", "cursor(1)", "Next call", show=False),
        bind("up", "cursor(-1)", "Previous call", show=False),
        bind("first", "first", "First call", show=False),
        bind(
            "last",
            "last",
            "Last call listed",
            show=False,
            tooltip="The last call listed so far (the next page is asked for there)",
        ),
        bind("page_down", "page(1)", "Page down", show=False),
        bind("page_up", "page(-1)", "Page up", show=False),
        bind("half_page_down", "page(1)", "Page down", show=False),
        bind("half_page_up", "page(-1)", "Page up", show=False),
        bind("pan_right", "pan(1)", "Scroll right", show=False),
        bind("pan_left", "pan(-1)", "Scroll left", show=False),
    ]

    class Selected(Message):
        def __init__(self, call: ListedCall) -> None:
            super().__init__()
            self.call = call

    class Highlighted(Message):
        def __init__(self, call: ListedCall | None) -> None:
            super().__init__()
            self.call = call

    class NeedMore(Message):
        """The end of what is listed is near and the listing has more: list the next page."""

    def __init__(self, *, empty_text: str, id: str | None = None) -> None:
        self._strips: LRUCache[tuple[int, bool], Strip] = LRUCache(256)
        super().__init__(id=id)
        self.empty_text = empty_text
        self.calls: list[ListedCall] = []
        self.stored: set[str] = set()
        self.more = False  # the listing has more pages
        # A page is on its way. (Not Textual's ``loading``: that one covers the widget with an
        # indicator and takes its keys away; this table keeps both while it lists more.)
        self.page_in_flight = False
        self.problem: str | None = None  # why the last page could not be listed
        self.cursor = 0
        self._asked = False
        self._widths = found_widths(0)

    # -- what is shown -------------------------------------------------------------------------

    @property
    def count(self) -> int:
        return len(self.calls)

    @property
    def cursor_call(self) -> ListedCall | None:
        return self.calls[self.cursor] if 0 <= self.cursor < len(self.calls) else None

    def show(self, calls: Sequence[ListedCall], *, more: bool, stored: Iterable[str] = ()) -> None:
        """Replace the listing (a new search, or a kept one reopened)."""
        self.calls = list(calls)
        self.stored = set(stored)
        self.more, self.page_in_flight, self.problem, self._asked = more, False, None, False
        self.cursor = 0
        self._changed()
        self.scroll_to(0, 0, animate=False, immediate=True)
        self.post_message(self.Highlighted(self.cursor_call))

    def extend(
        self, calls: Sequence[ListedCall], *, more: bool, stored: Iterable[str] = ()
    ) -> None:
        """The next page arrived."""
        self.calls.extend(calls)
        self.stored.update(stored)
        self.more, self.page_in_flight, self.problem, self._asked = more, False, None, False
        self._changed()
        if len(self.calls) == len(calls):
            self.post_message(self.Highlighted(self.cursor_call))

    def set_in_flight(self, in_flight: bool) -> None:
        self.page_in_flight = in_flight
        self._changed()

    def failed(self, problem: str) -> None:
        """The next page could not be listed: said on the last line (kept calls stay)."""
        self.page_in_flight, self.problem = False, problem
        self._changed()

    def mark_stored(self, ids: Iterable[str]) -> None:
        self.stored = set(ids)
        self._strips.clear()
        self.refresh()

    def _changed(self) -> None:
        self._strips.clear()
        self._sync_size()
        self.refresh()

    @property
    def _tail(self) -> int:
        """Lines after the calls: one while a page is on its way, more remain, or it failed."""
        return 1 if (self.page_in_flight or self.more or self.problem) and self.calls else 0

    # -- geometry ------------------------------------------------------------------------------

    def _sync_size(self) -> None:
        self._widths = found_widths(self.scrollable_content_region.width)
        if self.calls:
            self.virtual_size = Size(self._table_width, len(self.calls) + self._tail + 1)
        else:
            self.virtual_size = Size(self.scrollable_content_region.width, 1)

    # -- drawing -------------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        view_width = self.scrollable_content_region.width
        blank = Strip.blank(view_width, self.visual_style.rich_style)
        if not self.calls:
            if y != 0:
                return blank
            if self.page_in_flight:
                text = Content("Listing…")
            elif self.problem:
                text = Content.styled(self.problem, "$error")
            else:
                text = Content(self.empty_text)
            return self._line(text, "found-table--message", view_width)
        scroll_x = round(self.scroll_x)
        if y == 0:
            strip = self._line(self._header(), "found-table--header", self._table_width)
        else:
            index = round(self.scroll_y) + y - 1
            if index < len(self.calls):
                strip = self._row_strip(index)
                if index >= len(self.calls) - AHEAD:
                    self._want_more()
            elif index == len(self.calls) and self._tail:
                self._want_more()
                strip = self._line(self._tail_text(), "found-table--message", self._table_width)
            else:
                return blank
        return strip.crop_extend(scroll_x, scroll_x + view_width, self.visual_style.rich_style)

    def _tail_text(self) -> Content:
        if self.problem:
            return Content.styled(self.problem, "$error")
        return Content(LOADING if self.page_in_flight else MORE)

    def _want_more(self) -> None:
        """Ask for the next page once (not from inside ``render_line``: after it)."""
        if self.more and not self.page_in_flight and not self.problem and not self._asked:
            self._asked = True
            self.call_later(self.post_message, self.NeedMore())

    def _header(self) -> Content:
        parts = [
            fit(Content(column.label), width, right=column.right)
            for column, width in zip(FOUND_COLUMNS, self._widths, strict=True)
        ]
        return Content(" " * GAP).join(parts)

    def _row_strip(self, index: int) -> Strip:
        is_cursor = index == self.cursor
        cached = self._strips.get((index, is_cursor))
        if cached is not None:
            return cached
        call = self.calls[index]
        values = found_cells(call, call.conversation_id in self.stored)
        content = Content(" " * GAP).join(
            fit(value, width, right=column.right, middle=column.label == "ID")
            for value, column, width in zip(values, FOUND_COLUMNS, self._widths, strict=True)
        )
        strip = self._line(content, "found-table--cursor" if is_cursor else "", self._table_width)
        self._strips[(index, is_cursor)] = strip
        return strip

    # -- keys and mouse ------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open":
            return bool(self.calls)
        return True

    def move_to(self, index: int) -> None:
        if not self.calls:
            return
        index = max(0, min(index, len(self.calls) - 1))
        if index != self.cursor:
            self.cursor = index
            self._strips.clear()
            self.refresh()
            self.post_message(self.Highlighted(self.cursor_call))
        self._reveal()
        if index >= len(self.calls) - AHEAD:
            self._want_more()

    def action_open(self) -> None:
        call = self.cursor_call
        if call is not None:
            self.post_message(self.Selected(call))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or not self.calls or offset.y == 0:
            return
        event.stop()
        index = round(self.scroll_y) + offset.y - 1
        if index >= len(self.calls):
            return
        if index == self.cursor:
            self.action_open()
        else:
            self.move_to(index)
