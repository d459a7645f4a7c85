"""Moving through a call as in less and vim (issue 12, items 2 and 5): counts (`37G`, `5j`),
`:` to a turn, half pages and `b`, the position in the footer; `/` searches from the cursor
on, Enter on an empty line repeats it, Escape hides the highlights but keeps the search for
`n` / `N`, and passing the end of the call says so."""

from __future__ import annotations

from textual.widgets import Input

from polytui.demo._scripts import BANK_ID
from polytui.tui.widgets.search_bar import SearchBar
from polytui.tui.widgets.transcript import TranscriptView

from .test_app import make_app, notices, open_loaded, screen_text
from .test_transcript_widget import SIZE, TranscriptApp, header_row, many

BANK_TURNS = 9
CARD_TURNS = [0, 1, 2, 5, 6, 7]  # the bank call's turns (0-based) that say "card"


def footer(app) -> str:
    return screen_text(app).splitlines()[-1]


async def test_counts_repeat_a_move_or_go_to_a_turn():
    app = TranscriptApp(many(5000))
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TranscriptView)
        view.focus()
        await pilot.pause()
        await pilot.press("3", "7", "G")
        await pilot.pause()
        assert view.cursor == 36 and header_row(view, 37) is not None
        await pilot.press("5", "j")
        assert view.cursor == 41
        await pilot.press("j")  # the count was used once
        assert view.cursor == 42
        await pilot.press("1", "2", "k")
        assert view.cursor == 30
        await pilot.press("4", "9", "9", "9", "g")
        assert view.cursor == 4998
        await pilot.press("9", "9", "9", "9", "9", "G")  # past the end: the last turn
        assert view.cursor == 4999
        await pilot.press("0")  # a lone 0 is not a count
        assert view.pending_count == ""
        await pilot.press("2", "t", "j")  # a key without a move drops the count
        assert view.cursor == 4999 - 0 and view.pending_count == ""
        await pilot.press("g")
        assert view.cursor == 0


async def test_half_pages_and_b_page_as_in_less():
    app = TranscriptApp(many(400))
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TranscriptView)
        view.focus()
        await pilot.pause()
        height = view.scrollable_content_region.height
        await pilot.press("ctrl+d")
        await pilot.pause()
        assert view.scroll_y == height // 2 and view.cursor > 0
        await pilot.press("ctrl+d", "ctrl+u")
        await pilot.pause()
        assert view.scroll_y == height // 2
        await pilot.press("space", "space")
        await pilot.pause()
        assert view.scroll_y == height // 2 + 2 * height
        await pilot.press("b")
        await pilot.pause()
        assert view.scroll_y == height // 2 + height
        await pilot.press("ctrl+b")
        await pilot.pause()
        assert view.scroll_y == height // 2


async def test_colon_goes_to_a_turn_and_the_footer_shows_where(server, tmp_path):
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_loaded(app, pilot)
        assert "turn 1/9" in footer(app)
        await pilot.press("colon")
        bar = screen.query_one(SearchBar)
        assert bar.has_class("-open") and app.focused is screen.query_one("#search-input")
        await pilot.press("x", "7", "enter")  # only digits are taken
        assert screen.transcript.cursor == 6 and "turn 7/9" in footer(app)
        assert not bar.has_class("-open")
        await pilot.press("3")
        assert "3_  turn 7/9" in footer(app)
        await pilot.press("escape")  # drops the count, stays in the call
        assert "3_" not in footer(app) and app.screen is screen
        await pilot.press("5", "G")
        assert screen.transcript.cursor == 4 and "turn 5/9" in footer(app)
        await pilot.press("colon", "escape")  # nothing typed: nowhere to go
        assert screen.transcript.cursor == 4 and not bar.has_class("-open")


async def search(pilot, text: str) -> None:
    await pilot.press("slash")
    screen = pilot.app.screen
    screen.query_one("#search-input", Input).value = text
    await pilot.press("enter")
    await pilot.pause()


async def test_search_starts_at_the_cursor_and_escape_keeps_it_for_n(server, tmp_path):
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_loaded(app, pilot)
        view = screen.transcript
        bar = screen.query_one(SearchBar)
        await pilot.press("4", "G")  # on turn 4: the next "card" is turn 6
        await search(pilot, "card")
        assert view.cursor == 5 and "4/6" in str(bar.query_one("#search-count").render())
        await pilot.press("escape")  # the highlights go, the search stays
        assert view.search_query == "" and not bar.has_class("-open")
        assert app.screen is screen
        await pilot.press("n")
        assert view.cursor == 6 and view.search_query == "card" and bar.has_class("-open")
        await pilot.press("N", "N")
        assert view.cursor == 2
        assert not any(n.startswith("No search yet") for n in notices(app))
        await pilot.press("escape", "escape")  # highlights, then back to the start screen
        assert app.screen is not screen


async def test_passing_the_end_says_so_and_enter_repeats_the_search(server, tmp_path):
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_loaded(app, pilot)
        view = screen.transcript
        await pilot.press("G")  # the last turn does not say card: on from the first match
        await search(pilot, "card")
        assert view.cursor == CARD_TURNS[0]
        assert "Search passed the end of the call: on from the first match." in notices(app)
        app.clear_notifications()
        await pilot.press("N")
        assert view.cursor == CARD_TURNS[-1]
        assert "Search passed the start of the call: on from the last match." in notices(app)
        await pilot.press("escape", "g")
        await search(pilot, "")  # Enter on an empty line: the last search again
        assert view.search_query == "card" and view.cursor == CARD_TURNS[0]
        assert screen.query_one("#search-input", Input).value == "card"


async def test_escape_while_typing_keeps_the_search_made_before(server, tmp_path):
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_loaded(app, pilot)
        view = screen.transcript
        bar = screen.query_one(SearchBar)
        await search(pilot, "card")
        await pilot.press("slash", "z", "z", "escape")  # a second search abandoned
        assert view.search_query == "card"
        assert screen.query_one("#search-input", Input).value == "card"
        assert bar.has_class("-open") and app.focused is view
        await pilot.press("n")
        assert view.cursor == CARD_TURNS[1]
