"""The app never waits for the store on its event loop (Textual pilot, real SQLite files).

- Another process holds the database's write lock (``BEGIN IMMEDIATE`` in a python subprocess,
  kept until the test closes its stdin) while the app keeps a fetched call, adds a note or
  deletes a call: the app keeps answering keys, says it is waiting for the store, and once the
  lock goes the write lands.
- The call browser's ``render_line`` never reaches the store: rows come in pages read off the
  event loop, placeholders are drawn until they arrive.

No durations are asserted: loops that wait for something to show are hang guards only.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from textual.widgets import Input

from polytui.adapters.sqlite import Store
from polytui.core.config import Settings
from polytui.core.models import Conversation
from polytui.demo._scripts import BANK_ID, CHAT_ID
from polytui.demo.samples import DEMO_AGENT
from polytui.loader import Loader
from polytui.tui.app import PolyTUI
from polytui.tui.screens.conversation import ConversationScreen
from polytui.tui.screens.help import HelpScreen
from polytui.tui.screens.note import NoteEditor
from polytui.tui.screens.start import StartScreen
from polytui.tui.widgets.call_pages import PAGE
from polytui.tui.widgets.call_table import PENDING, CallTable

from .test_app import SIZE, make_app, notices, screen_text, settle
from .test_call_browser import fill, offline_app, scripted  # noqa: F401 - scripted is a fixture
from .test_workspace import ThreadSpy

WAITING = "Waiting for the store"
LOCKER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.read()
conn.execute("COMMIT")
"""


class WriteLock:
    """Another process holding the write lock of the SQLite file at ``path`` until release."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.process = subprocess.Popen(
            [sys.executable, "-c", LOCKER, str(path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        assert self.process.stdout.readline().strip() == "locked"

    def held(self) -> bool:
        """Whether a writer is refused right now (asked without waiting)."""
        probe = sqlite3.connect(self.path, timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            return "locked" in str(exc)
        finally:
            probe.close()
        return False

    def release(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            self.process.wait(timeout=60)  # a hang guard


def stored_ids(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:  # a reader: never blocked by the writer
        return {row[0] for row in conn.execute("SELECT conversation_id FROM conversations")}


def stored_note_texts(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [row[0] for row in conn.execute("SELECT text FROM notes ORDER BY id")]


async def until(pilot, condition: Callable[[], bool], what: str) -> None:
    for _ in range(600):  # a hang guard (the store's busy timeout is longer), not a time limit
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"never happened: {what}")


def waiting_shown(app: PolyTUI) -> bool:
    """The waiting notice on screen now (``notices`` also has those said and gone)."""
    return any(WAITING in str(notice.message) for notice in app._notifications)


async def test_a_fetched_call_shows_and_keys_work_while_another_process_holds_the_store(
    server, tmp_path
):
    app = make_app(server, tmp_path)
    db = app.settings.db_path
    Store(db).close()  # the file and its tables exist, as after any earlier run
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(app, pilot)
        lock = WriteLock(db)
        try:
            app.screen.query_one("#conversation-id", Input).value = BANK_ID
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, ConversationScreen), "the screen")
            screen = app.screen
            assert isinstance(screen, ConversationScreen)
            await until(pilot, lambda: screen.loaded is not None, "the call from the API")
            await until(pilot, lambda: WAITING in screen_text(app), "the waiting notice")
            assert waiting_shown(app)
            await pilot.press("j", "j")  # the reviewer reads on
            assert screen.transcript.cursor == 2
            await pilot.press("question_mark")
            assert isinstance(app.screen, HelpScreen)
            await pilot.press("escape")
            assert app.screen is screen
            assert lock.held() and app.workspace.waiting
            assert BANK_ID not in stored_ids(db)  # still waiting to be kept
        finally:
            lock.release()
        await app.workspace.settled()
        await settle(app, pilot)
        assert BANK_ID in stored_ids(db)
        assert not waiting_shown(app) and not app.workspace.waiting
        assert not any("could not keep it" in notice for notice in notices(app))


async def test_a_note_waits_in_the_editor_and_lands_when_the_store_is_free(tmp_path, scripted):  # noqa: F811
    app = offline_app(tmp_path, initial_id=BANK_ID)
    db = app.settings.db_path
    fill(db, scripted)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ConversationScreen) and screen.loaded is not None
        lock = WriteLock(db)
        try:
            await pilot.press("a")
            editor = app.screen
            assert isinstance(editor, NoteEditor)
            editor.text_box.value = "typed while another polytui wrote"
            await pilot.press("enter")
            await until(pilot, lambda: waiting_shown(app), "the waiting notice")
            assert editor.saving and editor.error_text == "Saving…"
            await pilot.press("down")  # the editor still answers keys: the next label
            assert editor.label == "good response"
            await pilot.press("escape")  # not dropped: the editor stays until the store has it
            assert app.screen is editor
            assert editor.text_box.value == "typed while another polytui wrote"
            assert lock.held() and stored_note_texts(db) == []
        finally:
            lock.release()
        await until(pilot, lambda: app.screen is screen, "the editor closing")
        await settle(app, pilot)
        assert stored_note_texts(db) == ["typed while another polytui wrote"]
        assert "Note saved on turn 1." in notices(app) and not waiting_shown(app)
        assert "typed while another polytui wrote" in screen_text(app)


async def test_the_list_moves_while_a_delete_waits_for_the_store(tmp_path, scripted):  # noqa: F811
    app = offline_app(tmp_path)
    db = app.settings.db_path
    fill(db, scripted)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, StartScreen)
        calls = app.screen.query_one("#calls", CallTable)
        lock = WriteLock(db)
        try:
            await pilot.press("down", "j", "d", "y")  # delete the chat (second newest)
            await until(pilot, lambda: waiting_shown(app), "the waiting notice")
            await pilot.press("j", "j", "k")
            assert calls.cursor == 2
            assert lock.held() and CHAT_ID in stored_ids(db)
        finally:
            lock.release()
        await settle(app, pilot)
        assert CHAT_ID not in stored_ids(db) and calls.count == 5
        assert any("its notes are kept" in notice for notice in notices(app))


async def test_render_line_never_reaches_the_store(tmp_path):
    """Every store call the browser makes comes from the store thread; lines whose page has
    not arrived are placeholders, drawn without a store call."""
    settings = Settings(agent=DEMO_AGENT, offline=True, data_path=tmp_path)
    base = {"accountId": "A", "projectId": DEMO_AGENT, "channel": "VOICE", "turns": []}
    started = datetime(2025, 1, 1, tzinfo=UTC)
    with Store(settings.db_path) as store:
        for number in range(3 * PAGE):
            data = {
                **base,
                "conversationId": f"CA{number:05d}",
                "startedAt": (started + timedelta(minutes=number)).isoformat(),
            }
            store.put(DEMO_AGENT, "h", json.dumps(data), Conversation.from_data(data))
    spy = ThreadSpy(Store(settings.db_path))
    app = PolyTUI(settings, loader=Loader(settings, store=spy))  # type: ignore[arg-type]
    loop_thread = threading.get_ident()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        calls = app.screen.query_one("#calls", CallTable)
        assert calls.count == 3 * PAGE and "CA00299" in screen_text(app)
        await pilot.press("down", "G")  # to a page not read yet
        await settle(app, pilot)
        assert calls.cursor_row is not None and calls.cursor_row.conversation_id == "CA00000"
        await pilot.press("g", "pagedown", "pagedown", "pagedown", "pagedown", "pagedown")
        await settle(app, pilot)
        # Painting lines whose page is gone draws placeholders and makes no store call.
        calls._pages.clear()
        calls._strips.clear()
        before = len(spy.calls)
        painted = [calls.render_line(y).text for y in range(1, calls.size.height)]
        assert len(spy.calls) == before
        assert all(line.strip() == PENDING for line in painted if line.strip()), painted
        await settle(app, pilot)  # ... and the pages come, off the event loop
        assert len(spy.calls) > before and calls.cursor_row is not None
        assert "CA00" in screen_text(app) and PENDING not in screen_text(app).split()
    browser_calls = [name for name, _ in spy.calls if name in ("page", "position", "count")]
    assert browser_calls.count("page") >= 3
    assert loop_thread not in spy.threads()
