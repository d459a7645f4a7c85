"""What the stored calls' table (``CallTable``) and the listed calls' table (``FoundTable``)
share: a header line over rows drawn one strip at a time, a cursor kept on screen, strips
cached per row and dropped when the look changes, and sideways panning a column at a time.
Each table says how many rows it has (``count``), how big it is (``_sync_size``) and what
moving the cursor means (``move_to``)."""

from __future__ import annotations

from textual import events
from textual.cache import LRUCache
from textual.content import Content
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.style import Style
from textual.visual import Visual

from .call_columns import fit, pan_target, scroll_width


class TableView(ScrollView):
    """A virtual table with a cursor (see the module's docstring)."""

    cursor: int
    _strips: LRUCache[tuple[int, bool], Strip]
    _widths: list[int]

    # -- what each table provides (CallTable, FoundTable): the base has no rows of its own -----

    @property
    def count(self) -> int:
        """The lines the table lists now."""
        raise NotImplementedError

    def _sync_size(self) -> None:
        """Set the virtual size from ``count`` and the columns' widths."""
        raise NotImplementedError

    def move_to(self, index: int) -> None:
        """Put the cursor on line ``index`` (what a move means is the table's own)."""
        raise NotImplementedError

    # -- geometry ------------------------------------------------------------------------------

    @property
    def _table_width(self) -> int:
        """The width scrolled over (see ``call_columns.scroll_width``)."""
        return scroll_width(self._widths, self.scrollable_content_region.width)

    @property
    def _rows_visible(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)  # the header takes a line

    def _reveal(self) -> None:
        top = round(self.scroll_y)
        if self.cursor < top:
            top = self.cursor
        elif self.cursor >= top + self._rows_visible:
            top = self.cursor - self._rows_visible + 1
        self.scroll_to(y=top, animate=False, immediate=True)

    def on_resize(self, event: events.Resize) -> None:
        self._strips.clear()
        self._sync_size()
        self._reveal()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()

    def on_focus(self) -> None:
        self._strips.clear()  # the cursor line has a style of its own when focused
        self.refresh()

    def on_blur(self) -> None:
        self._strips.clear()
        self.refresh()

    # -- drawing -------------------------------------------------------------------------------

    def _line(self, content: Content, component: str, width: int) -> Strip:
        style: Style = self.get_visual_style(component) if component else self.visual_style
        content = fit(content, width)
        strips = Visual.to_strips(self, content, width, 1, style, apply_selection=False)
        strip = strips[0] if strips else Strip.blank(width)
        return strip.extend_cell_length(width, style.rich_style)

    # -- keys ----------------------------------------------------------------------------------

    def action_cursor(self, delta: int) -> None:
        self.move_to(self.cursor + delta)

    def action_first(self) -> None:
        self.move_to(0)

    def action_last(self) -> None:
        self.move_to(self.count - 1)

    def action_page(self, direction: int, half: bool = False) -> None:
        step = max(1, self._rows_visible // 2 if half else self._rows_visible - 1)
        self.scroll_to(y=round(self.scroll_y) + direction * step, animate=False, immediate=True)
        self.move_to(self.cursor + direction * step)

    def action_pan(self, direction: int) -> None:
        """Scroll sideways a column at a time, so the left edge is always a column's start
        (never the last digits of one)."""
        view = self.scrollable_content_region.width
        target = pan_target(self._widths, round(self.scroll_x), direction, view)
        self.scroll_to(x=target, animate=False, immediate=True)
        self.refresh()
