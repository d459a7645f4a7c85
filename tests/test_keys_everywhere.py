"""One keymap (issue 12, item 10): an id has the same keys on every screen (j / k, g / G in
the samples, the hits, help and the panels; `d` deletes, `y` copies, `r` refreshes, `/` and
ctrl+f search), the config's [keys] remap an id everywhere at once, and help, the footer and
the palette show the keys in force."""

from __future__ import annotations

import pytest

from polytui.demo._scripts import BANK_ID, BOOKING_ID, FRENCH_ID
from polytui.tui.screens.confirm import ConfirmScreen
from polytui.tui.screens.conversation import ConversationScreen
from polytui.tui.screens.help import HelpScreen
from polytui.tui.screens.search import CallSearchScreen
from polytui.tui.screens.start import StartScreen
from polytui.tui.widgets.json_tree import JsonTree
from polytui.tui.widgets.search_bar import SearchBar

from .test_app import SIZE, make_app, make_settings, open_loaded, screen_text, settle
from .test_app_notes import add_before_opening, stored_notes
from .test_call_browser import NEWEST_FIRST, fill, listed, offline_app, scripted, table

__all__ = ["scripted"]  # the module-scoped fixture, shared


def footer(app) -> str:
    return screen_text(app).splitlines()[-1]


async def test_the_samples_move_with_j_k_g_and_G(server, tmp_path):
    from polytui.demo.samples import sample_conversations

    samples = [s for s in sample_conversations() if s["conversationId"] in NEWEST_FIRST]
    app = make_app(server, tmp_path, samples=samples, demo=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("down")  # from the ID box into the samples
        options = app.screen.query_one("#samples")
        assert app.focused is options and options.highlighted == 0
        await pilot.press("j", "j")
        assert options.highlighted == 2
        await pilot.press("k")
        assert options.highlighted == 1
        await pilot.press("G")
        assert options.highlighted == len(samples) - 1
        await pilot.press("g", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ConversationScreen)
        assert app.screen.conversation_id == samples[0]["conversationId"]


async def test_the_hits_move_with_g_and_G(tmp_path, scripted):
    app = offline_app(tmp_path)
    fill(app.settings.db_path, scripted)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+f", *"the", "enter")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, CallSearchScreen) and len(screen.entries) > 3
        hits = screen.query_one("#search-hits")
        assert app.focused is hits
        await pilot.press("G")
        assert hits.highlighted == len(screen.entries) - 1 == hits.option_count - 1
        await pilot.press("g", "j", "j")
        assert hits.highlighted == 2
        await pilot.press("ctrl+f")  # the same key as everywhere: back to the query
        assert app.focused is screen.query_one("#call-search")


async def test_help_scrolls_with_j_k_g_G_and_closes_with_q(server, tmp_path):
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    async with app.run_test(size=(80, 20)) as pilot:
        await open_loaded(app, pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        scroller = app.screen.query_one("VerticalScroll")
        assert scroller.max_scroll_y > 0  # taller than 20 rows: it scrolls
        await pilot.press("j", "j")
        assert scroller.scroll_y == 2
        await pilot.press("G")
        assert scroller.scroll_y == scroller.max_scroll_y
        await pilot.press("k")
        assert scroller.scroll_y == scroller.max_scroll_y - 1
        await pilot.press("g")
        assert scroller.scroll_y == 0
        await pilot.press("q")  # closes help; does not quit
        assert isinstance(app.screen, ConversationScreen) and app.is_running


async def test_d_deletes_and_y_copies_in_a_call_as_in_the_list(server, tmp_path):
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    add_before_opening(app, 1, "first turn")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_loaded(app, pilot)
        await pilot.press("d")  # the note of the selected turn, after a question
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(app, pilot)
        assert stored_notes(app) == []
        await pilot.press("y")  # copy the turn
        assert app.clipboard.startswith("#1")
        await pilot.press("tab")  # into the metrics panel: y copies its value
        tree = app.focused
        assert isinstance(tree, JsonTree)
        await pilot.press("j", "y")
        assert app.clipboard == "true"
        assert screen.transcript.cursor == 0  # j moved the tree's cursor, not the call's


async def test_ctrl_f_and_slash_search_in_a_call_as_on_the_start_screen(server, tmp_path):
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_loaded(app, pilot)
        for key in ("ctrl+f", "slash"):
            await pilot.press(key)
            await pilot.pause()
            bar = screen.query_one(SearchBar)
            assert bar.has_class("-open") and app.focused is bar.input
            await pilot.press("escape")
            assert not bar.has_class("-open")


async def test_r_refreshes_the_list_and_S_reverses_it(tmp_path, scripted):
    app = offline_app(tmp_path)
    fill(app.settings.db_path, scripted[:3])
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("down")
        assert app.focused is table(app) and table(app).count == 3
        fill(app.settings.db_path, scripted[3:])  # fetched by another program meanwhile
        await pilot.press("r")
        await settle(app, pilot)
        assert table(app).count == 6 and listed(app) == NEWEST_FIRST  # read again, not reversed
        await pilot.press("S")
        await settle(app, pilot)
        assert listed(app) == NEWEST_FIRST[::-1]


async def test_a_remapped_id_moves_everywhere_and_shows_as_remapped(server, tmp_path, scripted):
    settings = make_settings(
        server, tmp_path, remapped=(("down", "ctrl+n"), ("up", "ctrl+p,k"), ("find", "ctrl+s"))
    )
    fill(settings.db_path, scripted)
    app = make_app(server, tmp_path, settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, StartScreen)
        await pilot.press("ctrl+n")  # Down in the ID box is the down id too
        calls = table(app)
        assert app.focused is calls and calls.cursor == 0
        await pilot.press("ctrl+n", "ctrl+n", "j")  # j is no longer down
        assert calls.cursor == 2
        await pilot.press("k")
        assert calls.cursor == 1
        assert "^s Search calls" in footer(app) and "/ Search" not in footer(app)
        await pilot.press("enter")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ConversationScreen) and screen.loaded is not None
        await pilot.press("ctrl+n", "ctrl+n", "j")
        assert screen.transcript.cursor == 2
        assert "^s Search" in footer(app)
        await pilot.press("slash")
        assert not screen.query_one(SearchBar).has_class("-open")  # / is no longer search
        await pilot.press("ctrl+s")
        assert screen.query_one(SearchBar).has_class("-open")
        await pilot.press("escape", "question_mark")
        text = screen_text(app)
        assert "^n" in text and "Next turn" in text and "^s" in text


@pytest.mark.parametrize("size", [(50, 15), (80, 24), (120, 40), (200, 60)])
async def test_the_palette_lists_each_action_once(server, tmp_path, size):
    app = make_app(server, tmp_path, initial_id=FRENCH_ID)
    async with app.run_test(size=size) as pilot:
        screen = await open_loaded(app, pilot)
        commands = list(app.get_system_commands(screen))
        titles = [command.title for command in commands]
        assert len(titles) == len(set(titles)), titles
        assert "Keys" not in titles  # Textual's panel: help lists the keys
        for command in commands:  # the help line never repeats the title
            assert command.help != command.title
            assert not command.help.startswith(command.title + " ("), command.help
        export = next(command for command in commands if command.title == "Export")
        assert export.help == "Key: e"


async def test_help_names_the_search_keys_plainly(tmp_path, scripted):
    app = offline_app(tmp_path)
    fill(app.settings.db_path, scripted)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("f1")
        text = screen_text(app)
        assert "/, ^f" in text and "^f / /" not in text


async def test_q_quits_from_the_list_and_from_a_call(server, tmp_path, scripted):
    app = offline_app(tmp_path, initial_id=BOOKING_ID)
    fill(app.settings.db_path, scripted)
    async with app.run_test(size=SIZE) as pilot:
        await open_loaded(app, pilot)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0
