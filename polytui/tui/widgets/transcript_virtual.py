"""The engine under the transcript view: a Line API ScrollView over items of varying height
(turns) with a cursor item, that never wraps more than what is on (or near) the screen.

- every item's height is first *estimated* (``_estimate_heights``, cheap, no wrapping);
- ``HeightIndex`` keeps a prefix sum so a row maps to its item with one bisect;
- only items around the viewport are rendered exactly ("settled": the viewport plus a screen
  above and below); their real heights replace the estimates and the scroll position is
  corrected so the anchor item (the cursor item when on screen, else the top item) stays on
  the same screen row;
- rendered items are cached as lists of Strips in an LRU keyed by
  (item, width, state version, is-cursor); the cache is cleared on resize, on style/theme
  change and whenever a subclass calls ``_clear_strips`` / ``_discard_layout``.

``render_line`` is one bisect plus, on a cache miss, the rendering of one item.
"""

from __future__ import annotations

from textual import events
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar
from textual.strip import Strip

from .plain_rows import PlainRows
from .thumb_bar import ThumbBar
from .transcript_layout import HeightIndex

_SETTLE_PASSES = 4


class VirtualTurnsView(PlainRows, ScrollView):
    """Subclasses provide the items (see the hooks at the end) and a ``cursor`` reactive."""

    ALLOW_SELECT = False
    cursor: int

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        # Set before Widget.__init__: it may already call notify_style_update.
        self._version = 0
        self._cache: LRUCache[tuple[int, int, int, bool], list[Strip]] = LRUCache(512)
        super().__init__(name=name, id=id, classes=classes)
        self._layout: HeightIndex | None = None
        self._layout_key: tuple[object, ...] | None = None
        self._width = 0
        self._settling = False
        self._settle_scheduled = False
        self._reveal_pending = True
        self._margins_due = False  # a jump settled the viewport alone (see _reveal)
        self._first_layout = True  # may use rough estimates far from the cursor
        # Items drawn before they were shown (a queue's next call, drawn ahead): taken by
        # ``_item_strips`` while the width and state are the ones they were drawn for.
        self._seeded: dict[tuple[int, bool], list[Strip]] = {}
        self._seed_key: tuple[object, ...] | None = None
        # Every item's estimated height worked out ahead, for the layout key it was made for.
        self._seeded_heights: tuple[tuple[object, ...], list[int]] | None = None

    @property
    def vertical_scrollbar(self) -> ScrollBar:
        """Textual's vertical scrollbar as ``ThumbBar`` draws it (the same, drawn quicker)."""
        if self._vertical_scrollbar is None:
            bar = ThumbBar(name="vertical", thickness=self.scrollbar_size_vertical)
            bar.display = False
            self._vertical_scrollbar = bar
            self.app._start_widget(self, bar)
        return self._vertical_scrollbar

    @property
    def wrapped_turn_count(self) -> int:
        """Items rendered exactly in the current layout (the rest are estimates)."""
        return self._layout.exact_count if self._layout is not None else 0

    # -- hooks for subclasses (the defaults are an empty view) -----------------------------

    def _item_count(self) -> int:
        return 0

    def _layout_state(self) -> tuple[object, ...]:
        """State besides the width that changes item heights (a new value re-estimates)."""
        return ()

    def _estimate_heights(self, width: int, near: int | None = None) -> list[int]:
        """Every item's estimated height; with ``near``, a subclass may estimate only the
        items near that one, roughly the rest (the first layout: refined after its frame)."""
        return [1] * self._item_count()

    def _render_item(self, index: int, width: int, is_cursor: bool) -> list[Strip]:
        return [Strip.blank(width)]

    def _render_empty(self, row: int, width: int) -> Strip:
        """Row ``row`` where no item is (an empty pane, below the last item, or -1 for the
        filler of an item whose estimate was too tall)."""
        return Strip.blank(width)

    # -- Textual overrides --------------------------------------------------------------------

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if not self._settling:
            self._settle()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._clear_strips()

    def on_resize(self, event: events.Resize) -> None:
        self._prepare()
        # A shorter or narrower view (a strip of notes appearing above, the panels opening)
        # can leave the cursor item, or its notes, below the bottom edge: the reviewer's place
        # is the cursor, so all of it comes back on screen when it fits, else its part there.
        if self._item_count() and self._layout is not None:
            index = min(self.cursor, self._item_count() - 1)
            fits = self._make_exact(index) - 1 <= self._view_height()
            self._reveal(index, keep_visible=not fits)
        self.refresh()

    def render_lines(self, crop: Region) -> list[Strip]:
        self._prepare()
        # Every scroll, every move of the cursor and every move to another call redraws all
        # the rows: they are finished without Textual's per-row pipeline (see PlainRows).
        return self._plain_rows(crop)

    def render_line(self, y: int) -> Strip:
        width = self._width or self.scrollable_content_region.width
        row = round(self.scroll_y) + y
        layout = self._layout
        if layout is None or not len(layout) or row < 0 or row >= layout.total:
            return self._render_empty(row, width)
        index = layout.index_at(row)
        strips = self._item_strips(index)
        if not layout.is_exact(index):
            self._schedule_settle()
        line = row - layout.start(index)
        return strips[line] if line < len(strips) else self._render_empty(-1, width)

    # -- geometry -----------------------------------------------------------------------------

    def _view_height(self) -> int:
        return self.scrollable_content_region.height

    def _clear_strips(self) -> None:
        self._version += 1
        self._cache.clear()
        self._finished_rows().clear()

    def _item_strips(self, index: int) -> list[Strip]:
        is_cursor = index == self.cursor
        key = (index, self._width, self._version, is_cursor)
        strips = self._cache.get(key)
        if strips is None:
            seeded = self._seeded.pop((index, is_cursor), None) if self._seeded else None
            if seeded is not None and self._seed_key != (self._width, *self._seed_state()):
                self._seeded.clear()  # drawn for another width or state: not these items
                seeded = None
            strips = (
                seeded if seeded is not None else self._render_item(index, self._width, is_cursor)
            )
            self._cache[key] = strips
        return strips

    def _seed_state(self) -> tuple[object, ...]:
        """Everything besides the width that an item's drawing depends on."""
        return self._layout_state()

    def _make_exact(self, index: int) -> int:
        layout = self._layout
        assert layout is not None
        if not layout.is_exact(index):
            layout.set_exact(index, len(self._item_strips(index)))
        return layout.height(index)

    def _discard_layout(self, *, keep_anchor: bool = False) -> None:
        """Forget all heights (items changed); with ``keep_anchor`` the anchor item keeps its
        screen row in the new layout."""
        anchor = self._current_anchor() if keep_anchor else None
        self._layout = None
        self._layout_key = None
        self._clear_strips()
        if anchor is not None:
            self._ensure_layout(anchor=anchor)

    def _ensure_layout(self, anchor: tuple[int, int] | None = None) -> bool:
        """A layout for the current width and state; False while the widget has no size."""
        if not self.is_mounted:
            return False
        region = self.scrollable_content_region
        if region.width <= 0 or region.height <= 0:
            return False
        key = (region.width, *self._layout_state())
        if key == self._layout_key and self._layout is not None:
            return True
        if anchor is None and self._layout is not None:
            anchor = self._current_anchor()
        self._layout_key = key
        self._width = region.width
        self._clear_strips()
        rough = self._first_layout
        self._first_layout = False
        ahead, self._seeded_heights = self._seeded_heights, None
        if ahead is not None and ahead[0] == key:
            rough = False  # every item estimated when the call was drawn ahead
            self._layout = HeightIndex(list(ahead[1]))
        else:
            near = min(self.cursor, max(0, self._item_count() - 1)) if rough else None
            self._layout = HeightIndex(self._estimate_heights(region.width, near))
        if rough:
            self.call_after_refresh(self._refine_estimates, self._layout)
        self._sync_virtual_size()
        if self._reveal_pending or anchor is None:
            self._reveal_pending = False
            self._reveal(self.cursor)
        else:
            self._settle(*anchor)
        return True

    def _refine_estimates(self, layout: HeightIndex) -> None:
        """Every item's estimate, after a first frame that estimated only the items near the
        cursor; the anchor item keeps its screen row."""
        if layout is not self._layout or not self._width:
            return  # replaced since (resize, new items): that layout has full estimates
        anchor = self._current_anchor()
        layout.refine(self._estimate_heights(self._width))
        self._sync_virtual_size()
        if anchor is not None:
            self._settle(*anchor)

    def _sync_virtual_size(self) -> None:
        total = self._layout.total if self._layout is not None else 0
        size = Size(self._width, max(total, 1))
        if size == self.virtual_size:
            return
        styles = self.styles
        if (
            styles.overflow_y == "scroll"
            and styles.overflow_x == "hidden"
            and self.container_size
            and size.width == self.virtual_size.width
        ):
            # Only the height changed and the scrollbars stay as they are (always the vertical,
            # never the horizontal): the thumb is updated without laying out the whole screen,
            # which setting ``virtual_size`` asks for (moving to a queue's next call would
            # otherwise lay out and repaint every widget on the screen).
            self.set_reactive(ScrollView.virtual_size, size)
            self._scroll_update(size)
        else:
            self.virtual_size = size

    def _current_anchor(self) -> tuple[int, int] | None:
        """(item, its start row on screen): the cursor item when visible, else the top item."""
        layout = self._layout
        if layout is None or not len(layout):
            return None
        top = round(self.scroll_y)
        height = self._view_height()
        cursor = min(self.cursor, len(layout) - 1)
        if layout.start(cursor) < top + height and layout.end(cursor) > top:
            return cursor, layout.start(cursor) - top
        index = layout.index_at(top)
        return index, layout.start(index) - top

    def _viewport_exact(self, top: int, height: int) -> bool:
        layout = self._layout
        assert layout is not None
        index = layout.index_at(top)
        while index < len(layout) and layout.start(index) < top + height:
            if not layout.is_exact(index):
                return False
            index += 1
        return True

    def _settle(self, anchor: int | None = None, offset: int = 0, *, margins: bool = True) -> None:
        """Render the items on screen (plus a screen above and below) exactly and keep the
        anchor item on the same screen row while the heights above it change."""
        layout = self._layout
        if self._settling or layout is None or not len(layout) or not self._width:
            return
        self._settling = True
        try:
            height = self._view_height()
            # A screen above and below, so that scrolling meets exact heights.
            margin = height if margins else 0
            for _ in range(_SETTLE_PASSES):
                if anchor is None:
                    current = self._current_anchor()
                    if current is None:
                        return
                    anchor, offset = current
                below, index = 0, anchor
                while index < len(layout) and below < height - offset + margin:
                    below += self._make_exact(index)
                    index += 1
                above, index = 0, anchor - 1
                while index >= 0 and above < offset + margin:
                    above += self._make_exact(index)
                    index -= 1
                layout.flush()
                self._sync_virtual_size()
                top = min(max(0, layout.start(anchor) - offset), max(0, layout.total - height))
                if top != round(self.scroll_y):
                    self.scroll_to(y=top, animate=False)
                    top = round(self.scroll_y)
                if self._viewport_exact(top, height):
                    break
                anchor = None
        finally:
            self._settling = False
        self.refresh()

    def _prepare(self) -> None:
        """Before painting: a layout for this width, and exact heights for what is on screen."""
        if self._settling or not self._ensure_layout() or not self._item_count():
            return
        if not self._viewport_exact(round(self.scroll_y), self._view_height()):
            self._settle()

    def _schedule_settle(self) -> None:
        if not self._settle_scheduled:
            self._settle_scheduled = True
            self.call_after_refresh(self._run_scheduled_settle)

    def _run_scheduled_settle(self) -> None:
        self._settle_scheduled = False
        self._prepare()

    def _scroll_within(self, index: int, direction: int) -> bool:
        """One row further into item ``index`` (a turn taller than the screen) when it runs
        past the screen's edge in ``direction``: True when it scrolled, False when that edge
        of the item is already on screen (the cursor may then move on)."""
        if not self._ensure_layout() or not 0 <= index < self._item_count():
            return False
        layout = self._layout
        assert layout is not None
        self._make_exact(index)
        top, height = round(self.scroll_y), self._view_height()
        start, end = layout.start(index), layout.end(index) - 1  # the separator may stay off
        if direction > 0 and end > top + height:
            self._settle(index, start - (top + 1), margins=False)
            return True
        if direction < 0 and start < top:
            self._settle(index, start - (top - 1), margins=False)
            return True
        return False

    def _reveal(self, index: int, *, keep_visible: bool = False, to_end: bool = False) -> None:
        """Scroll item ``index`` into view: all of it when it fits, else its start (its end,
        with ``to_end``: G reaches the very last row). With ``keep_visible`` an item already
        partly on screen does not scroll."""
        if not self._item_count():
            return
        if not self._ensure_layout():
            self._reveal_pending = True
            return
        layout = self._layout
        assert layout is not None
        self._make_exact(index)
        top = round(self.scroll_y)
        height = self._view_height()
        start = layout.start(index)
        size = layout.height(index) - 1  # the separator row may stay off screen
        end = start + size
        fully_visible = start >= top and end <= top + height
        if fully_visible or (keep_visible and start < top + height and end > top):
            new_top = top
        elif to_end and size > height:
            new_top = max(0, layout.total - height) if index == len(layout) - 1 else end - height
        elif size <= height and start >= top:
            # Bottom-align; the last item brings its separator so "last" reaches the very end.
            new_top = end - height + (1 if index == len(layout) - 1 else 0)
        else:
            new_top = start
        # The frame after a jump (or the first one) waits for the turns on screen alone; the
        # screen above and below is rendered just after it.
        self._settle(index, start - new_top, margins=False)
        if not self._margins_due:
            self._margins_due = True
            self.call_after_refresh(self._settle_margins)

    def _settle_margins(self) -> None:
        self._margins_due = False
        self._settle()

    def _page_target(self, direction: int, rows: int | None = None) -> int | None:
        """Scroll a screen (or ``rows``) up/down and return the item the cursor should follow
        to (the first item starting on the new screen, or the one covering it); None at
        either end."""
        layout = self._layout
        assert layout is not None
        height = self._view_height()
        top = round(self.scroll_y)
        max_top = max(0, layout.total - height)
        if (direction > 0 and top >= max_top) or (direction < 0 and top <= 0):
            return None
        distance = height if rows is None else max(1, rows)
        step = distance if direction > 0 else -distance
        self.scroll_to(y=min(max(0, top + step), max_top), animate=False)
        top = round(self.scroll_y)
        candidate = layout.index_at(top)
        starts_above = layout.start(candidate) < top
        count = len(layout)
        if starts_above and candidate + 1 < count and layout.start(candidate + 1) < top + height:
            candidate += 1
        return candidate

    def _row_item(self, y: int) -> int | None:
        """The item under widget row ``y`` (e.g. a click), None below the last one."""
        if not self._ensure_layout() or self._layout is None or not len(self._layout):
            return None
        row = round(self.scroll_y) + y
        return self._layout.index_at(row) if 0 <= row < self._layout.total else None
