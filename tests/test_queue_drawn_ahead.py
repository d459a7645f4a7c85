"""A queue's next call is drawn ahead: moving to it paints its first screen and its header
without drawing them, and what shows is exactly what drawing it then would have shown; a
drawing made for other options (translations toggled meanwhile) is not used. The transcript's
scrollbar, drawn straight to strips, draws as Textual's own."""

from __future__ import annotations

from unittest.mock import patch

from textual.geometry import Region
from textual.scrollbar import ScrollBar
from textual.visual import Visual

from polytui.tui.widgets.call_header import CallHeader
from polytui.tui.widgets.thumb_bar import ThumbBar
from polytui.tui.widgets.transcript import TranscriptView

from .test_app import SIZE, make_app, make_settings, settle
from .test_queue_app import opened_from_queue, store_queue


def screen_lines(view: TranscriptView) -> list[tuple[str, str]]:
    """The transcript's rows on screen, text and styles."""
    rows = []
    for y in range(view.scrollable_content_region.height):
        strip = view.render_line(y)
        rows.append((strip.text, repr([segment.style for segment in strip])))
    return rows


async def wait_drawn(app, pilot, screen, key) -> None:
    for _ in range(200):  # a hang guard, not a time limit
        if key in screen._drawn_ahead:
            return
        await pilot.pause(0.02)
    raise AssertionError("the next call was not drawn ahead")


async def test_the_next_call_shows_as_drawn_ahead(server, tmp_path, samples):
    settings = make_settings(server, tmp_path)
    keys = store_queue(settings, samples)
    app = make_app(server, tmp_path, settings=settings, initial_queue="mon")
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened_from_queue(app, pilot)
        view = screen.transcript
        await wait_drawn(app, pilot, screen, keys[1])
        drawn = screen._drawn_ahead[keys[1]]
        assert drawn.strips  # the first screen of the next call

        drawing = []
        render_item = view._render_item

        def counted(index, width, is_cursor):
            drawing.append(index)
            return render_item(index, width, is_cursor)

        view._render_item = counted
        estimated = []
        estimate = view._estimate_heights

        def counted_estimate(width, near=None):
            estimated.append(near)
            return estimate(width, near)

        view._estimate_heights = counted_estimate
        await pilot.press("plus")  # done + next
        shown = screen_lines(view)
        assert estimated == []  # its layout was worked out ahead too
        view._estimate_heights = estimate
        assert screen.conversation_id == keys[1][1]
        on_screen = {index for index, _ in drawn.strips}
        assert not on_screen & set(drawing), drawing  # none drawn again
        assert keys[1] not in screen._drawn_ahead  # used once, then forgotten

        # What shows is what drawing the call afresh shows.
        view._render_item = render_item
        view.set_conversation(view.conversation, notes=[])
        await pilot.pause()
        assert screen_lines(view) == shown

        # Translations toggled: the next drawing made before is not used, the turns are drawn.
        await settle(app, pilot)
        await wait_drawn(app, pilot, screen, keys[2])
        await pilot.press("t")
        drawing.clear()
        view._render_item = counted
        await pilot.press("greater_than_sign")
        await pilot.pause()
        assert screen.conversation_id == keys[2][1]
        assert 0 in drawing  # the first turn drawn anew, with translations off
        assert not view.show_translations


def header_lines(header: CallHeader) -> list[tuple[str, str]]:
    """The header's rows as the screen gets them: text and styles."""
    width, height = header.region.size
    strips = header.render_lines(Region(0, 0, width, height))
    return [(strip.text, repr([segment.style for segment in strip])) for strip in strips]


async def test_the_next_calls_header_shows_as_drawn_ahead(server, tmp_path, samples):
    settings = make_settings(server, tmp_path)
    keys = store_queue(settings, samples)
    app = make_app(server, tmp_path, settings=settings, initial_queue="mon")
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened_from_queue(app, pilot)
        header = screen.query_one("#header", CallHeader)
        await wait_drawn(app, pilot, screen, keys[1])
        ahead = screen._headers_ahead[keys[1]]
        assert ahead.conversation is screen._drawn_ahead[keys[1]].conversation

        drawn: list[str] = []
        to_strips = Visual.to_strips

        def counted(widget, visual, *args, **kwargs):
            if widget is header:
                drawn.append(visual.plain)
            return to_strips(widget, visual, *args, **kwargs)

        with patch.object(Visual, "to_strips", counted):
            await pilot.press("greater_than_sign")  # the next call: it becomes "in review"
            await pilot.pause()
            shown = header_lines(header)
        assert screen.conversation_id == keys[1][1]
        assert header.conversation is ahead.conversation
        # Of its rows only the one whose status changed (pending -> in review) was drawn on
        # the move (two lines: the badges and the identity, and its wrapped second line).
        drawn_rows = [name for name, line in header.row_lines() if line.plain in drawn]
        assert drawn_rows == ["ident", "ident"], drawn
        assert "IN REVIEW" in header.row_lines()[0][1].plain
        assert keys[1] not in screen._headers_ahead  # used once, then forgotten

        # What shows is what drawing the header afresh shows.
        header.set_conversation(header.conversation, review=header.review)
        header._strips.clear()
        await pilot.pause()
        assert header_lines(header) == shown


async def test_the_transcripts_scrollbar_draws_as_textuals(server, tmp_path, samples):
    """The transcript's scrollbar (drawn straight to strips) matches Textual's own drawing of
    it, at the top, moved down a call, and on the next call of the queue."""
    settings = make_settings(server, tmp_path)
    keys = store_queue(settings, samples)
    app = make_app(server, tmp_path, settings=settings, initial_queue="mon")
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened_from_queue(app, pilot)
        view = screen.transcript
        bar = view.vertical_scrollbar
        assert isinstance(bar, ThumbBar)

        def both() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
            crop = Region(0, 0, *bar.size)
            ours = bar.render_lines(crop)
            bar._styles_cache.clear()
            textuals = ScrollBar.render_lines(bar, crop)
            rows = [[(s.text, repr(list(s))) for s in strips] for strips in (ours, textuals)]
            return rows[0], rows[1]

        ours, textuals = both()
        assert ours == textuals and len(ours) == bar.size.height
        await pilot.press("G")
        await pilot.pause()
        assert bar.position > 0
        ours, textuals = both()
        assert ours == textuals
        await wait_drawn(app, pilot, screen, keys[1])
        await pilot.press("greater_than_sign")
        await pilot.pause()
        assert screen.conversation_id == keys[1][1]
        # The thumb follows the next call's height though no layout of the screen was asked.
        assert bar.window_virtual_size == view.virtual_size.height
        assert bar.position == 0
        ours, textuals = both()
        assert ours == textuals
