"""A queue's next call is drawn ahead: moving to it paints its first screen without drawing a
turn, and what shows is exactly what drawing it then would have shown; a drawing made for
other options (translations toggled meanwhile) is not used."""

from __future__ import annotations

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
        await pilot.press("plus")  # done + next
        shown = screen_lines(view)
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
