"""Keys typed in one burst right after `/` (a fast typist, a paste, a terminal catching up) all
go into the search line: none reaches the call's own keys (`r` refresh, `e` export, `a` note,
`n` next match...) while the line is still opening."""

from __future__ import annotations

import unicodedata

from textual import events
from textual.widgets import Input

from polytui.demo._scripts import BANK_ID
from polytui.tui.screens.conversation import ConversationScreen

from .test_app import SIZE, make_app, notices, open_loaded, settle


def _burst(app, keys: list[str]) -> None:
    """Hand every key to the app at once, as a terminal does with a fast burst: nothing is
    waited for between them (pilot.press waits for the app to idle after each key)."""
    assert app._driver is not None
    for key in keys:
        char = key if len(key) == 1 else None
        if key == "slash":
            char = "/"
        elif key == "enter":
            char = "\r"
        elif key == "space":
            char = " "
        elif char is None:
            char = unicodedata.lookup(key.replace("_", " ").upper()) if len(key) > 1 else None
        event = events.Key(key, char)
        event.set_sender(app)
        app._driver.send_message(event)


async def test_a_burst_after_slash_all_goes_into_the_search_line(server, tmp_path):
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_loaded(app, pilot)
        before = (screen.transcript.cursor, screen.panels_open, len(notices(app)))
        # r refresh, e export, a add note, x delete note, t translations, p panels, n next match
        _burst(app, ["slash", "r", "e", "a", "x", "t", "p", "n"])
        await settle(app, pilot)
        assert isinstance(app.screen, ConversationScreen), type(app.screen).__name__
        box = screen.query_one("#search-input", Input)
        assert box.value == "reaxtpn"
        assert app.focused is box
        assert (screen.transcript.cursor, screen.panels_open, len(notices(app))) == before


async def test_a_burst_with_enter_searches_for_what_was_typed(server, tmp_path):
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_loaded(app, pilot)
        _burst(app, ["slash", "c", "a", "r", "d", "enter", "n"])
        await settle(app, pilot)
        view = screen.transcript
        assert isinstance(app.screen, ConversationScreen)
        assert view.search_query == "card" and view.match_count >= 3
        assert view.match_index == 2  # Enter went to the first match, then n to the next
        assert app.focused is view


async def test_a_slash_typed_in_the_search_line_is_text(server, tmp_path):
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_loaded(app, pilot)
        await pilot.press("slash", "a", "slash", "b")
        await settle(app, pilot)
        assert screen.query_one("#search-input", Input).value == "a/b"
