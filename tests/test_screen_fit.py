"""The screens at the sizes reviewers use (issue 12): the footer keeps the most important keys
that fit, in a fixed priority, with no stray letters (item 7); the header is one line below 30
rows, H toggles it, and no value is ever broken across lines (item 6); the start screen's
focus reaches every field and `?` / `/` work from the empty ID box (item 9)."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from polytui.demo._scripts import BANK_ID
from polytui.tui.screens.help import HelpScreen
from polytui.tui.screens.search import CallSearchScreen
from polytui.tui.widgets.call_header import CallHeader

from .test_app import make_app, open_loaded, screen_text, settle
from .test_app_notes import add_before_opening
from .test_call_browser import fill, offline_app, scripted, table

__all__ = ["scripted"]

SIZES = [(50, 15), (80, 24), (120, 40), (200, 60)]


def footer(app) -> str:
    return screen_text(app).splitlines()[-1]


def shown_keys(app) -> list[str]:
    from polytui.tui.widgets.key_footer import KeyFooter

    return [item.description for item in app.screen.query_one(KeyFooter).shown()]


@pytest.mark.parametrize("size", SIZES)
async def test_the_footer_keeps_help_and_back_first_at_every_size(server, tmp_path, size):
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    add_before_opening(app, 1, "a note on the first turn")
    async with app.run_test(size=size) as pilot:
        await open_loaded(app, pilot)
        line = footer(app)
        assert len(line.rstrip()) <= size[0]
        keys = shown_keys(app)
        assert keys[:2] == ["Help", "Back"], keys
        assert "? Help" in line and "esc Back" in line
        assert "palettec" not in line and "palettes" not in line
        if size[0] >= 80:
            assert "Search" in keys and "Export" in keys
        if size[0] >= 120:  # a note present: edit and delete join, Quit still fits
            assert {"Edit note", "Delete note", "Quit"} <= set(keys), keys
        assert f"turn 1/{9}" in line  # the position, at the right


async def test_the_footer_order_is_fixed_and_drops_the_least_important(server, tmp_path):
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    async with app.run_test(size=(200, 60)) as pilot:
        await open_loaded(app, pilot)
        wide = shown_keys(app)
        assert wide[:3] == ["Help", "Back", "Search"]
        for width in (160, 120, 100, 80, 60, 50):
            await pilot.resize_terminal(width, 40)
            await pilot.pause()
            keys = shown_keys(app)
            assert keys == [key for key in wide if key in keys]  # same order, a prefix-ish
            assert len(footer(app).rstrip()) <= width


@pytest.mark.parametrize("size", SIZES)
async def test_the_header_is_one_line_when_short_and_h_toggles_it(server, tmp_path, size):
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    async with app.run_test(size=size) as pilot:
        screen = await open_loaded(app, pilot)
        header = screen.query_one(CallHeader)
        short = size[1] < 30
        assert header.compact is short
        assert header.size.height == 1 if short else header.size.height > 3
        transcript_rows = screen.transcript.size.height
        await pilot.press("H")
        await pilot.pause()
        assert header.compact is not short
        await pilot.resize_terminal(size[0], 70 if short else 20)  # the choice holds
        await pilot.pause()
        assert header.compact is not short
        await pilot.press("H")
        await pilot.resize_terminal(*size)
        await pilot.pause()
        assert header.compact is short and screen.transcript.size.height == transcript_rows


@pytest.mark.parametrize("width", [50, 62, 80, 100, 120, 200])
async def test_no_header_value_breaks_across_lines(server, tmp_path, width):
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    async with app.run_test(size=(width, 60)) as pilot:
        screen = await open_loaded(app, pilot)
        header = screen.query_one(CallHeader)
        assert not header.compact
        lines = [line.plain.rstrip() for _, line in header.row_lines()]
        text = "\n".join(lines)
        for value in ("total 9m 10s", "PolyAI 2m 18s", "start 2025-03-11 23:58:40 UTC"):
            if value.split()[0] in text:
                assert value in lines[[value.split()[0] in line for line in lines].index(True)]
        assert "duration 9m 10s" not in text  # the same as the total: said once
        header.compact = True
        await pilot.pause()
        line = header.row_lines()[0][1].plain
        assert BANK_ID in line and "…" not in line and len(line) <= header.size.width


async def test_tab_reaches_every_start_field_and_agent_keeps_its_value(tmp_path, scripted):
    app = offline_app(tmp_path)
    fill(app.settings.db_path, scripted)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        order = []
        for _ in range(5):
            order.append(app.focused.id)
            await pilot.press("tab")
        assert order == ["conversation-id", "agent", "region", "call-filter", "calls"]
        agent = app.screen.query_one("#agent", Input)
        agent.focus()
        await pilot.pause()
        await pilot.press("x")
        assert agent.value == "PROJECT-demox"  # one letter does not replace the agent
        await pilot.press("shift+tab")
        assert app.focused.id == "conversation-id"
        await pilot.press("down")  # Down from the ID box: into the stored calls
        assert app.focused is table(app)


async def test_question_mark_and_slash_work_from_the_empty_id_box(tmp_path, scripted):
    app = offline_app(tmp_path)
    fill(app.settings.db_path, scripted)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        box = app.screen.query_one("#conversation-id", Input)
        assert app.focused is box and box.value == ""
        assert "? Help" in footer(app)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape", "slash")
        assert isinstance(app.screen, CallSearchScreen)
        await pilot.press("escape")
        await pilot.press("C", "A", "question_mark", "slash")  # typed once the box has text
        assert box.value == "CA?/"
        assert "F1 Help" in footer(app)  # ? now types: the footer names the key that helps
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)


@pytest.mark.parametrize("size", SIZES)
async def test_the_start_screen_shows_its_title_and_stored_calls(tmp_path, scripted, size):
    app = offline_app(tmp_path)
    fill(app.settings.db_path, scripted)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        text = screen_text(app)
        assert "polytui" in text.splitlines()[0] + text.splitlines()[1]
        calls = table(app)
        assert calls.size.height >= 4 and calls.region.bottom <= size[1] - 1
        assert "Conversation ID" in text and "Stored calls" in text


async def test_the_footer_never_offers_a_key_the_focused_box_types(server, tmp_path):
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_loaded(app, pilot)
        assert "/ Search" in footer(app) and "? Help" in footer(app)
        await pilot.press("slash")  # typing a search: / and ? type, F1 still helps
        await pilot.pause()
        line = footer(app)
        assert "F1 Help" in line and "esc Back" in line
        assert "/ Search" not in line and "? Help" not in line
        assert "Search" not in line  # the search is what is being typed


async def test_the_search_footer_offers_open_and_the_query_from_the_hits(tmp_path, scripted):
    app = offline_app(tmp_path)
    fill(app.settings.db_path, scripted)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+f", *"refund")
        await settle(app, pilot)
        assert isinstance(app.screen, CallSearchScreen)
        assert "Edit query" not in shown_keys(app)  # the box is where the query is edited
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.focused is app.screen.query_one("#search-hits")
        line = footer(app)
        assert "⏎ Open" in line and "/ Edit query" in line and "esc Back" in line
        await pilot.press("slash")
        await pilot.pause()
        assert isinstance(app.focused, Input) and "Edit query" not in shown_keys(app)


@pytest.mark.parametrize("size", SIZES)
async def test_the_search_screen_keeps_room_for_the_calls_found(tmp_path, scripted, size):
    app = offline_app(tmp_path)
    fill(app.settings.db_path, scripted)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+f", *"refund", "enter")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, CallSearchScreen) and screen.entries
        hits = screen.query_one("#search-hits")
        assert hits.region.height >= min(8, size[1] // 2), hits.region
        assert hits.region.bottom <= size[1] - 1  # above the footer
        text = screen_text(app)
        assert screen.calls[0].conversation_id in text  # the best call is on screen
        assert "refund" in text  # and so is the query


async def test_help_on_the_search_screen_gives_the_query_syntax(tmp_path, scripted):
    app = offline_app(tmp_path)
    fill(app.settings.db_path, scripted)
    async with app.run_test(size=(50, 15)) as pilot:  # short: the syntax line is hidden
        await settle(app, pilot)
        await pilot.press("ctrl+f", "f1")
        await settle(app, pilot)
        assert isinstance(app.screen, HelpScreen)
        text = " ".join(str(static.render()) for static in app.screen.query(".help-note").results())
        assert '"a phrase"' in text and "intent:" in text and "NOT" in text


async def test_the_sample_calls_line_up_in_columns(tmp_path):
    from polytui.demo._real import real_shaped_conversations
    from polytui.demo.samples import sample_conversations

    app = offline_app(tmp_path)
    app.samples = sample_conversations() + real_shaped_conversations()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        options = app.screen.query_one("#samples")
        lines = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        ids = {len(sample["conversationId"]) for sample in app.samples}
        assert len(ids) > 1  # IDs of different lengths...
        assert len({line.index(" turns") for line in lines}) == 1, lines  # ...one column


@pytest.mark.parametrize("width", [50, 80, 120])
async def test_the_queue_screen_footer_is_the_app_s_footer(server, tmp_path, samples, width):
    from polytui.tui.screens.queue import QueueScreen
    from polytui.tui.widgets.key_footer import KeyFooter

    from .test_app import make_settings
    from .test_queue_app import store_queue

    settings = make_settings(server, tmp_path, reviewer="alice")
    store_queue(settings, samples)
    app = make_app(server, tmp_path, settings=settings)
    async with app.run_test(size=(width, 24)) as pilot:
        await settle(app, pilot)
        app.open_queue("mon")
        await settle(app, pilot)
        assert isinstance(app.screen, QueueScreen)
        assert app.screen.query(KeyFooter)  # the same footer, order and keys as elsewhere
        keys = shown_keys(app)
        assert keys[:2] == ["Help", "Back"], keys
        line = footer(app)
        assert line.startswith(" ? Help  esc Back") and len(line.rstrip()) <= width
        if width >= 80:
            assert {"Open", "Resume", "Filter"} <= set(keys), keys
