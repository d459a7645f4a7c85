"""SVG snapshots of the cached-call browser and the cross-call search (pytest-textual-snapshot).

Deterministic: the six scripted sample calls are stored through Store.put with fixed fetch
times (the list shows absolute UTC times only), one note is pinned, the app is offline with no
key, and text cursors do not blink. Regenerate with
``pytest tests/test_call_browser_snapshots.py --snapshot-update`` and read the SVGs' text.
"""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input

from polytui.adapters.sqlite import Store
from polytui.demo._scripts import BANK_ID
from polytui.demo.samples import DEMO_AGENT
from polytui.tui.app import PolyTUI

from .test_call_browser import fill, offline_app, scripted  # noqa: F401 - scripted is a fixture
from .test_snapshots import WIDE, settled


def browser_app(tmp_path: Path, calls) -> PolyTUI:
    app = offline_app(tmp_path)
    fill(app.settings.db_path, calls)
    with Store(app.settings.db_path) as store:
        store.add_note(DEMO_AGENT, BANK_ID, 8, "asked for a refund twice")
    return app


async def in_the_list(pilot: Pilot) -> None:
    await settled(pilot)
    await pilot.press("down", "j")
    await pilot.pause()


async def searched(pilot: Pilot) -> None:
    await settled(pilot)
    await pilot.press("ctrl+f")
    await pilot.pause()
    box = pilot.app.screen.query_one("#call-search", Input)
    box.cursor_blink = False
    box.value = "refund*"
    await pilot.press("enter")
    await settled(pilot)


def test_start_screen_with_stored_calls(snap_compare, tmp_path, scripted):  # noqa: F811
    app = browser_app(tmp_path, scripted)
    assert snap_compare(app, terminal_size=WIDE, run_before=in_the_list)


def test_search_across_stored_calls(snap_compare, tmp_path, scripted):  # noqa: F811
    app = browser_app(tmp_path, scripted)
    assert snap_compare(app, terminal_size=WIDE, run_before=searched)
