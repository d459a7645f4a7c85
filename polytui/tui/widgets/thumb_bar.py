"""The transcript's vertical scrollbar, drawn straight into strips.

Textual's scrollbar draws through Rich (a renderable, then its segments cut into lines, then each
line through the widget's style pipeline): about 2-4 ms for a 40-row bar, paid each time its
thumb moves, which is every move to another call of a queue and every scroll. This one asks
Textual's own scrollbar for what it would draw (its colours, for hover and grab too, and the
bar's glyphs and mouse actions from ``render_bar``) and turns each row into a strip at once, so
it looks and behaves the same for a fraction of the cost.
"""

from __future__ import annotations

from rich.color import Color as RichColor
from rich.segment import Segment
from textual.geometry import Region
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.strip import Strip


class ThumbBar(ScrollBar):
    """A vertical ``ScrollBar`` whose rows are made without Rich's rendering."""

    def __init__(self, *, name: str | None = None, thickness: int = 1) -> None:
        super().__init__(vertical=True, name=name, thickness=thickness)
        self._drawn: tuple[tuple[object, ...], list[Strip]] | None = None
        self._rows: dict[tuple[object, ...], Strip] = {}

    def render_lines(self, crop: Region) -> list[Strip]:
        bar = self.render()
        width, height = self.size
        if not isinstance(bar, ScrollBarRender) or not self.vertical or width <= 0:
            return super().render_lines(crop)
        style = bar.style
        back = getattr(style, "bgcolor", None) or RichColor.parse("#555555")
        fore = getattr(style, "color", None) or RichColor.parse("bright_magenta")
        filters = tuple(self.get_line_filters())
        base = self.visual_style.rich_style  # under each row, as Textual's drawing puts it
        key = (
            base,
            width,
            height,
            bar.virtual_size,
            bar.window_size,
            bar.position,
            back,
            fore,
            filters,
        )
        drawn = self._drawn
        if drawn is None or drawn[0] != key:
            segments = bar.render_bar(
                size=height,
                virtual_size=bar.virtual_size,
                window_size=bar.window_size,
                position=bar.position,
                thickness=width,
                vertical=True,
                back_color=back,
                bar_color=fore,
            ).segments
            background = self.background_colors[1]
            rows = self._rows
            if len(rows) > 64:
                rows.clear()
            strips = []
            for segment in segments[:height]:
                # A bar has a handful of distinct rows (track above and below, thumb, its two
                # ends): each is made and filtered once, whatever the thumb's position.
                own = base + segment.style if segment.style is not None else base
                row_key = (segment.text, own, width, background, filters)
                strip = rows.get(row_key)
                if strip is None:
                    strip = Strip([Segment(segment.text, own)], width)
                    for line_filter in filters:
                        strip = strip.apply_filter(line_filter, background)
                    rows[row_key] = strip
                strips.append(strip)
            drawn = (key, strips)
            self._drawn = drawn
        return [strip.crop(crop.x, crop.right) for strip in drawn[1][crop.y : crop.bottom]]
