"""SVG snapshots that pin the look of the review app (pytest-textual-snapshot).

Deterministic by construction: the sample calls are fixed, every call comes from the loopback
server (source "api", so no "offline copy, fetched <when>" line), the error screen's correlation
id and host name are pinned, text cursors do not blink and no notification is on screen.
Regenerate with ``pytest tests/test_snapshots.py --snapshot-update`` and read the SVGs' text.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from polytui.adapters.http.client import ApiClient
from polytui.demo._scripts import BANK_ID, FRENCH_ID, FUNCTIONS_ID
from polytui.demo.samples import DEMO_AGENT
from polytui.loader import Loader
from polytui.tui.app import PolyTUI

from .test_app import make_settings, settle

WIDE = (120, 40)
NARROW = (80, 24)
CORRELATION = "7d4c2a10-5b1e-4f3a-9c8d-0e6f1a2b3c4d"


class PinnedHostClient(ApiClient):
    """The real client, naming its host as the production one: the loopback server's port
    changes from run to run and would otherwise show in error messages."""

    @property
    def host(self) -> str:
        return "api.us.poly.ai"


def quiet(message: str) -> None:
    """Retry notices are not part of any snapshot."""


def make_app(server, tmp_path: Path, **kwargs) -> PolyTUI:
    settings = make_settings(server, tmp_path)
    loader = Loader(settings, client_factory=lambda s: PinnedHostClient(s, announce=quiet))
    return PolyTUI(settings, loader=loader, **kwargs)


async def settled(pilot: Pilot) -> None:
    """Wait for the load, then make what is left time-dependent still."""
    app = pilot.app
    await settle(app, pilot)  # type: ignore[arg-type]
    for box in app.screen.query(Input):
        box.cursor_blink = False
    app.clear_notifications()
    await pilot.pause()


async def searched(pilot: Pilot) -> None:
    await settled(pilot)
    await pilot.press("slash")
    box = pilot.app.screen.query_one("#search-input", Input)
    box.cursor_blink = False
    box.value = "card"
    await pilot.press("enter", "n")
    pilot.app.clear_notifications()
    await pilot.pause()


@pytest.fixture
def fixed_correlation(monkeypatch):
    import polytui.demo._handler as handler

    monkeypatch.setattr(handler, "uuid", SimpleNamespace(uuid4=lambda: CORRELATION))


def test_start_screen_lists_the_samples(snap_compare, server, tmp_path, samples):
    app = make_app(server, tmp_path, samples=samples, demo=True)
    assert snap_compare(app, terminal_size=WIDE, run_before=settled)


def test_bank_call_wide(snap_compare, server, tmp_path):
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    assert snap_compare(app, terminal_size=WIDE, run_before=settled)


def test_bank_call_narrow(snap_compare, server, tmp_path):
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    assert snap_compare(app, terminal_size=NARROW, run_before=settled)


def test_french_call_with_translations(snap_compare, server, tmp_path):
    app = make_app(server, tmp_path, initial_id=FRENCH_ID)
    assert snap_compare(app, press=["j"], terminal_size=WIDE, run_before=settled)


def test_search_with_a_count(snap_compare, server, tmp_path):
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    assert snap_compare(app, terminal_size=WIDE, run_before=searched)


def test_not_found_error(snap_compare, server, tmp_path, fixed_correlation):
    server.set_fault("not_found")
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    assert snap_compare(app, terminal_size=WIDE, run_before=settled)


def test_help_screen(snap_compare, server, tmp_path):
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    assert snap_compare(app, press=["question_mark"], terminal_size=WIDE, run_before=settled)


async def panels_opened(pilot: Pilot) -> None:
    await settled(pilot)
    await pilot.press("p")
    await pilot.pause()
    await pilot.pause()


def test_panels_open_narrow(snap_compare, server, tmp_path):
    app = make_app(server, tmp_path, initial_id=FUNCTIONS_ID)
    assert snap_compare(app, terminal_size=NARROW, run_before=panels_opened)


async def note_typed(pilot: Pilot) -> None:
    """`a` on turn 3, a few words and a label: the note editor over the call."""
    await settled(pilot)
    await pilot.press("j", "j", "a")
    box = pilot.app.screen.query_one("#note-text", Input)
    box.cursor_blink = False
    await pilot.press(*"slow", "down", "down")
    await pilot.pause()


def test_note_editor_over_a_call(snap_compare, server, tmp_path):
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    assert snap_compare(app, terminal_size=WIDE, run_before=note_typed)


def test_call_with_labelled_notes(snap_compare, server, tmp_path):
    """A labelled note inline under turn 3 (with its NOTE badge) and a whole-call note above
    the transcript, written to the store before the app opens (as `polytui notes add` would)."""
    from polytui.adapters.sqlite import Store

    app = make_app(server, tmp_path, initial_id=BANK_ID)
    with Store(app.settings.db_path) as store:
        store.add_note(DEMO_AGENT, BANK_ID, 3, "Read the digits back too fast.", "bad response")
        store.add_note(DEMO_AGENT, BANK_ID, None, "Handoff to fraud was right.", "good response")
    assert snap_compare(app, terminal_size=WIDE, run_before=settled)


async def found(pilot: Pilot) -> None:
    """Find over the sample calls (a fixed window, so no date moves), the third one opened
    and stored (its mark), back on the listing."""
    await settled(pilot)
    await pilot.press("ctrl+g")
    await settled(pilot)
    screen = pilot.app.screen
    screen.query_one("#find-since", Input).value = "2020-01-01"
    screen.query_one("#find-until", Input).value = "2030-01-01"
    screen.query_one("#find-since", Input).focus()
    await pilot.press("enter")
    await settled(pilot)
    await pilot.press("j", "j", "enter")
    await settled(pilot)
    await pilot.press("escape")
    await settled(pilot)


def test_find_lists_the_calls_with_their_marks(snap_compare, server, tmp_path, monkeypatch):
    from polytui.core.config import Settings

    # The loopback server's port changes from run to run: the title names the real host.
    monkeypatch.setattr(
        Settings, "platform_host", property(lambda _: "api.us-1.platform.polyai.app")
    )
    app = make_app(server, tmp_path)
    assert snap_compare(app, terminal_size=WIDE, run_before=found)
