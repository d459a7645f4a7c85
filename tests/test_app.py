"""The review app end to end: PolyTUI driven by Textual's pilot against the real loopback server.

Every test builds ``PolyTUI(settings, loader=Loader(settings))`` with its own SQLite store in
tmp_path and the DemoServer's URL, so what is on screen came over HTTP (or from the store)."""

from __future__ import annotations

import contextlib
import os
import re
import stat
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Input, OptionList, RadioButton, Select, Static
from textual.worker import WorkerCancelled

from polytui.core.config import Settings
from polytui.core.models import Conversation
from polytui.demo._scripts import BANK_ID, BOOKING_ID, FRENCH_ID, FUNCTIONS_ID, LIVE_ID
from polytui.demo.samples import DEMO_ACCOUNT, DEMO_AGENT, sample_conversations, sample_ids
from polytui.loader import Loader
from polytui.tui.app import PolyTUI
from polytui.tui.screens.conversation import ConversationScreen
from polytui.tui.screens.export import ExportScreen
from polytui.tui.screens.help import HelpScreen
from polytui.tui.screens.start import StartScreen
from polytui.tui.widgets.call_header import CallHeader
from polytui.tui.widgets.json_tree import JsonTree
from polytui.tui.widgets.transcript import TranscriptView

from .helpers import SECRET_KEY
from .notices import said

BIG_ID = sample_ids()[-1]
SIZE = (120, 40)
EXPORTS = {"markdown": ".md", "json": ".json", "csv": ".csv", "html": ".html", "text": ".txt"}
CORRELATION = "7d4c2a10-5b1e-4f3a-9c8d-0e6f1a2b3c4d"
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture(scope="module")
def _sample_calls() -> list[dict[str, Any]]:
    return sample_conversations()


@pytest.fixture
def samples(_sample_calls) -> list[dict[str, Any]]:
    """The sample calls, built once for this module (5,000 turns take a while): read-only
    here, tests copy before changing one."""
    return _sample_calls


def make_settings(server, tmp_path: Path, **changes: Any) -> Settings:
    settings = Settings(
        api_key=SECRET_KEY,
        agent=DEMO_AGENT,
        account=DEMO_ACCOUNT,
        region="us",
        base_url_override=server.url,
        data_path=tmp_path / "store",
    )
    return settings.with_(**changes)


def make_app(server, tmp_path: Path, *, settings: Settings | None = None, **kwargs: Any) -> PolyTUI:
    """The app as the command line makes it (its own loader turns retry and store notices into
    notifications), on the loopback server and a store in ``tmp_path``."""
    return PolyTUI(settings or make_settings(server, tmp_path), **kwargs)


def screen_text(app: PolyTUI) -> str:
    """What the terminal shows, as text."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def notices(app: PolyTUI) -> list[str]:
    """What the app's notices said (since it last cleared them), in order, timed out or not."""
    return [str(n.message) for n in said(app)]


async def settle(app: PolyTUI, pilot) -> None:
    """Wait until the app has nothing left to do: every worker done (one may start another:
    opening a call reads the store, then the screen loads) and every write it asked for."""
    await pilot.pause()
    for _ in range(100):  # a hang guard, not a time limit
        busy = [worker for worker in app.workers if not worker.is_finished]
        if not busy and not app.workspace._pending:
            break
        for worker in busy:
            with contextlib.suppress(WorkerCancelled):  # replaced by a newer one: fine
                await worker.wait()
        await app.workspace.settled()
        await pilot.pause()
    await pilot.pause()


async def shown(app: PolyTUI, pilot) -> ConversationScreen:
    """The conversation screen, once the app has read the store and pushed it (its own load,
    from the network, may still be on its way)."""
    await pilot.pause()
    for worker in [w for w in app.workers if w.group == "open"]:
        with contextlib.suppress(WorkerCancelled):
            await worker.wait()
    await pilot.pause()
    return conv_screen(app)


def conv_screen(app: PolyTUI) -> ConversationScreen:
    screen = app.screen
    assert isinstance(screen, ConversationScreen), type(screen).__name__
    return screen


async def open_loaded(app: PolyTUI, pilot) -> ConversationScreen:
    await settle(app, pilot)
    screen = conv_screen(app)
    assert screen.loaded is not None, screen_text(app)
    return screen


# -- start screen -----------------------------------------------------------------------------


async def test_start_screen_then_a_bare_id_opens(server, tmp_path):
    app = make_app(server, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, StartScreen)
        assert isinstance(app.focused, Input) and app.focused.id == "conversation-id"
        assert "Conversation ID or Studio URL" in screen_text(app)
        assert server.hits == 0
        app.screen.query_one("#conversation-id", Input).value = f"  {BANK_ID} "
        await pilot.press("enter")
        screen = await open_loaded(app, pilot)
        assert screen.loaded.conversation_id == BANK_ID
        assert screen.loaded.source == "api"
        assert BANK_ID in screen_text(app)
        assert "QuickStream Media" in screen_text(app)
        assert server.requests[-1].path.endswith(f"/agents/{DEMO_AGENT}/conversations/{BANK_ID}")


async def test_studio_url_sets_agent_region_account(server, tmp_path):
    settings = make_settings(server, tmp_path, agent=None, account=None)
    app = make_app(server, tmp_path, settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        url = f"https://studio.eu.poly.ai/ACC-9/{DEMO_AGENT}/conversations/{BOOKING_ID}"
        app.screen.query_one("#conversation-id", Input).value = url
        await pilot.press("enter")
        screen = await open_loaded(app, pilot)
        assert app.settings.agent == DEMO_AGENT
        assert app.settings.region == "eu"
        assert app.settings.account == "ACC-9"
        assert app.loader.settings is app.settings
        assert screen.loaded.conversation_id == BOOKING_ID
        await pilot.press("escape")
        start = app.screen
        assert isinstance(start, StartScreen)
        assert start.query_one("#agent", Input).value == DEMO_AGENT
        assert start.query_one("#region", Select).value == "eu"


async def test_empty_or_invalid_id_shows_an_error_and_stays(server, tmp_path):
    app = make_app(server, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        box = app.screen.query_one("#conversation-id", Input)
        error = app.screen.query_one("#start-error", Static)
        cases = [
            ("   ", "Type a conversation ID first."),
            ("..", "not a valid conversation ID"),
            ("CA12\x1b[2J", "'CA12?[2J' contains control characters"),
        ]
        for value, expected in cases:
            box.value = value
            await pilot.press("enter")
            assert isinstance(app.screen, StartScreen)
            shown = str(error.render())
            assert expected in shown and expected in screen_text(app)
            assert "\x1b" not in shown
        assert server.hits == 0
        await pilot.press("escape")  # clears the box and the error
        await pilot.pause()
        assert box.value == "" and str(error.render()) == ""


async def test_demo_sample_list_opens_a_sample(server, tmp_path, samples):
    app = make_app(server, tmp_path, samples=samples, demo=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = screen_text(app)
        for sample_id in sample_ids():
            assert sample_id in text
        options = app.screen.query_one("#samples", OptionList)
        options.focus()
        options.highlighted = 2  # the French call
        await pilot.press("enter")
        screen = await open_loaded(app, pilot)
        assert screen.loaded.conversation_id == FRENCH_ID


async def test_agent_and_region_inputs_update_settings(server, tmp_path):
    app = make_app(server, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        agent = app.screen.query_one("#agent", Input)
        agent.focus()
        agent.value = "PROJECT-other"
        await pilot.press("enter")
        assert app.settings.agent == "PROJECT-other"
        assert app.focused is app.screen.query_one("#conversation-id", Input)
        app.screen.query_one("#region", Select).value = "uk"
        await pilot.pause()
        assert app.settings.region == "uk"
        assert app.loader.settings.region == "uk"
        assert app.settings.agent == "PROJECT-other"


# -- loading ----------------------------------------------------------------------------------


async def test_initial_id_loads_at_once(server, tmp_path):
    app = make_app(server, tmp_path, initial_id=BANK_ID, initial_turn=5)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_loaded(app, pilot)
        assert screen.loaded.conversation_id == BANK_ID
        assert screen.transcript.cursor == 4  # turn 5, 1-based
        assert isinstance(app.focused, TranscriptView)
        assert server.hits == 1
        await pilot.press("escape")
        assert isinstance(app.screen, StartScreen)


async def test_loading_state_shows_before_the_data(server, tmp_path):
    server.delay = 2.0  # long enough that the keys below land before the answer, even on a busy CI
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    async with app.run_test(size=SIZE) as pilot:
        screen = await shown(app, pilot)
        assert screen.has_class("-loading")
        assert screen.query_one("#loading").display
        assert not screen.query_one("#transcript").display
        assert "QuickStream" not in screen_text(app)
        await pilot.press("j", "G", "slash", "e", "y")  # nothing to act on yet: no crash
        assert screen.loaded is None
        await settle(app, pilot)
        assert not screen.has_class("-loading")
        assert screen.query_one("#transcript").display
        assert "QuickStream" in screen_text(app)


async def test_a_new_id_cancels_the_load_in_progress(server, tmp_path):
    # Held far longer than any loaded machine takes to reach the second ID (stopping the
    # server wakes it).
    server.set_fault("slow", times=1, seconds=300.0)
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    async with app.run_test(size=SIZE) as pilot:
        first = await shown(app, pilot)
        old = [w for w in app.workers if w.node is first]
        assert old and not old[0].is_finished
        app.open_conversation(FRENCH_ID)
        screen = await open_loaded(app, pilot)
        assert screen is not first
        assert old[0].is_cancelled
        assert screen.loaded.conversation_id == FRENCH_ID
        assert "Hôtel des Tilleuls" in screen_text(app)
        assert first.loaded is None
        # Only one conversation screen on the stack: Escape goes straight back to the start.
        assert sum(isinstance(s, ConversationScreen) for s in app.screen_stack) == 1
        await pilot.press("escape")
        assert isinstance(app.screen, StartScreen)


# -- errors -----------------------------------------------------------------------------------


@pytest.fixture
def fixed_correlation(monkeypatch):
    """The demo server stamps every answer with this correlation id (header and error_id)."""
    import polytui.demo._handler as handler

    monkeypatch.setattr(handler, "uuid", SimpleNamespace(uuid4=lambda: CORRELATION))
    return CORRELATION


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ("not_found", "Conversation not found"),
        ("unauthorized", "The API key is missing, invalid or for another region"),
        ("server_error", "Something went wrong on our side"),
    ],
)
async def test_api_errors_show_message_and_correlation_id(
    server, tmp_path, fast_retries, fixed_correlation, fault, message
):
    server.set_fault(fault)
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = conv_screen(app)
        assert screen.has_class("-failed")
        assert not screen.query_one("#transcript").display
        text = " ".join(screen_text(app).split())
        assert "Could not open this conversation" in text
        assert message in text
        assert f"Correlation id: {CORRELATION}" in text
        # Still usable: keys do nothing harmful, Escape goes back, another ID opens.
        await pilot.press("j", "slash", "e")
        assert isinstance(app.screen, ConversationScreen)
        footer = screen_text(app).splitlines()[-1]
        assert "Refresh" in footer and "Next turn" not in footer  # only what works is offered
        server.set_fault(None)
        await pilot.press("escape")
        assert isinstance(app.screen, StartScreen)
        app.screen.query_one("#conversation-id", Input).value = FRENCH_ID
        await pilot.press("enter")
        screen = await open_loaded(app, pilot)
        assert screen.loaded.conversation_id == FRENCH_ID
        assert "Could not open" not in screen_text(app)


async def test_r_retries_after_an_error(server, tmp_path, fast_retries):
    server.set_fault("not_found", times=1)
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = conv_screen(app)
        assert screen.has_class("-failed")
        hits = server.hits
        await pilot.press("r")
        await settle(app, pilot)
        assert server.hits == hits + 1
        assert not screen.has_class("-failed")
        assert screen.loaded is not None
        assert "QuickStream" in screen_text(app)
        assert "Could not open" not in screen_text(app)


# -- offline fallback -------------------------------------------------------------------------


async def test_offline_copy_when_the_api_fails(server, tmp_path, fast_retries):
    settings = make_settings(server, tmp_path)
    async with Loader(settings) as loader:  # store the live call once, as a reviewer would have
        first = await loader.load(LIVE_ID)
    loader.close_store()
    assert first.source == "api" and first.conversation.live
    server.set_fault("server_error")
    app = make_app(server, tmp_path, settings=settings, initial_id=LIVE_ID)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_loaded(app, pilot)
        assert screen.loaded.source == "stale"
        text = " ".join(screen_text(app).split())
        assert "offline copy, fetched" in text
        assert "Cedar Valley Dental" in text
        assert any("showing the offline copy" in n for n in notices(app))


# -- keys on the conversation screen ----------------------------------------------------------


async def test_cursor_keys(server, tmp_path):
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_loaded(app, pilot)
        view = screen.transcript
        count = view.turn_count
        assert count == 9 and view.cursor == 0
        await pilot.press("j")
        assert view.cursor == 1
        await pilot.press("down", "down")
        assert view.cursor == 3
        await pilot.press("k")
        assert view.cursor == 2
        await pilot.press("up")
        assert view.cursor == 1
        await pilot.press("G")
        assert view.cursor == count - 1
        await pilot.press("j")  # stops at the end
        assert view.cursor == count - 1
        await pilot.press("g")
        assert view.cursor == 0
        await pilot.press("k")
        assert view.cursor == 0
        await pilot.press("end")
        assert view.cursor == count - 1
        await pilot.press("home")
        assert view.cursor == 0
        await pilot.press("pagedown")
        paged = view.cursor
        assert paged > 1
        await pilot.press("pageup")
        assert view.cursor == 0
        await pilot.press("space")
        assert view.cursor == paged
        await pilot.pause()
        assert f"#{paged + 1} " in screen_text(app)
        # y copies the cursor turn as plain text, Y the conversation ID.
        await pilot.press("g", "j", "y")
        assert "there's a charge on my card I don't recognise" in app.clipboard
        assert "Thank you for calling" not in app.clipboard
        await pilot.press("Y")
        assert app.clipboard == BANK_ID
        assert any("Copied" in n for n in notices(app))


async def test_search_keys(server, tmp_path):
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_loaded(app, pilot)
        view = screen.transcript
        await pilot.press("n")
        assert any("No search yet" in n for n in notices(app))
        await pilot.press("slash")
        box = screen.query_one("#search-input", Input)
        assert app.focused is box
        box.value = "zebra crossing"
        await pilot.press("enter")
        assert "no match" in screen_text(app)
        assert view.cursor == 0 and app.focused is view
        await pilot.press("slash", "escape")  # Escape in the box: back to the transcript
        assert app.focused is view and isinstance(app.screen, ConversationScreen)
        await pilot.press("slash")
        assert app.focused is box
        box.value = ""
        await pilot.press("c", "a", "r", "d")
        await pilot.press("enter")
        total = view.match_count
        assert total >= 3
        assert app.focused is view
        first = view.cursor
        assert view.match_index == 1
        count = screen.query_one("#search-count", Static)
        assert str(count.render()) == f"1/{total}"
        await pilot.press("n")
        assert view.cursor > first
        assert str(count.render()) == f"2/{total}"
        await pilot.press("N")
        assert view.cursor == first
        assert str(count.render()) == f"1/{total}"
        await pilot.press("N")  # wraps to the last match
        assert str(count.render()) == f"{total}/{total}"
        await pilot.pause()
        assert f"{total}/{total}" in screen_text(app)
        # Escape clears the search, then goes back.
        await pilot.press("escape")
        assert view.search_query == ""
        assert not screen.query_one("#search-bar").display
        assert isinstance(app.screen, ConversationScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, StartScreen)


async def test_flagged_turn_keys(server, tmp_path):
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_loaded(app, pilot)
        view = screen.transcript
        seen = []
        for _ in range(12):
            await pilot.press("right_square_bracket")
            seen.append(view.cursor)
        flagged = sorted(set(seen))
        assert flagged[0] > 0 and len(flagged) >= 3  # silence, DTMF, slow turns
        assert seen[-1] == flagged[-1]  # no wrap-around
        assert any("No more flagged turns" in n for n in notices(app))
        await pilot.press("left_square_bracket")
        assert view.cursor == flagged[-2]


async def test_t_toggles_translations(server, tmp_path):
    app = make_app(server, tmp_path, initial_id=FRENCH_ID)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_loaded(app, pilot)
        english = "Hello and welcome to Hôtel des Tilleuls"
        assert screen.transcript.show_translations
        assert english in screen_text(app)
        await pilot.press("t")
        assert not screen.transcript.show_translations
        assert english not in screen_text(app)
        assert "Bonjour et bienvenue" in screen_text(app)
        await pilot.press("t")
        assert english in screen_text(app)


async def test_p_toggles_panels_and_tab_reaches_them(server, tmp_path):
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_loaded(app, pilot)
        side = screen.query_one("#side")
        assert side.display and screen.transcript.display
        assert "Function events" in screen_text(app)
        await pilot.press("p")
        assert not side.display
        assert "Function events" not in screen_text(app)
        assert screen.transcript.size.width == 120
        await pilot.press("p")
        assert side.display
        await pilot.press("tab")
        tree = app.focused
        assert isinstance(tree, JsonTree) and tree.id == "metrics"
        await pilot.press("j", "y")  # the first metric: verified = "true"
        assert app.clipboard == "true"
        await pilot.press("escape")  # back to the transcript, not off the screen
        assert app.focused is screen.transcript
        assert isinstance(app.screen, ConversationScreen)


async def test_p_at_80_columns_gives_the_body_to_the_panels(server, tmp_path):
    app = make_app(server, tmp_path, initial_id=FUNCTIONS_ID)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_loaded(app, pilot)
        side = screen.query_one("#side")
        assert not side.display
        assert screen.transcript.display and app.focused is screen.transcript
        await pilot.press("p")
        assert side.display and not screen.transcript.display
        assert "Function events" in screen_text(app)
        # The focus follows to the panels (never stays on the hidden transcript); Tab cycles.
        assert isinstance(app.focused, JsonTree) and app.focused.id == "metrics"
        await pilot.press("tab")
        assert isinstance(app.focused, JsonTree) and app.focused.id == "functions"
        await pilot.press("shift+tab")
        assert isinstance(app.focused, JsonTree) and app.focused.id == "metrics"
        await pilot.press("p")
        assert not side.display and screen.transcript.display
        assert app.focused is screen.transcript
        # Escape in a panel that covers the transcript closes the panels (one layer back).
        await pilot.press("p", "tab", "escape")
        assert not side.display and app.focused is screen.transcript
        assert isinstance(app.screen, ConversationScreen)


async def test_r_refreshes_and_a_failed_refresh_keeps_the_view(server, tmp_path, fast_retries):
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_loaded(app, pilot)
        assert server.hits == 1
        await pilot.press("j", "j", "r")
        await settle(app, pilot)
        assert server.hits == 2 and screen.loaded.source == "api"
        assert screen.transcript.cursor == 2  # a refresh keeps the place
        assert any("Refreshed" in n for n in notices(app))
        before = screen.loaded
        server.set_fault("server_error")
        await pilot.press("r")
        await settle(app, pilot)
        assert server.hits > 2
        assert screen.loaded is before  # not replaced by the stored ("offline") copy
        assert not screen.has_class("-failed")
        assert screen.transcript.cursor == 2
        text = " ".join(screen_text(app).split())
        assert "QuickStream" in text and "offline copy" not in text
        assert any("Something went wrong on our side" in n for n in notices(app))
    # A stored finished call opens from the store without the network; r still refreshes.
    server.set_fault(None)
    hits = server.hits
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_loaded(app, pilot)
        assert screen.loaded.source == "store" and server.hits == hits
        await pilot.press("r")
        await settle(app, pilot)
        assert server.hits == hits + 1 and screen.loaded.source == "api"


async def test_e_exports_each_format_privately(server, tmp_path):
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    async with app.run_test(size=SIZE) as pilot:
        await open_loaded(app, pilot)
        for fmt, suffix in EXPORTS.items():
            await pilot.press("e")
            modal = app.screen
            assert isinstance(modal, ExportScreen)
            next(b for b in modal.query(RadioButton) if b.name == fmt).value = True
            await pilot.pause()
            box = modal.query_one("#export-path", Input)
            assert app.focused is box
            assert box.value.endswith(f"{BANK_ID}{suffix}")  # the default name follows
            written = tmp_path / f"call{suffix}"
            box.value = str(written)
            await pilot.press("enter")
            await settle(app, pilot)  # written off the event loop
            assert isinstance(app.screen, ConversationScreen)
            assert stat.S_IMODE(written.stat().st_mode) == 0o600
            assert "QuickStream" in written.read_text(encoding="utf-8")
            assert any(str(written) in n and fmt in n for n in notices(app))
        # A directory gets the default file name; a path that cannot be written says so.
        await pilot.press("e")
        box = app.screen.query_one("#export-path", Input)
        box.value = str(tmp_path / "missing-dir" / "x.md")
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ExportScreen)
        assert "Cannot write" in str(app.screen.query_one("#export-error", Static).render())
        box.value = str(tmp_path)
        await pilot.press("enter")
        await settle(app, pilot)
        assert (tmp_path / f"{BANK_ID}.md").exists()
        assert isinstance(app.screen, ConversationScreen)
        await pilot.press("e", "escape")
        assert isinstance(app.screen, ConversationScreen)


async def test_help_lists_the_screen_keys(server, tmp_path):
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    async with app.run_test(size=SIZE) as pilot:
        await open_loaded(app, pilot)
        for key in ("question_mark", "f1"):
            await pilot.press(key)
            assert isinstance(app.screen, HelpScreen)
            text = screen_text(app)
            for binding in ConversationScreen.BINDINGS:
                assert binding.description in text, binding.description
            assert "Reviewing a conversation" in text and "Quit" in text
            await pilot.press("escape")
            assert isinstance(app.screen, ConversationScreen)


async def test_palette_lists_and_runs_the_screen_actions(server, tmp_path):
    from textual.command import CommandPalette

    app = make_app(server, tmp_path, initial_id=BANK_ID)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_loaded(app, pilot)
        titles = [c.title for c in app.get_system_commands(screen)]
        assert "Next flagged" in titles and "Export" in titles and "Copy ID" in titles
        await pilot.press("ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        app.screen.query_one(Input).value = "Next flagged"
        await pilot.pause(0.3)
        assert "Next flagged" in screen_text(app)
        await pilot.press("enter")
        assert app.screen is screen
        assert screen.transcript.cursor > 0  # the first flagged turn


async def test_q_quits_with_code_0(server, tmp_path):
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    async with app.run_test(size=SIZE) as pilot:
        await open_loaded(app, pilot)
        await pilot.press("q")
    assert app.return_code == 0


# -- size and hostile text --------------------------------------------------------------------


async def test_5000_turn_call_and_resize(server, tmp_path):
    app = make_app(server, tmp_path, initial_id=BIG_ID)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_loaded(app, pilot)
        view = screen.transcript
        assert view.turn_count == 5000
        await pilot.press("G")
        assert view.cursor == 4999
        assert "#5000 " in screen_text(app)
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert screen.has_class("-narrow") and not screen.query_one("#side").display
        assert "#5000 " in screen_text(app)
        await pilot.press("k", "g")
        assert view.cursor == 0
        assert "#1 " in screen_text(app)
        await pilot.resize_terminal(*SIZE)
        await pilot.pause()
        assert screen.query_one("#side").display


HOSTILE = [
    "[bold]x[/]",
    "[@click=app.quit]q",
    "\x1b[2J",
    "\x1b]52;c;ZXZpbA==\x07",
    "\u202eevil",
    "a [/] b",
]


def hostile_call(samples) -> dict[str, Any]:
    text = " ".join(HOSTILE)
    call = dict(samples[0])
    call["conversationId"] = "CA-hostile"
    call["shortSummary"] = text
    call["tags"] = HOSTILE
    call["note"] = text
    call["handoffReason"] = text
    call["audioUrl"] = "https://x.test/[@click=app.quit]q"
    call["metrics"] = {h: h for h in HOSTILE}
    call["functionEvents"] = [{"name": h, "args": {"value": h}} for h in HOSTILE]
    call["turns"] = [
        {"user_input": h, "agent_response": h, "intents": [h], "entities": [{h: h}]}
        for h in HOSTILE
    ]
    return call


async def test_hostile_text_is_shown_as_data(server, tmp_path, samples, monkeypatch):
    from textual.widgets._toast import Toast

    import polytui.tui.screens.conversation_view as conversation_module

    monkeypatch.setattr(conversation_module, "open_url", lambda url: "xdg-open")
    server.add(hostile_call(samples))
    app = make_app(server, tmp_path, initial_id="CA-hostile")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await open_loaded(app, pilot)
        text = screen_text(app)
        assert "[bold]x[/]" in text
        assert "[@click=app.quit]q" in text
        # Click the hidden "quit" link wherever it shows: nothing happens.
        lines = text.splitlines()
        spots = [(ln.index("[@click"), y) for y, ln in enumerate(lines) if "[@click" in ln]
        assert spots
        for x, y in spots:
            if x + len("[@click=app.quit]") < SIZE[0]:  # a label at the edge is cropped
                await pilot.click(offset=(x + len("[@click=app.quit]"), y))
        assert app.is_running and app.return_code is None
        # Notices carrying API text stay plain text too (the API's words on a recording it
        # does not have, then the Studio link opened instead).
        server.set_fault("not_found", message="No recording [@click=app.quit]q", times=1)
        await pilot.press("o")
        await settle(app, pilot)
        toasts = [str(t.render()) for t in app.screen.query(Toast)]
        assert any("[@click=app.quit]q" in t for t in toasts), toasts
        await pilot.press("G", "y", "slash")
        screen.query_one("#search-input", Input).value = "[/]"
        await pilot.press("enter")
        assert screen.transcript.match_count == 2  # "[bold]x[/]" and "a [/] b", literally
        svg = app.export_screenshot()
        found = UNSAFE.search(svg)
        assert found is None, repr(found.group())
        assert "\u241b" in svg  # ESC is shown as its control picture
        for toast in notices(app):
            assert not UNSAFE.search(toast)


# -- widget bugs found here (the widgets are not this file's to change) -------------------------


class _WidgetApp(App[None]):
    def __init__(self, widget) -> None:
        super().__init__()
        self.widget = widget

    def compose(self) -> ComposeResult:
        yield self.widget


async def test_transcript_keeps_the_cursor_visible_when_resized(samples):
    view = TranscriptView()
    app = _WidgetApp(view)
    async with app.run_test(size=SIZE) as pilot:
        view.set_conversation(Conversation.from_data(samples[-1]))
        await pilot.pause()
        view.cursor_last()
        await pilot.pause()
        assert "#5000 " in screen_text(app)
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        await pilot.pause()
        assert "#5000 " in screen_text(app)


async def test_header_shows_the_start_of_the_audio_url(samples):
    header = CallHeader()
    app = _WidgetApp(header)
    async with app.run_test(size=SIZE) as pilot:
        header.set_conversation(Conversation.from_data(samples[1]))
        await pilot.pause()
        text = screen_text(app)
        assert "tags fraud, dispute, handoff, dtmf" in text
        assert "audio https://api.us.poly.ai/" in text


async def test_a_config_file_others_can_read_is_warned_about_in_the_app(server, tmp_path):
    from polytui.core.config import config_path, resolve_settings

    path = config_path()
    path.parent.mkdir(parents=True)
    path.write_text('api_key = "k-from-file-123"\n')
    os.chmod(path, 0o644)
    notices_in_force = resolve_settings({}, env={}).notices
    settings = make_settings(server, tmp_path).with_(notices=notices_in_force)
    app = make_app(server, tmp_path, settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        (shown,) = notices(app)
        assert "other users can read it" in shown and f"chmod 600 {path}" in shown
        assert "k-from-file-123" not in shown


async def test_leaving_a_call_at_its_first_frame_mounts_nothing_after(server, tmp_path):
    """q pressed as a call's first frame is drawn: the panels and the search bar, mounted just
    after that frame, are not mounted on the screen that is gone (it raised MountError)."""
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = conv_screen(app)
        await app.pop_screen()  # the call's screen leaves (the start screen replaces it)
        await pilot.pause()
        assert not screen.is_attached
        screen._deferred = None  # as before its first frame's follow-up ran
        await screen._after_first_paint()  # must not raise
        assert screen._deferred is None
