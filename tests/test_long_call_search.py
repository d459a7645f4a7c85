"""The first search of a long stored call: its search text is built on the store's thread, a
step at a time, while the bar says "searching…" and keys still work; the cursor then lands on
the first match, `n` / `N` pressed meanwhile follow, and Escape or leaving the call stops it.
A real SQLite store in tmp_path, the call read as it is shown (polytui.core.long_call)."""

from __future__ import annotations

import contextlib
import json
import threading
from pathlib import Path

import pytest
from textual.worker import WorkerCancelled

from polytui import loader as loader_module
from polytui.adapters.sqlite import Store
from polytui.core.config import Settings
from polytui.core.models import Conversation
from polytui.demo.samples import DEMO_AGENT, big_conversation
from polytui.tui.app import PolyTUI
from polytui.tui.screens import conversation_nav
from polytui.tui.screens.conversation import ConversationScreen
from polytui.tui.widgets.search_bar import SearchBar
from polytui.tui.widgets.transcript_model import TranscriptModel

from .test_app import notices

HOST = "https://api.us.poly.ai"
TURNS = 1500
WORD = "zanzibar"
MATCHES = (700, 1100)  # 0-based turns whose agent says the word
GUARD = 600  # pauses: a hang guard, not a time limit


class HeldBuild:
    """``TranscriptModel.build_search`` counted, with the thread it ran on; the first call waits
    until ``release`` (the search is under way for as long as the test needs)."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.started = threading.Event()
        self.threads: set[str] = set()
        self.calls = 0
        self._build = TranscriptModel.build_search

    def __call__(self, model: TranscriptModel, turns: int, **kwargs) -> bool:
        self.calls += 1
        self.threads.add(threading.current_thread().name)
        self.started.set()
        assert self.release.wait(GUARD), "never released"
        return self._build(model, turns, **kwargs)


@pytest.fixture
def held(monkeypatch) -> HeldBuild:
    monkeypatch.setattr(loader_module, "LONG_CALL_BYTES", 0)  # read as it is shown
    monkeypatch.setattr(conversation_nav, "SEARCH_AT_ONCE", 200)  # this call is long
    monkeypatch.setattr(conversation_nav, "SEARCH_STEP", 256)  # built in several steps
    hold = HeldBuild()

    def build_search(model: TranscriptModel, turns: int, **kwargs) -> bool:
        return hold(model, turns, **kwargs)

    monkeypatch.setattr(TranscriptModel, "build_search", build_search)
    return hold


def long_app(tmp_path: Path) -> PolyTUI:
    call = big_conversation(TURNS, conversation_id="CA-long")
    for index in MATCHES:
        call["turns"][index]["agent_response"] = f"Your parcel went to {WORD.title()} instead."
    raw = json.dumps(call)
    settings = Settings(agent=DEMO_AGENT, data_path=tmp_path, offline=True)
    with Store(settings.db_path) as store:
        store.put(DEMO_AGENT, HOST, raw, Conversation.from_data(call))
    return PolyTUI(settings, initial_id="CA-long")


async def read_whole(app: PolyTUI, pilot) -> ConversationScreen:
    """The call on screen with every turn read (reading on shares the store's thread)."""
    for _ in range(GUARD):
        screen = app.screen
        if isinstance(screen, ConversationScreen) and screen.loaded is not None:
            conversation = screen.transcript.conversation
            if (
                conversation is not None
                and not conversation.reading
                and (screen.transcript.turn_count == TURNS)
            ):
                await pilot.pause()
                return screen
        await pilot.pause(0.05)
    raise AssertionError("the long call was never read whole")


async def searching_stops(screen: ConversationScreen, pilot) -> None:
    worker = screen._searching
    if worker is not None:
        with contextlib.suppress(WorkerCancelled):
            await worker.wait()
    await screen.app.workspace.settled()
    await pilot.pause()


def count_text(screen: ConversationScreen) -> str:
    return str(screen.query_one("#search-count").render())


async def start_search(screen: ConversationScreen, pilot, held: HeldBuild) -> None:
    await pilot.press("slash", *WORD, "enter")
    for _ in range(GUARD):
        if held.started.is_set():
            break
        await pilot.pause(0.05)
    assert held.started.is_set(), "the search text was not built"


async def test_the_first_search_of_a_long_call_runs_off_the_event_loop(tmp_path, held):
    app = long_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await read_whole(app, pilot)
        view, bar = screen.transcript, screen.query_one(SearchBar)
        await start_search(screen, pilot, held)
        assert count_text(screen) == "searching…" and bar.has_class("-open")
        assert view.cursor == 0 and view.search_query == ""
        # The app still answers keys while the text is built on the store's thread: j moves,
        # and n waits for the search to land.
        await pilot.press("j", "j")
        assert view.cursor == 2
        await pilot.press("n")
        assert view.cursor == 2 and count_text(screen) == "searching…"
        held.release.set()
        await searching_stops(screen, pilot)
        assert view.model.searchable and held.calls == -(-TURNS // 256)  # every step, once
        assert held.threads == {"polytui-store_0"}  # the store's thread, never the loop's
        # Landed on the first match from the cursor, then n went on to the next.
        assert view.search_query == WORD
        assert view.cursor == MATCHES[1] and count_text(screen) == "2/2"
        await pilot.press("N")
        assert view.cursor == MATCHES[0] and count_text(screen) == "1/2"
        await pilot.press("N")  # wraps, at once now that the text is built
        assert view.cursor == MATCHES[1]
        assert held.calls == -(-TURNS // 256)


async def test_escape_stops_the_search_and_n_makes_it_again(tmp_path, held):
    app = long_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await read_whole(app, pilot)
        view, bar = screen.transcript, screen.query_one(SearchBar)
        await start_search(screen, pilot, held)
        await pilot.press("escape")  # the search under way stops; the call stays
        assert app.screen is screen and screen._searching is None
        assert not bar.has_class("-open") and view.search_query == ""
        held.release.set()
        await app.workspace.settled()
        await pilot.pause()
        assert held.calls == 1 and not view.model.searchable  # no step after the one running
        assert view.cursor == 0 and view.search_query == ""
        await pilot.press("n")  # the last search, made again
        await searching_stops(screen, pilot)
        assert view.cursor == MATCHES[0] and count_text(screen) == "1/2"


async def test_leaving_the_call_stops_its_search(tmp_path, held):
    app = long_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await read_whole(app, pilot)
        await start_search(screen, pilot, held)
        worker = screen._searching
        assert worker is not None
        app.pop_screen()  # as Escape does once nothing else is open
        await pilot.pause()
        held.release.set()
        await app.workspace.settled()
        await pilot.pause()
        assert worker.is_cancelled and held.calls == 1
        assert app.screen is not screen


async def test_a_search_that_fails_says_so_in_one_sentence(tmp_path, held, monkeypatch):
    def broken(model: TranscriptModel, turns: int, **kwargs) -> bool:
        raise RuntimeError("index unreadable\nsecond line")

    monkeypatch.setattr(TranscriptModel, "build_search", broken)
    app = long_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await read_whole(app, pilot)
        view, bar = screen.transcript, screen.query_one(SearchBar)
        await pilot.press("slash", *WORD, "enter")
        await searching_stops(screen, pilot)
        assert "unexpected error: RuntimeError: index unreadable" in notices(app)
        assert not bar.has_class("-open") and view.search_query == ""
        assert screen._searching is None
        await pilot.press("j", "n")  # the call still answers; n tries the search again
        assert view.cursor == 1
        await searching_stops(screen, pilot)
        assert notices(app).count("unexpected error: RuntimeError: index unreadable") == 2
