"""Issue 5, faults from the network, in the app (Textual pilot, the real loopback server).

For every fault the issue names (tests/faults.py; 401/403/404 are in test_app.py): a reviewer has a call open from the store and presses ``r``
while the network misbehaves; then opens a call that is not stored. The refresh failure is a
notice with the one sentence, the call on screen and its place stay, keys keep working; the
failed open is an error page with the same sentence, and q still quits with 0. The store is byte-for-byte as it was before.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from polytui.core.config import Settings
from polytui.demo._scripts import BANK_ID, FRENCH_ID
from polytui.demo.samples import DEMO_ACCOUNT, DEMO_AGENT
from polytui.demo.server import DemoServer
from polytui.loader import Loader
from polytui.tui.app import PolyTUI
from polytui.tui.screens.conversation import ConversationScreen
from polytui.tui.screens.start import StartScreen

from .faults import (
    ISSUE_FAULT_IDS,
    ISSUE_FAULTS,
    arm,
    check_other_untouched,
    store_files,
    stored_rows,
)
from .helpers import SECRET_KEY
from .notices import said
from .test_app import settle

SIZE = (120, 40)


@pytest.fixture
def other(samples):
    with DemoServer(samples, api_key=None) as running:
        yield running


def _settings(url: str, data: Path, **changes) -> Settings:
    base = Settings(
        api_key=SECRET_KEY,
        agent=DEMO_AGENT,
        account=DEMO_ACCOUNT,
        base_url_override=url,
        data_path=data,
    )
    return base.with_(**changes)


def _app(settings: Settings, **kwargs) -> PolyTUI:
    return PolyTUI(settings, **kwargs)


def _text(app: PolyTUI) -> str:
    """What the terminal shows, words joined by single spaces (wrapping undone)."""
    return " ".join(
        " ".join(strip.text for strip in app.screen._compositor.render_strips()).split()
    )


def _notices(app: PolyTUI) -> list[str]:
    return [f"{n.title}: {n.message}" for n in said(app)]


async def _settle(app: PolyTUI, pilot) -> None:
    await settle(app, pilot)


async def _store_good_copy(settings: Settings) -> None:
    async with Loader(settings) as loader:
        loaded = await loader.load(BANK_ID)
    loader.close_store()
    assert loaded.source == "api"


@pytest.mark.parametrize("fault", ISSUE_FAULTS, ids=ISSUE_FAULT_IDS)
async def test_fault_in_the_app_message_usable_store_untouched(
    fault, server, other, tmp_path, fast_retries
):
    data = tmp_path / "store"
    await _store_good_copy(_settings(server.url, data))
    files, rows = store_files(data), stored_rows(data / "polytui.sqlite3", BANK_ID)
    url = arm(fault, server, other)
    app = _app(_settings(url, data, timeout=fault.timeout), initial_id=BANK_ID)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ConversationScreen) and screen.loaded.source == "store"
        view = screen.transcript
        await pilot.press("j")
        assert view.cursor == 1
        # r while the network misbehaves: a notice, and the copy on screen stays.
        await pilot.press("r")
        await _settle(app, pilot)
        failed = [n for n in _notices(app) if n.startswith("Refresh failed: ")]
        assert len(failed) == 1, _notices(app)
        for word in fault.words:
            assert word in failed[0], (word, failed[0])
        assert SECRET_KEY not in failed[0] and "Traceback" not in failed[0]
        assert screen.loaded.source == "store" and not screen.has_class("-failed")
        assert "QuickStream" in _text(app)
        await pilot.press("j", "j", "k")  # keys still work
        assert view.cursor == 2
        # A call that is not stored: the error page carries the same sentence.
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, StartScreen)
        app.screen.query_one("#conversation-id", Input).value = FRENCH_ID
        await pilot.press("enter")
        await _settle(app, pilot)
        page = app.screen
        assert isinstance(page, ConversationScreen) and page.has_class("-failed")
        shown = _text(app)
        assert "Could not open this conversation" in shown
        for word in fault.words:
            assert word in shown, (word, shown)
        assert "Traceback" not in shown and SECRET_KEY not in shown
        await pilot.press("q")
    assert app.return_code == 0
    check_other_untouched(fault, other)
    assert store_files(data) == files, "a failed refresh changed the store"
    assert stored_rows(data / "polytui.sqlite3", BANK_ID) == rows
    assert stored_rows(data / "polytui.sqlite3", FRENCH_ID) == []


# -- the store seen from the app ---------------------------------------------------------------


async def test_a_damaged_store_is_moved_aside_with_a_notice_and_the_app_works(server, tmp_path):
    data = tmp_path / "store"
    data.mkdir()
    (data / "polytui.sqlite3").write_bytes(b"\x00garbage, not SQLite\n" * 400)
    app = _app(_settings(server.url, data), initial_id=BANK_ID)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ConversationScreen) and screen.loaded.source == "api"
        [notice] = [n for n in _notices(app) if "damaged" in n]
        assert notice.startswith("Store: ") and ".corrupt-" in notice
        await pilot.press("j")
        assert screen.transcript.cursor == 1
    moved = [p for p in data.iterdir() if ".corrupt-" in p.name]
    assert len(moved) == 1 and moved[0].read_bytes().startswith(b"\x00garbage")
    assert stored_rows(data / "polytui.sqlite3", BANK_ID)


async def test_a_store_that_cannot_be_written_is_a_notice_and_the_copy_stays(server, tmp_path):
    from polytui.adapters.sqlite import Store

    data = tmp_path / "store"
    settings = _settings(server.url, data)
    await _store_good_copy(settings)
    rows = stored_rows(data / "polytui.sqlite3", BANK_ID)
    store = Store(settings.db_path)
    store._conn.execute("PRAGMA query_only = 1")  # every write now fails, as on a full disk
    app = PolyTUI(settings, loader=Loader(settings, store=store), initial_id=BANK_ID)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ConversationScreen)
        await pilot.press("r")
        await _settle(app, pilot)
        assert screen.loaded.source == "api"  # the fresh copy is shown...
        [notice] = [n for n in _notices(app) if "could not keep it" in n]
        assert "Cannot write to the store" in notice  # ...and the reviewer is told
        await pilot.press("j")
        assert screen.transcript.cursor == 1
    assert stored_rows(data / "polytui.sqlite3", BANK_ID) == rows
