"""The cached-call browser: every stored call in one table that stays instant at 10,000 calls.

A Line API ScrollView, not a widget per row. On (re)load it opens the listing for its order and
filter (``call_pages.Listed``) and asks, in a worker, how many calls it lists and for the page
on screen (where the selected call now is, when it follows one), and shows them together:
nothing is read for the calls off screen, so the first paint costs the same with 100 stored
calls or 100,000. Other pages are read when their lines come on screen (the stored calls' next
page walks on from the page before), also in a worker, and kept in a small LRU; until a page
arrives its lines are drawn as placeholders (as toolong does), so ``render_line`` never waits
for the store. Drawn lines are cached as Strips. The header line stays put while the rows
scroll.
"""

from __future__ import annotations

from textual import events, work
from textual.cache import LRUCache
from textual.content import Content
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip

from polytui.core.errors import PolytuiError
from polytui.core.ports import ConversationKey, ConversationRow
from polytui.core.text import clean_line

from ..keys import bind
from .call_columns import (
    COLUMN_BY_KEY,
    COLUMNS,
    GAP,
    cells,
    column_widths,
    fit,
)
from .call_pages import PAGE, CallListing, Listed, Order, Page, StoreListed, pages_on_screen
from .table_view import TableView

UP, DOWN = "▲", "▼"
READING = "Reading the stored calls…"
PENDING = "…"  # a row whose page is on its way


class CallTable(TableView, can_focus=True):
    """Stored calls, one per line, under a header showing the sort column and direction.

    ``listing`` is asked whenever the table needs the store (reading it may fail: the table
    then shows why, in one line)."""

    ALLOW_SELECT = False
    COLUMNS = COLUMNS  # a table of other rows (a review queue's) brings its own
    COMPONENT_CLASSES = {
        "call-table--header",
        "call-table--cursor",
        "call-table--message",
    }
    DEFAULT_CSS = """
    CallTable { height: 1fr; scrollbar-size-vertical: 1; }
    CallTable > .call-table--header { text-style: bold; background: $panel; }
    CallTable > .call-table--cursor { background: $block-cursor-blurred-background; }
    CallTable:focus > .call-table--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: $block-cursor-text-style;
    }
    CallTable > .call-table--message { color: $text-muted; }
    """
    BINDINGS = [
        bind("open", "open", "Open", tooltip="Open the selected call"),
        bind(
            "delete",
            "delete",
            "Delete",
            tooltip="Delete the selected call from the store (its notes stay)",
        ),
        bind("sort", "sort", "Sort", tooltip="Sort by a column: pick it from a list"),
        bind("reverse", "reverse", "Reverse", tooltip="Reverse the sort order"),
        bind("refresh", "refresh", "Refresh", show=False, tooltip="Read the store again"),
        bind("down", "cursor(1)", "Next call", show=False),
        bind("up", "cursor(-1)", "Previous call", show=False),
        bind("first", "first", "First call", show=False),
        bind("last", "last", "Last call", show=False),
        bind("page_down", "page(1)", "Page down", show=False),
        bind("page_up", "page(-1)", "Page up", show=False),
        bind("half_page_down", "page(1, True)", "Half a page down", show=False),
        bind("half_page_up", "page(-1, True)", "Half a page up", show=False),
        bind("pan_right", "pan(1)", "Scroll right", show=False),
        bind("pan_left", "pan(-1)", "Scroll left", show=False),
    ]

    class Selected(Message):
        """Enter (or a click on the selected row): open this call."""

        def __init__(self, row: ConversationRow) -> None:
            super().__init__()
            self.row = row

    class DeleteRequested(Message):
        def __init__(self, row: ConversationRow) -> None:
            super().__init__()
            self.row = row

    class SortRequested(Message):
        """The sort key: the screen offers the columns."""

    class Highlighted(Message):
        """The cursor is on another call (None: no call)."""

        def __init__(self, row: ConversationRow | None) -> None:
            super().__init__()
            self.row = row

    class Reloaded(Message):
        """The listing was read again: how many calls (``total``: of how many stored, when a
        filter is on), in which order."""

        def __init__(
            self,
            count: int,
            order_by: str,
            descending: bool,
            problem: str | None,
            total: int | None = None,
        ) -> None:
            super().__init__()
            self.count = count
            self.order_by = order_by
            self.descending = descending
            self.problem = problem
            self.total = total

    def __init__(
        self,
        listing: CallListing,
        *,
        latency_good: float,
        latency_warn: float,
        empty_text: str,
        id: str | None = None,
    ) -> None:
        self._strips: LRUCache[tuple[int, bool], Strip] = LRUCache(256)
        super().__init__(id=id)
        self._listing = listing
        self._latency = (latency_good, latency_warn)
        self.empty_text = empty_text
        self.order_by = "started_at"
        self.descending = True
        self.text_filter = ""
        self.cursor = 0
        self.problem: str | None = None  # why the store could not be read, shown instead
        self._count = 0  # calls listed
        self._listed: Listed | None = None  # the listing shown, which reads its pages
        self._pages: LRUCache[int, Page] = LRUCache(32)
        self._asked: set[int] = set()  # pages asked for (or failed) since the listing came
        self._generation = 0  # bumped whenever the listing is replaced: late pages are dropped
        self._read = False  # the first listing has arrived
        self._announce_cursor = False  # Highlighted is due once the cursor's page arrives
        self._widths = column_widths(0, self.COLUMNS)

    # -- what is listed -----------------------------------------------------------------------

    @property
    def count(self) -> int:
        return self._count

    async def listed_keys(self) -> list[ConversationKey]:
        """Every call listed, in the order shown (reads them all: for making a queue)."""
        return [] if self._listed is None else await self._listed.keys()

    @property
    def cursor_row(self) -> ConversationRow | None:
        return self.row_at(self.cursor)

    def reload(self, *, follow: ConversationKey | None = None, top: bool = False) -> None:
        """Read the order again (in a worker; what is shown stays until it arrives). The cursor
        stays on the call it was on (or ``follow``) when that call is still listed, else on the
        same line; ``top`` sends it to the first line."""
        current = follow or (None if top else self._key_at(self.cursor))
        self._read_order(current, top)

    async def _open(self, order: Order) -> Listed:
        """The listing of ``order`` (a table of other calls opens its own)."""
        return StoreListed(self._listing, order)

    @work(group="call-order", exclusive=True, exit_on_error=False)
    async def _read_order(self, current: ConversationKey | None, top: bool) -> None:
        order = Order(self.order_by, self.descending, self.text_filter or None)
        listed: Listed | None = None
        problem, total, count = None, None, 0
        index = 0 if top else self.cursor
        pages: dict[int, Page] = {}
        try:
            listed = await self._open(order)
            count, total = await listed.count()
            if current is not None:
                found = await listed.position(current)
                index = index if found is None else found
            index = max(0, min(index, count - 1))
            on_screen = pages_on_screen(index, count, round(self.scroll_y), self._rows_visible)
            # The page(s) on screen come with the count: no placeholder flashes by.
            for number in on_screen:
                pages[number] = await listed.read(number)
        except PolytuiError as exc:
            problem = clean_line(str(exc))
        self._show_order(listed, count, index, pages, problem, total)

    def _show_order(
        self,
        listed: Listed | None,
        count: int,
        index: int,
        pages: dict[int, Page],
        problem: str | None,
        total: int | None,
    ) -> None:
        self._listed, self._count, self.problem, self._read = listed, count, problem, True
        self._generation += 1
        self._pages.clear()
        self._asked.clear()
        for number, page in pages.items():
            self._pages[number] = page
        self._strips.clear()
        self.cursor = index
        self._sync_size()
        self._reveal()
        self.refresh()
        self.post_message(self.Reloaded(count, self.order_by, self.descending, self.problem, total))
        self._highlight()
        self.refresh_bindings()  # Open and Delete depend on there being calls

    def set_filter(self, text: str) -> None:
        self.text_filter = text.strip()
        self.reload(top=True)

    def sort_by(self, key: str, descending: bool | None = None) -> None:
        """Sort by column ``key``; without ``descending``, the column's own first direction
        (again on the sort column: the other direction)."""
        column = COLUMN_BY_KEY[key]
        if descending is None:
            descending = not self.descending if key == self.order_by else column.descending_first
        self.order_by, self.descending = key, descending
        self.reload()

    def row_at(self, index: int) -> ConversationRow | None:
        """The row on line ``index`` (0-based) when its page has arrived (None otherwise, and
        past the end). Never reads the store."""
        if not 0 <= index < self._count:
            return None
        page = self._pages.get(index // PAGE)
        if page is None or index % PAGE >= len(page):
            return None
        return page[index % PAGE]

    async def row_read(self, index: int) -> ConversationRow | None:
        """The row on line ``index``, read from the store if its page has not arrived."""
        row = self.row_at(index)
        if row is not None or not 0 <= index < self._count or self._listed is None:
            return row
        try:
            page = await self._listed.read(index // PAGE)
        except PolytuiError as exc:
            self.notify(clean_line(str(exc)), severity="error", markup=False)
            return None
        return page[index % PAGE] if index % PAGE < len(page) else None

    def _want_page(self, number: int) -> None:
        """Ask for page ``number`` (once per listing); its lines are redrawn when it comes."""
        if number in self._asked:
            return
        self._asked.add(number)
        self.call_later(self._fetch_page, number, self._generation)

    def _fetch_page(self, number: int, generation: int) -> None:
        if generation == self._generation and self._listed is not None:
            work = self._page_arrives(self._listed, number, generation)
            self.run_worker(work, group="call-pages", exit_on_error=False)

    async def _page_arrives(self, listed: Listed, number: int, generation: int) -> None:
        try:
            page = await listed.read(number)
        except PolytuiError as exc:  # left asked for: not read again until the next reload
            if generation == self._generation:
                self.problem = clean_line(str(exc))
                self._strips.clear()
                self.refresh()
            return
        if generation != self._generation:
            return
        self._pages[number] = page
        self._asked.discard(number)  # the LRU may drop it later: then it is asked for again
        self._strips.clear()
        self.refresh()
        if self._announce_cursor and self.cursor // PAGE == number:
            self._highlight()

    def _highlight(self) -> None:
        """Tell the screen which call the cursor is on, now or once its row has arrived."""
        row = self.row_at(self.cursor)
        if 0 <= self.cursor < self._count and self._pages.get(self.cursor // PAGE) is None:
            self._announce_cursor = True
            self._want_page(self.cursor // PAGE)
            return
        self._announce_cursor = False
        self.post_message(self.Highlighted(row))

    def _key_at(self, index: int) -> ConversationKey | None:
        row = self.row_at(index)
        return None if row is None else (row.agent, row.conversation_id)

    # -- geometry -----------------------------------------------------------------------------

    def _sync_size(self) -> None:
        self._widths = column_widths(self.scrollable_content_region.width, self.COLUMNS)
        if self._count:
            self.virtual_size = Size(self._table_width, self._count + 1)
        else:  # one message line: nothing to scroll
            self.virtual_size = Size(self.scrollable_content_region.width, 1)

    # -- drawing ------------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        view_width = self.scrollable_content_region.width
        scroll_x = round(self.scroll_x)
        if not self._count:
            if y == 0:
                message = self._empty_message() if self._read else Content(READING)
                return self._line(message, "call-table--message", view_width)
            return Strip.blank(view_width, self.visual_style.rich_style)
        if y == 0:
            strip = self._line(self._header(), "call-table--header", self._table_width)
        else:
            index = round(self.scroll_y) + y - 1
            if index >= self._count:
                return Strip.blank(view_width, self.visual_style.rich_style)
            strip = self._row_strip(index)
        return strip.crop_extend(scroll_x, scroll_x + view_width, self.visual_style.rich_style)

    def _empty_message(self) -> Content:
        if self.problem:
            return Content.styled(self.problem, "$error")
        if self.text_filter:
            words = clean_line(self.text_filter)
            return Content(f"No stored call matches “{words}”. Escape clears the filter.")
        return Content(self.empty_text)

    def _header(self) -> Content:
        parts = []
        for column, width in zip(self.COLUMNS, self._widths, strict=True):
            label = column.label
            if column.key == self.order_by:
                arrow = DOWN if self.descending else UP
                text = Content.styled(f"{label} {arrow}", "$accent")
            else:
                text = Content(label)
            parts.append(fit(text, width, right=column.right))
        return Content(" " * GAP).join(parts)

    def _row_strip(self, index: int) -> Strip:
        is_cursor = index == self.cursor
        cached = self._strips.get((index, is_cursor))
        if cached is not None:
            return cached
        page = self._pages.get(index // PAGE)
        if page is None:  # on its way: a placeholder, not cached, and no waiting here
            self._want_page(index // PAGE)
            text = self.problem if index // PAGE in self._asked and self.problem else PENDING
            return self._line(Content.styled(text, "$text-muted"), "", self._table_width)
        content = self._row_content(index, page[index % PAGE] if index % PAGE < len(page) else None)
        component = "call-table--cursor" if is_cursor else ""
        strip = self._line(content, component, self._table_width)
        self._strips[(index, is_cursor)] = strip
        return strip

    def _row_content(self, index: int, row: ConversationRow | None) -> Content:
        """Line ``index``'s cells (``row`` None: that call is no longer stored)."""
        if row is None:
            return Content.styled(self.problem or "(no longer stored)", "$text-muted")
        good, warn = self._latency
        return self._join_cells(cells(row, latency_good=good, latency_warn=warn))

    def _join_cells(self, values: list[Content]) -> Content:
        return Content(" " * GAP).join(
            fit(value, width, right=column.right, middle=column.key == "conversation_id")
            for value, column, width in zip(values, self.COLUMNS, self._widths, strict=True)
        )

    # -- keys and mouse -----------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("open", "delete"):
            return bool(self._count)
        return True

    def move_to(self, index: int) -> None:
        if not self._count:
            return
        index = max(0, min(index, self._count - 1))
        if index != self.cursor:
            self.cursor = index
            self.refresh()
            self._highlight()
        self._reveal()

    async def action_open(self) -> None:
        row = await self.row_read(self.cursor)
        if row is not None:
            self.post_message(self.Selected(row))

    async def action_delete(self) -> None:
        row = await self.row_read(self.cursor)
        if row is not None:
            self.post_message(self.DeleteRequested(row))

    def action_sort(self) -> None:
        """Pick the column from a list (the screen shows it: ``SortRequested``)."""
        self.post_message(self.SortRequested())

    def action_reverse(self) -> None:
        self.sort_by(self.order_by, not self.descending)

    def action_refresh(self) -> None:
        self.reload()
        self.notify("The list was read again from the store.", timeout=2)

    def column_at(self, x: int) -> str | None:
        """The key of the column at ``x`` cells from the table's left edge."""
        left = 0
        for column, width in zip(self.COLUMNS, self._widths, strict=True):
            if left <= x < left + width + GAP:
                return column.key
            left += width + GAP
        return None

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or not self._count:
            return
        event.stop()
        if offset.y == 0:
            key = self.column_at(offset.x + round(self.scroll_x))
            if key is not None:
                self.sort_by(key)
            return
        index = round(self.scroll_y) + offset.y - 1
        if index >= self._count:
            return
        if index == self.cursor:
            self.run_worker(self.action_open(), exit_on_error=False)
        else:
            self.move_to(index)
