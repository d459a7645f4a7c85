"""The start screen's cached-call browser and cross-call search, driven by Textual's pilot over a
real SQLite store in tmp_path (filled with the sample calls through Store.put), offline and
without an API key unless a test says otherwise."""

from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, Static

from polytui.adapters.sqlite import Store
from polytui.core.config import Settings
from polytui.core.models import Conversation
from polytui.demo._scripts import BANK_ID, BOOKING_ID, CHAT_ID, FRENCH_ID, FUNCTIONS_ID, LIVE_ID
from polytui.demo.samples import DEMO_AGENT, sample_conversations
from polytui.tui.app import PolyTUI
from polytui.tui.screens.confirm import ConfirmScreen
from polytui.tui.screens.conversation import ConversationScreen
from polytui.tui.screens.help import HelpScreen
from polytui.tui.screens.search import CallSearchScreen
from polytui.tui.screens.sort import SortScreen
from polytui.tui.screens.start import StartScreen
from polytui.tui.widgets.call_table import CallTable

from .test_app import SIZE, make_app, notices, screen_text, settle

FETCHED = datetime(2025, 6, 2, 9, 30, tzinfo=UTC)
NEWEST_FIRST = [LIVE_ID, CHAT_ID, BOOKING_ID, FUNCTIONS_ID, BANK_ID, FRENCH_ID]
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture(scope="module")
def scripted() -> list[dict[str, Any]]:
    """The six scripted sample calls (not the 5,000-turn one)."""
    return [s for s in sample_conversations() if s["conversationId"] in NEWEST_FIRST]


def fill(db_path: Path, calls: list[dict[str, Any]], agent: str = DEMO_AGENT) -> None:
    with Store(db_path) as store:
        for number, data in enumerate(calls):
            raw = json.dumps(data)
            when = FETCHED + timedelta(minutes=number)
            store.put(agent, "api.us.poly.ai", raw, Conversation.from_data(data), when)


def offline_app(tmp_path: Path, **kwargs: Any) -> PolyTUI:
    """No API key, no network: everything comes from the store."""
    settings = Settings(agent=DEMO_AGENT, offline=True, data_path=tmp_path / "store")
    return PolyTUI(settings, **kwargs)


def table(app: PolyTUI) -> CallTable:
    return app.screen.query_one("#calls", CallTable)


def listed(app: PolyTUI) -> list[str]:
    calls = table(app)
    return [calls.row_at(i).conversation_id for i in range(calls.count)]  # type: ignore[union-attr]


def status(app: PolyTUI) -> str:
    return str(app.screen.query_one("#calls-status").render())


def footer(app: PolyTUI) -> str:
    return screen_text(app).splitlines()[-1]


async def start(app: PolyTUI, pilot) -> StartScreen:
    await settle(app, pilot)
    assert isinstance(app.screen, StartScreen)
    return app.screen


# -- listing ----------------------------------------------------------------------------------


async def test_stored_calls_are_listed_newest_first(tmp_path, scripted):
    app = offline_app(tmp_path)
    fill(app.settings.db_path, scripted)
    async with app.run_test(size=SIZE) as pilot:
        await start(app, pilot)
        assert app.focused.id == "conversation-id"  # the ID input keeps the focus
        assert listed(app) == NEWEST_FIRST
        text = screen_text(app)
        assert "Started (UTC) ▼" in text and "6 calls" in status(app)
        lines = text.splitlines()
        first = next(line for line in lines if LIVE_ID in line)
        assert "2025-03-14 16:45" in first and "VOICE-SIP" in first and "live" in first
        bank = next(line for line in lines if BANK_ID in line)
        assert re.search(r"9:10\s+9 yes\s+2\s+4\.62 s fra", bank), bank
        assert "2025-06-02" not in text  # the fetch time is off to the right at 120 columns
        await pilot.press("down")  # Down from the ID box: into the list
        assert app.focused is table(app)
        await pilot.press("right", "right", "right")
        bank = next(line for line in screen_text(app).splitlines() if "fraud, disp" in line)
        assert "fraud, disp… 2025-06-02 09:31" in bank
        assert bank.split()[0] == "VOICE-SIP"  # panned a column at a time: none cut at the left
        await pilot.press("left", "left", "left")
        assert "Open" in footer(app) and "Delete" in footer(app) and "Sort" in footer(app)
        await pilot.press("j", "j")
        detail = str(app.screen.query_one("#call-detail", Static).render())
        assert BOOKING_ID in detail and "Table for 4 booked" in detail


async def test_long_ids_lose_their_middle_so_calls_can_be_told_apart(tmp_path, scripted):
    """Two 42-character LOCAL- IDs alike but for their last characters: the ID column (36
    cells) keeps both ends, where cutting the end made the two rows read the same."""
    ids = [
        "LOCAL-7c1e2a90-5b3d-4f08-9e61-2d4c8b0a1f37",
        "LOCAL-7c1e2a90-5b3d-4f08-9e61-2d4c8b0a1f99",
    ]
    calls = [{**call, "conversationId": cid} for call, cid in zip(scripted, ids, strict=False)]
    app = offline_app(tmp_path)
    fill(app.settings.db_path, calls)
    async with app.run_test(size=SIZE) as pilot:
        await start(app, pilot)
        rows = [line for line in screen_text(app).splitlines() if re.search(r":\d\d LOCAL-", line)]
        assert len(rows) == 2, rows
        shown = sorted(re.search(r"LOCAL-\S*", row).group() for row in rows)  # type: ignore[union-attr]
        assert shown == [
            "LOCAL-7c1e2a90-5b3…9e61-2d4c8b0a1f37",
            "LOCAL-7c1e2a90-5b3…9e61-2d4c8b0a1f99",
        ]
        assert sorted(listed(app)) == ids  # the rows stand for the whole IDs


async def test_an_empty_store_says_how_to_fill_it(tmp_path):
    app = offline_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await start(app, pilot)
        assert "No stored calls yet: type an ID above, or `polytui fetch`." in screen_text(app)
        await pilot.press("tab")  # nothing to go into: on to the agent field as usual
        assert app.focused.id == "agent"


async def test_sort_by_keys_and_by_clicking_the_header(tmp_path, scripted):
    app = offline_app(tmp_path)
    fill(app.settings.db_path, scripted)
    async with app.run_test(size=SIZE) as pilot:
        await start(app, pilot)
        await pilot.press("down", "j")  # on the chat
        await pilot.press("s")  # the sort menu: one letter per column
        assert isinstance(app.screen, SortScreen)
        await pilot.press("i")  # the ID, A to Z
        await settle(app, pilot)
        assert "ID ▲" in screen_text(app) and "sorted by ID ▲" in status(app)
        assert listed(app) == sorted(NEWEST_FIRST, key=str.lower)
        assert table(app).cursor_row.conversation_id == CHAT_ID  # the cursor kept its call
        await pilot.press("S")  # reverse
        await settle(app, pilot)
        assert listed(app) == sorted(NEWEST_FIRST, key=str.lower, reverse=True)
        assert "ID ▼" in screen_text(app)
        await pilot.press("s", "o")  # Score: o (s is Started's), biggest first, in one go
        await settle(app, pilot)
        assert "sorted by Score ▼" in status(app) and "Score ▼" in screen_text(app)
        scores = [table(app).row_at(i).poly_score for i in range(table(app).count)]
        known = [score for score in scores if score is not None]
        assert known == sorted(known, reverse=True)
        await pilot.press("s", "o")  # the column sorted by again: reversed
        await settle(app, pilot)
        assert "sorted by Score ▲" in status(app)
        await pilot.press("s", "j", "escape")  # Escape leaves the sort as it was
        await settle(app, pilot)
        assert "sorted by Score ▲" in status(app)
        await pilot.press("s", "k", "k", "k", "k", "k", "k", "enter")  # or j / k and Enter
        await settle(app, pilot)
        assert "sorted by Started ▼" in status(app)
        assert listed(app) == NEWEST_FIRST
        # Clicking a header sorts by it (biggest first), clicking it again turns it round.
        calls = table(app)
        header = next(line for line in screen_text(app).splitlines() if "Turns" in line)
        x = header.index("Turns") - calls.region.x + 1
        await pilot.click(calls, offset=(x, 0))
        await settle(app, pilot)
        assert "Turns ▼" in screen_text(app)
        turns = [calls.row_at(i).turn_count for i in range(calls.count)]
        assert turns == sorted(turns, reverse=True) and turns[0] == 9
        await pilot.click(calls, offset=(x, 0))
        await settle(app, pilot)
        turns = [calls.row_at(i).turn_count for i in range(calls.count)]
        assert turns == sorted(turns) and "Turns ▲" in screen_text(app)


async def test_filter_as_you_type_and_escape_backs_out(tmp_path, scripted):
    app = offline_app(tmp_path)
    fill(app.settings.db_path, scripted)
    async with app.run_test(size=SIZE) as pilot:
        screen = await start(app, pilot)
        await pilot.press("down", "f")  # f in the list: to the filter
        box = screen.query_one("#call-filter", Input)
        assert app.focused is box
        await pilot.press(*"refu")
        await settle(app, pilot)
        assert listed(app) == [FUNCTIONS_ID]  # summary "Refund issued...", tag "refund"
        assert "1 of 6 match" in status(app)
        box.value = "voice booking"  # every word must match
        await settle(app, pilot)
        assert listed(app) == [BOOKING_ID, FRENCH_ID]
        box.value = "zebra"
        await settle(app, pilot)
        assert "No stored call matches “zebra”. Escape clears the filter." in screen_text(app)
        await pilot.press("escape")  # 1: the filter goes
        await settle(app, pilot)
        assert box.value == "" and listed(app) == NEWEST_FIRST
        await pilot.press("escape")  # 2: back to the ID input
        assert app.focused.id == "conversation-id"
        id_box = screen.query_one("#conversation-id", Input)
        id_box.value = "CA123"
        await pilot.press("escape")  # 3: the ID input is cleared
        assert id_box.value == "" and isinstance(app.screen, StartScreen)
        box.value = "fraud"  # Enter in the filter moves into the list
        box.focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.focused is table(app) and table(app).cursor_row.conversation_id == BANK_ID


async def test_enter_opens_the_call_and_the_list_follows_new_notes(tmp_path, scripted):
    app = offline_app(tmp_path)
    fill(app.settings.db_path, scripted)
    async with app.run_test(size=SIZE) as pilot:
        await start(app, pilot)
        await pilot.press("down", "j", "j", "j", "j", "enter")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ConversationScreen)
        assert screen.loaded.conversation_id == BANK_ID and screen.loaded.source == "store"
        assert screen.transcript.cursor == 0
        app.loader.store.add_note(DEMO_AGENT, BANK_ID, 2, "verify slower")
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, StartScreen)
        assert app.focused is table(app)  # back where the reviewer was
        assert table(app).cursor_row.conversation_id == BANK_ID
        bank = next(line for line in screen_text(app).splitlines() if BANK_ID in line)
        assert bank.lstrip().startswith("✎1")
        others = [line for line in screen_text(app).splitlines() if FRENCH_ID in line]
        assert "✎" not in others[0]
        # The notes column sorts too: click-free, with its letter in the sort menu.
        await pilot.press("s", "n")
        await settle(app, pilot)
        assert "sorted by Notes ✎ ▼" in status(app) and listed(app)[0] == BANK_ID


async def test_back_from_a_call_opened_at_launch_lands_on_the_list(tmp_path, scripted):
    app = offline_app(tmp_path, initial_id=FRENCH_ID)
    fill(app.settings.db_path, scripted)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, ConversationScreen)
        await pilot.press("escape")
        await start(app, pilot)
        assert listed(app) == NEWEST_FIRST and app.focused.id == "conversation-id"


async def test_d_asks_then_deletes_and_notes_stay(tmp_path, scripted):
    app = offline_app(tmp_path)
    fill(app.settings.db_path, scripted)
    app_store = app.loader.store
    app_store.add_note(DEMO_AGENT, CHAT_ID, None, "whole call note")
    async with app.run_test(size=SIZE) as pilot:
        await start(app, pilot)
        await pilot.press("down", "j", "d")
        modal = app.screen
        assert isinstance(modal, ConfirmScreen)
        text = " ".join(screen_text(app).split())
        assert "Delete this stored call?" in text and CHAT_ID in text
        assert "Its note stays and shows again with the call." in text
        await pilot.press("n")  # declined: nothing goes
        assert isinstance(app.screen, StartScreen) and listed(app) == NEWEST_FIRST
        await pilot.press("d", "escape")  # Escape declines too
        assert app_store.count() == 6
        await pilot.press("d", "enter")  # Enter on the focused "Keep" button
        assert app_store.count() == 6 and isinstance(app.screen, StartScreen)
        await pilot.press("d", "y")
        await settle(app, pilot)
        assert app_store.count() == 5
        assert listed(app) == [c for c in NEWEST_FIRST if c != CHAT_ID]
        assert table(app).cursor_row.conversation_id == BOOKING_ID  # same line, next call
        assert [n.text for n in app_store.notes_for(CHAT_ID)] == ["whole call note"]
        assert any("its notes are kept" in n for n in notices(app))
        assert "5 calls" in status(app)


async def test_the_list_is_also_the_way_back_in_with_no_key_and_no_network(tmp_path, scripted):
    """Not offline, but no key: a stored finished call still opens from the store."""
    settings = Settings(agent=None, data_path=tmp_path / "store")
    app = PolyTUI(settings)
    fill(settings.db_path, scripted, agent="PROJECT-other")
    async with app.run_test(size=SIZE) as pilot:
        await start(app, pilot)
        await pilot.press("down", "G", "enter")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ConversationScreen), screen_text(app)
        assert screen.loaded.conversation_id == FRENCH_ID
        assert screen.loaded.agent == "PROJECT-other"  # the row's agent, not the settings'


async def test_a_store_that_cannot_be_opened_is_one_line_and_the_app_stays_usable(tmp_path):
    blocker = tmp_path / "blocked"
    blocker.write_text("a file where the data folder should be")
    settings = Settings(agent=DEMO_AGENT, offline=True, data_path=blocker / "store")
    app = PolyTUI(settings)
    async with app.run_test(size=SIZE) as pilot:
        await start(app, pilot)
        text = " ".join(screen_text(app).split())
        assert "Cannot create the store" in text or "Cannot open the store" in text
        assert "store unreadable" in status(app)
        await pilot.press("ctrl+f")
        app.screen.query_one("#call-search", Input).value = "refund"
        await pilot.press("enter")
        await settle(app, pilot)
        assert "Cannot" in str(app.screen.query_one("#search-status").render())
        await pilot.press("escape")
        assert isinstance(app.screen, StartScreen)


async def test_hostile_text_in_the_list_and_the_hits_is_shown_as_data(tmp_path, scripted):
    data = json.loads(json.dumps(scripted[0]))
    data["conversationId"] = "CA[bold]x[/b]"
    data["tags"] = ["[@click=app.quit]tag", "esc\x1b[2Jape"]
    data["channel"] = "\u202eVOICE"
    data["shortSummary"] = "[red]summary[/]"
    data["turns"][1]["user_input"] = "zanzibar [@click=app.quit]now\x1b]52;c;x\x07"
    app = offline_app(tmp_path)
    fill(app.settings.db_path, [data])
    async with app.run_test(size=(160, 40)) as pilot:
        await start(app, pilot)
        await pilot.press("down")
        text = screen_text(app)
        assert "CA[bold]x[/b]" in text and "[@click=app.quit]tag" in text
        assert "[red]summary[/]" in text and not UNSAFE.search(text)
        await pilot.press("slash")
        app.screen.query_one("#call-search", Input).value = "zanzibar"
        await pilot.press("enter")
        await settle(app, pilot)
        text = screen_text(app)
        assert "[@click=app.quit]now" in text and not UNSAFE.search(text)
        await pilot.press("enter")  # the hit opens; nothing was clicked into quitting
        await settle(app, pilot)
        assert isinstance(app.screen, ConversationScreen) and app.is_running


# -- search -----------------------------------------------------------------------------------


async def test_search_ranks_calls_opens_one_up_and_enter_opens_at_the_turn(tmp_path, scripted):
    app = offline_app(tmp_path)
    fill(app.settings.db_path, scripted)
    async with app.run_test(size=SIZE) as pilot:
        await start(app, pilot)
        await pilot.press("ctrl+f")  # from the ID input
        search = app.screen
        assert isinstance(search, CallSearchScreen)
        box = search.query_one("#call-search", Input)
        assert app.focused is box
        box.value = "refund"
        await pilot.press("enter")
        await settle(app, pilot)
        calls = search.calls
        assert calls[0].conversation_id == FUNCTIONS_ID  # its summary and three turns
        best = calls[0].hits  # the summary, then the turns where the words show best
        assert (
            calls[0].count == 4 and best[0].turn is None and {h.turn for h in best[1:]} <= {3, 4, 5}
        )
        assert [c.score for c in calls] == sorted((c.score for c in calls), reverse=True)
        assert len({c.conversation_id for c in calls}) == len(calls)  # each call once
        assert app.focused.id == "search-hits"
        text = " ".join(screen_text(app).split())
        found = f"{len(calls)} call{'s' if len(calls) > 1 else ''} for “refund”, best first."
        assert found in text and "4 hits" in text and "1 more (→ lists them)" in text
        await pilot.press("right")  # every hit of the call, under it
        await settle(app, pilot)
        listed = [(e.call, e.hit.turn if e.hit else "call") for e in search.entries[:5]]
        assert listed == [(0, "call"), (0, None), (0, 3), (0, 4), (0, 5)]
        await pilot.press("down", "down", "down", "enter")  # the hit in turn 4
        await settle(app, pilot)
        call = app.screen
        assert isinstance(call, ConversationScreen)
        assert call.loaded.conversation_id == FUNCTIONS_ID
        assert call.transcript.cursor == 3
        await pilot.press("escape")  # back to the calls, as they were (still opened up)
        await settle(app, pilot)
        assert app.screen is search and search.calls[0].conversation_id == FUNCTIONS_ID
        assert 0 in search.expanded
        await pilot.press("left")  # folded back
        assert 0 not in search.expanded and len(search.entries) == len(search.calls)
        await pilot.press("g", "enter")  # a call's own line: at its best hit in a turn
        await settle(app, pilot)
        assert app.screen.transcript.cursor == best[1].turn - 1
        await pilot.press("escape")
        await settle(app, pilot)
        await pilot.press("escape")
        assert isinstance(app.screen, StartScreen)


@pytest.mark.parametrize(
    ("query", "conversation_id", "turn"),
    [
        ("Giants", BANK_ID, 7),
        ('"two of the mugs are smashed"', FUNCTIONS_ID, 2),
        ("smash*", FUNCTIONS_ID, 2),
        ("QuickStream AND yesterday", BANK_ID, 6),
    ],
)
async def test_words_phrases_and_prefixes(tmp_path, scripted, query, conversation_id, turn):
    app = offline_app(tmp_path)
    fill(app.settings.db_path, scripted)
    async with app.run_test(size=SIZE) as pilot:
        await start(app, pilot)
        await pilot.press("down", "slash")  # / from the list
        app.screen.query_one("#call-search", Input).value = query
        await pilot.press("enter")
        await settle(app, pilot)
        hit = app.screen.hits[0]
        assert (hit.conversation_id, hit.turn) == (conversation_id, turn)
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen.transcript.cursor == turn - 1


async def test_typing_searches_after_a_pause(tmp_path, scripted):
    app = offline_app(tmp_path)
    fill(app.settings.db_path, scripted)
    async with app.run_test(size=SIZE) as pilot:
        await start(app, pilot)
        await pilot.press("ctrl+f", *"giants")
        await pilot.pause(0.5)
        await settle(app, pilot)
        assert [(h.conversation_id, h.turn) for h in app.screen.hits] == [(BANK_ID, 7)]
        assert app.focused.id == "call-search"  # typing does not move the focus
        marked = screen_text(app)
        assert "Giants win last night" in marked


async def test_a_malformed_query_gets_a_message_not_a_crash(tmp_path, scripted):
    app = offline_app(tmp_path)
    fill(app.settings.db_path, scripted)
    async with app.run_test(size=SIZE) as pilot:
        await start(app, pilot)
        await pilot.press("ctrl+f")
        box = app.screen.query_one("#call-search", Input)
        box.value = '"refund'
        await pilot.press("enter")
        await settle(app, pilot)
        text = " ".join(screen_text(app).split())
        assert (
            'The quote before “refund” is never closed: end the phrase with another ". '
            "Matching the words as typed." in text
        )
        assert app.screen.hits  # the words were still searched
        box.focus()
        box.value = "zebra"
        await pilot.press("enter")
        await settle(app, pilot)
        assert "No stored call matches “zebra”." in str(
            app.screen.query_one("#search-status").render()
        )


# -- keys, help, palette, demo ----------------------------------------------------------------


async def test_help_and_palette_list_the_list_keys(tmp_path, scripted):
    app = offline_app(tmp_path)
    fill(app.settings.db_path, scripted)
    async with app.run_test(size=SIZE) as pilot:
        await start(app, pilot)
        await pilot.press("down", "f1")
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        for key, description in [
            ("⏎", "Open"),
            ("d, del", "Delete"),  # as the help lists it (not the footer under it)
            ("s", "Sort"),
            ("S", "Reverse"),
            ("r", "Refresh"),
            ("/, ^f", "Search calls"),
            ("f", "Filter"),
            ("j, ↓", "Next call"),
            ("g, home", "First call"),
        ]:
            assert re.search(rf"{re.escape(key)}\s+{re.escape(description)}", text), description
        await pilot.press("escape")
        commands = [c.title for c in app.get_system_commands(app.screen)]
        for title in ("Open", "Delete", "Sort", "Reverse", "Search calls", "Filter"):
            assert title in commands
        await app.run_action("app.command_palette")
        await pilot.pause()
        await pilot.press(*"revers", "enter")
        await settle(app, pilot)
        assert "sorted by Started ▲" in status(app)


async def test_demo_keeps_the_samples_and_lists_what_was_opened(server, tmp_path):
    samples = [s for s in sample_conversations() if s["conversationId"] in NEWEST_FIRST]
    app = make_app(server, tmp_path, samples=samples, demo=True)
    async with app.run_test(size=SIZE) as pilot:
        await start(app, pilot)
        text = screen_text(app)
        assert "No stored calls yet: open a sample above, or type an ID." in text
        assert "polytui fetch" not in text  # the demo's store is its own
        assert all(sample_id in text for sample_id in NEWEST_FIRST)
        await pilot.press("down")  # the list is empty: Down goes to the samples
        assert app.focused.id == "samples"
        await pilot.press("down", "enter")
        await settle(app, pilot)
        assert app.screen.loaded.conversation_id == BANK_ID and app.screen.loaded.source == "api"
        await pilot.press("escape")
        await settle(app, pilot)
        assert listed(app) == [BANK_ID] and "1 call" in status(app)
        assert all(sample_id in screen_text(app) for sample_id in NEWEST_FIRST)


# -- 10,000 calls -----------------------------------------------------------------------------

MANY = 10_000


@pytest.fixture(scope="module")
def many_calls(tmp_path_factory) -> Path:
    """A store of 10,000 small calls (one payload, IDs and start times changed), built once."""
    path = tmp_path_factory.mktemp("many") / "polytui.sqlite3"
    base = {
        "accountId": "ACCOUNT-1",
        "projectId": DEMO_AGENT,
        "channel": "VOICE",
        "turns": [{"user_input": "hello there", "agent_response": "hi", "latency": 0.5}],
    }
    start_time = datetime(2025, 1, 1, tzinfo=UTC)
    with Store(path) as store:
        for number in range(MANY):
            data = {
                **base,
                "conversationId": f"CA{number:032d}",
                "startedAt": (start_time + timedelta(minutes=number)).isoformat(),
                "totalDuration": number % 97,
                "tags": ["even"] if number % 2 == 0 else ["odd"],
            }
            store.put(DEMO_AGENT, "h", json.dumps(data), Conversation.from_data(data), FETCHED)
    return path


async def test_ten_thousand_calls_list_page_sort_and_filter(tmp_path, many_calls):
    app = offline_app(tmp_path)
    app.settings.db_path.parent.mkdir(parents=True)
    shutil.copy(many_calls, app.settings.db_path)
    async with app.run_test(size=SIZE) as pilot:
        await start(app, pilot)
        calls = table(app)
        assert calls.count == MANY and "10,000 calls" in status(app)
        assert not calls.children  # lines are drawn, not mounted
        assert f"CA{MANY - 1:032d}" in screen_text(app)  # newest first
        assert len(calls._pages) == 1  # only the page on screen was read
        await pilot.press("down", "G")
        await settle(app, pilot)
        assert calls.cursor == MANY - 1 and f"CA{0:032d}" in screen_text(app)
        assert calls.scroll_y == calls.max_scroll_y
        await pilot.press("pageup")
        await settle(app, pilot)
        assert calls.cursor < MANY - 1 and calls.scroll_y < calls.max_scroll_y
        assert len(calls._pages) <= 2
        before = calls.cursor_row
        await pilot.press("s", "i")  # by ID, A to Z: the cursor follows its call
        await settle(app, pilot)
        assert calls.cursor_row.conversation_id == before.conversation_id
        assert calls.cursor == int(before.conversation_id[2:])  # its line in the new order
        await pilot.press("g")
        await settle(app, pilot)
        assert calls.cursor_row.conversation_id == f"CA{0:032d}"
        await pilot.press("f", *"odd")
        await settle(app, pilot)
        assert calls.count == MANY // 2 and "5,000 of 10,000 match" in status(app)
        await pilot.press("down", "G")
        await settle(app, pilot)
        assert calls.cursor_row.conversation_id == f"CA{MANY - 1:032d}"
        await pilot.press("ctrl+f", *"hello")
        await pilot.press("enter")
        await settle(app, pilot)
        assert len(app.screen.calls) == 50 and "The 50 best calls" in screen_text(app)


async def test_escape_leaves_a_search_that_is_still_running_and_stops_it(
    tmp_path, scripted, monkeypatch
):
    """Issue 13, item 4: a search that takes long (once a minute, on a word repeated 40,000
    times) froze the app and Escape was ignored. It runs on the store's thread, never on the
    event loop; Escape leaves at once and tells it to stop, which frees the store."""
    import threading
    import time

    import polytui.adapters.sqlite.search as search_module
    from polytui.core.errors import SearchCancelled

    seen: dict[str, object] = {}
    started = threading.Event()

    def slow_search(conn, query, *, limit, agent, per_call, cancelled=None):
        seen["thread"] = threading.get_ident()
        started.set()
        deadline = time.monotonic() + 60  # a hang guard, not a time limit
        while time.monotonic() < deadline:
            if cancelled is not None and cancelled():
                seen["stopped"] = True
                raise SearchCancelled("The search was stopped.")
            time.sleep(0.01)
        seen["stopped"] = False
        return []

    monkeypatch.setattr(search_module, "run_search", slow_search)
    app = offline_app(tmp_path)
    fill(app.settings.db_path, scripted)
    async with app.run_test(size=SIZE) as pilot:
        await start(app, pilot)
        await pilot.press("ctrl+f", *"refund", "enter")
        for _ in range(500):  # until the search is running on the store's thread
            if started.is_set():
                break
            await pilot.pause(0.01)
        assert started.is_set() and seen["thread"] != threading.get_ident()
        await pilot.press("escape")  # answered at once, while the search still runs
        assert isinstance(app.screen, StartScreen)
        await settle(app, pilot)  # the store is free again: the list is read
        assert seen["stopped"] is True
        assert table(app).count > 0
