"""Rows finished for the screen without Textual's per-row style pipeline.

Textual passes every row a widget draws through a pipeline that looks up a dozen CSS rules to
draw borders, outlines, padding, tint, opacity and hatching, then applies the app's line
filters (the ANSI colours made true colours, about 0.1 ms a row). For a box that has none of
those but a background and padding at the left and right, the pipeline's whole work is: pad
the row with the background and filter it. ``PlainRows`` does just that, and keeps each row's
result with the row, so a row drawn before (a cursor move, a call drawn ahead) is finished
once. Any other box goes Textual's way; tests check both give the same rows.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.cache import LRUCache
from textual.content import Content
from textual.geometry import Region
from textual.strip import Strip
from textual.style import Style as VisualStyle
from textual.visual import Visual
from textual.widget import Widget

Finish = Callable[[Strip], Strip]


def line_key(line: Content) -> tuple[object, ...]:
    """What a line of ``Content`` draws as: its text and its styles (``Content``'s own ``==``
    compares the text only)."""
    return (line.plain, tuple(line.spans))


def line_strip(widget: Widget, line: Content, width: int) -> Strip:
    """One line of ``Content`` drawn as ``widget`` draws its content, ``width`` cells at most,
    measured from its segments: Textual's ``Content.join`` can overstate the width it carries
    (it starts its sum from the separator's), which the strip would inherit."""
    drawn = Visual.to_strips(widget, line, width, 1, widget.visual_style)
    return Strip(list(drawn[0])) if drawn else Strip.blank(0)


class PlainRows(Widget):
    """A widget whose rows are finished here when its box allows (see the module's doc)."""

    def _plain_rows(self, crop: Region) -> list[Strip]:
        """``render_lines``' answer: the rows of ``crop`` finished here, or by Textual."""
        finish = self._finisher()
        if finish is None:
            return super().render_lines(crop)
        width, height = self.region.size
        strips = [
            finish(self.render_line(y) if y < height else Strip.blank(0)) for y in crop.line_range
        ]
        if crop.column_span != (0, width):
            strips = [strip.crop(crop.x, crop.right) for strip in strips]
        return strips

    def _finisher(self) -> Finish | None:
        """What makes a drawn row the row on screen, for this box now; None when the box needs
        Textual's pipeline."""
        styles = self.styles
        top, right, bottom, left = styles.padding
        plain = (
            not top
            and not bottom
            and not any(edge for edge, _ in styles.border)
            and not any(edge for edge, _ in styles.outline)
            and not styles.tint.a
            and styles.text_opacity == 1
            and self.opacity == 1
            and not (styles.has_rule("hatch") and styles.hatch != "none")
            and self._border_title is None
            and self._border_subtitle is None
            and self.text_selection is None
            and not (self.auto_links and self.hover_style._link_id)
        )
        if not plain:
            return None
        base_background, background = self.background_colors
        fill = VisualStyle(background=base_background + background).rich_style
        width = self.region.width
        inner = width - left - right
        filters = tuple(self.get_line_filters())
        how = (width, left, right, fill, background, filters)
        finished = self._finished_rows()
        pad_left = Strip.blank(left, fill) if left else None
        pad_right = Strip.blank(right, fill) if right else None

        def finish(strip: Strip) -> Strip:
            kept = finished.get(id(strip))
            if kept is not None and kept[0] is strip and kept[1] == how:
                return kept[2]
            done = strip.adjust_cell_length(inner, fill)
            if pad_left is not None or pad_right is not None:
                done = Strip.join([pad_left, done, pad_right])
            for line_filter in filters:
                done = done.apply_filter(line_filter, background)
            finished[id(strip)] = (strip, how, done)  # the row held: its id is not reused
            return done

        return finish

    def _finished_rows(self) -> LRUCache[int, tuple[Strip, tuple[object, ...], Strip]]:
        """The rows finished so far, by the drawn row's id (dropped on a style change)."""
        cache = self.__dict__.get("_plain_finished")
        if cache is None:
            cache = self.__dict__["_plain_finished"] = LRUCache(1024)
        return cache

    def notify_style_update(self) -> None:
        super().notify_style_update()
        cache = self.__dict__.get("_plain_finished")
        if cache is not None:
            cache.clear()
