"""The transcript and the header finish their rows themselves (``PlainRows``, skipping
Textual's per-row style pipeline, which has nothing to add to a box without border, tint or
padding above or below): what reaches the screen is exactly what Textual's pipeline makes of
the same rows, focused or not, scrolled, cropped, in another theme, with padding at the sides;
a box with padding above goes Textual's way."""

from __future__ import annotations

from textual.geometry import Region
from textual.widget import Widget

from polytui.demo._scripts import BANK_ID
from polytui.tui.widgets.call_header import CallHeader
from polytui.tui.widgets.transcript import TranscriptView

from .test_app import SIZE, make_app, settle


def rows(strips) -> list[tuple[str, str]]:
    return [(strip.text, repr(list(strip))) for strip in strips]


def both(view: Widget, crop: Region) -> tuple[list, list]:
    ours = rows(view.render_lines(crop))
    view._styles_cache.clear()
    textuals = rows(Widget.render_lines(view, crop))
    return ours, textuals


async def test_rows_drawn_as_textuals_pipeline_draws_them(server, tmp_path):
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        view = app.screen.query_one(TranscriptView)
        whole = Region(0, 0, *view.region.size)
        assert view.has_focus and view._finisher() is not None
        ours, textuals = both(view, whole)
        assert ours == textuals and len(ours) == view.region.height

        await pilot.press("j", "j", "j", "ctrl+d")  # the cursor moved, the rows scrolled
        await pilot.pause()
        assert view.scroll_y > 0
        for crop in (whole, Region(3, 2, 17, 6), Region(0, view.region.height - 3, 5, 3)):
            ours, textuals = both(view, crop)
            assert ours == textuals, crop

        view.blur()  # the focus tint goes
        await pilot.pause()
        assert not view.has_focus
        ours, textuals = both(view, whole)
        assert ours == textuals

        app.theme = "textual-light"
        await pilot.pause()
        ours, textuals = both(view, whole)
        assert ours == textuals

        view.styles.padding = (0, 2, 0, 3)  # padding at the sides: still finished here
        await pilot.pause()
        assert view._finisher() is not None
        ours, textuals = both(view, Region(0, 0, *view.region.size))
        assert ours == textuals

        view.styles.padding = (1, 0)  # a box Textual's pipeline must draw: drawn its way
        await pilot.pause()
        assert view._finisher() is None
        ours, textuals = both(view, Region(0, 0, *view.region.size))
        assert ours == textuals


async def test_the_headers_rows_as_textuals_pipeline_draws_them(server, tmp_path):
    """The header (padding at its sides, a panel background) the same way, wide and in its
    one-line form."""
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        header = app.screen.query_one(CallHeader)
        assert header._finisher() is not None and header.styles.padding.left == 1
        ours, textuals = both(header, Region(0, 0, *header.region.size))
        assert ours == textuals and len(ours) == header.region.height > 3
        ours, textuals = both(header, Region(4, 1, 30, 2))
        assert ours == textuals
        header.compact = True
        await pilot.pause()
        ours, textuals = both(header, Region(0, 0, *header.region.size))
        assert ours == textuals and len(ours) == 1
