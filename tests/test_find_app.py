"""The app's Find view, driven by Textual's pilot against the real loopback server and a real
SQLite store: the Done-when path (a key and an agent ID, no account: yesterday's handed-off
calls found and one opened without typing an ID), pages as you scroll with a loading row,
stored marks, fetch all with progress, the listing reopened offline, filters remembered."""

from __future__ import annotations

import asyncio
import contextlib
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from textual.widgets import Input, ProgressBar, Select
from textual.worker import WorkerCancelled

from polytui.core.config import Settings
from polytui.core.listing import ListingRun
from polytui.core.moments import resolve
from polytui.demo.samples import DEMO_AGENT, recent_conversations
from polytui.demo.server import DemoServer
from polytui.tui.app import PolyTUI
from polytui.tui.screens.conversation import ConversationScreen
from polytui.tui.screens.find import FindScreen
from polytui.tui.screens.help import HelpScreen
from polytui.tui.screens.start import StartScreen
from polytui.tui.widgets.found_table import LOADING, STORED_MARK, FoundTable, found_cells

from .helpers import SECRET_KEY
from .notices import said

SIZE = (130, 40)
HANG_GUARD = 120  # seconds: a hang guard, not a time limit
NOW = datetime.now().astimezone()
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture(scope="module")
def corpus():
    return recent_conversations(NOW, 72)


@pytest.fixture
def server(corpus):
    with DemoServer(corpus, api_key=SECRET_KEY) as running:
        yield running
        assert not running.errors, running.errors


def settings_for(server, tmp_path: Path, **changes) -> Settings:
    """Only a key and an agent ID (no account): the Data API lists, polytui filters."""
    base = Settings(
        api_key=SECRET_KEY,
        agent=DEMO_AGENT,
        base_url_override=server.url,
        data_path=tmp_path / "store",
    )
    return base.with_(**changes)


def yesterdays_handoffs(
    corpus, run: ListingRun, asked: tuple[datetime, datetime], *, live_only: bool = False
) -> list[str]:
    """The handed-off calls of the day the app listed as "yesterday", newest first. Its window
    is read off the app's listing ``run`` and must be yesterday as seen at a moment between
    ``asked`` (the clock before Enter, and after the calls came): around midnight the test's
    clock and the app's may read different days, and either day is right."""
    assert run.filters.since and run.filters.until
    window = (_instant(run.filters.since), _instant(run.filters.until))
    yesterdays = {(resolve("yesterday", now), resolve("yesterday", now, end=True)) for now in asked}
    assert window in yesterdays, (window, yesterdays)
    start, end = window
    chosen = []
    for call in corpus:
        moment = _instant(call["startedAt"])
        if live_only and call["clientEnv"] != "live":
            continue
        if start <= moment < end and call.get("handoff"):
            chosen.append((moment, call["conversationId"]))
    return [cid for _, cid in sorted(chosen, reverse=True)]


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def local_now() -> datetime:
    return datetime.now().astimezone()  # as the app reads it for a window


async def settle(app: PolyTUI, pilot) -> None:
    await pilot.pause()
    for _ in range(200):  # a hang guard, not a time limit
        busy = [worker for worker in app.workers if not worker.is_finished]
        if not busy and not app.workspace._pending:
            break
        for worker in busy:
            with contextlib.suppress(WorkerCancelled):
                await worker.wait()
        await app.workspace.settled()
        await pilot.pause()
    await pilot.pause()


def find_screen(app: PolyTUI) -> FindScreen:
    assert isinstance(app.screen, FindScreen), app.screen
    return app.screen


def table_text(app: PolyTUI) -> str:
    table = find_screen(app).query_one(FoundTable)
    lines = [table.render_line(y).text for y in range(table.size.height)]
    return "\n".join(lines)


async def open_find(app: PolyTUI, pilot) -> FindScreen:
    await settle(app, pilot)
    assert isinstance(app.screen, StartScreen)
    await pilot.press("ctrl+g")
    await settle(app, pilot)
    return find_screen(app)


async def test_a_key_and_an_agent_find_yesterdays_handoffs_and_open_one(server, corpus, tmp_path):
    app = PolyTUI(settings_for(server, tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_find(app, pilot)
        assert app.focused is screen.query_one("#find-since", Input)
        # The reviewer picks "Yesterday" and "handed off" with the keyboard, then Enter.
        await pilot.press("shift+tab", "enter")  # the When menu
        await settle(app, pilot)
        await pilot.press("down", "down", "enter")  # 24h, today, *yesterday*
        await settle(app, pilot)
        assert screen.query_one("#find-since", Input).value == "yesterday"
        assert screen.query_one("#find-until", Input).value == "yesterday"
        screen.query_one("#find-handoff", Select).focus()
        await pilot.press("enter", "down", "enter")  # any, *handed off*
        await settle(app, pilot)
        assert screen.query_one("#find-handoff", Select).value == "yes"
        screen.query_one("#find-since", Input).focus()
        before = local_now()
        await pilot.press("enter")
        await settle(app, pilot)
        assert screen.run is not None
        want = yesterdays_handoffs(corpus, screen.run, (before, local_now()))
        assert want, "the corpus has handed-off calls yesterday"
        table = screen.query_one(FoundTable)
        assert [call.conversation_id for call in table.calls] == want
        assert app.focused is table
        banner = str(screen.query_one("#find-banner").render())
        assert "No account" in banner and "polytui applies since, until" in banner
        assert all("/v1/agents/" in r.path for r in server.requests)  # the Data API
        # Enter opens the highlighted call: fetched, shown and stored; no ID typed.
        await pilot.press("down", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ConversationScreen)
        assert app.screen.conversation_id == want[1]
        stored = app.workspace.store.get(want[1], DEMO_AGENT)
        assert stored is not None
        await pilot.press("escape")
        await settle(app, pilot)
        assert find_screen(app) is screen and table.calls[1].conversation_id in table.stored
        assert STORED_MARK in table_text(app).splitlines()[2]


async def test_pages_come_as_you_scroll_with_a_loading_row(server, corpus, tmp_path):
    server.list_page_cap = 30
    app = PolyTUI(settings_for(server, tmp_path, account="ws-demo"))
    async with app.run_test(size=(130, 26)) as pilot:
        screen = await open_find(app, pilot)
        screen.query_one("#find-since", Input).value = "30d"
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        table = screen.query_one(FoundTable)
        assert table.count == 30 and table.more and table.size.height < 20
        assert sum("/v3/" in r.path for r in server.requests) == 1  # never all at once
        gate, asked = asyncio.Event(), asyncio.Event()  # the page waits: "in flight" until set
        listing = app.workspace.finder.list_page

        async def held(run):
            asked.set()
            await gate.wait()
            return await listing(run)

        app.workspace.finder.list_page = held
        await pilot.press("G")  # near the end: the next page is asked for
        await asyncio.wait_for(asked.wait(), HANG_GUARD)
        await pilot.pause()
        assert table.page_in_flight and LOADING in table_text(app)
        assert table.count == 30  # what was listed stays, the loading row below it
        await pilot.press("k", "k")  # and the keys keep working while the page is on its way
        assert table.cursor == 27
        gate.set()
        await settle(app, pilot)
        assert table.count > 30 and not table.page_in_flight
        assert sum("/v3/" in r.path for r in server.requests) == 2
        ids = [call.conversation_id for call in table.calls]
        assert len(set(ids)) == len(ids)
        kept = app.workspace.store.kept_listing("find")
        assert [c.conversation_id for c in kept.calls] == ids


async def test_fetch_all_stores_the_whole_listing_with_progress(server, corpus, tmp_path):
    server.list_page_cap = 25
    app = PolyTUI(settings_for(server, tmp_path, account="ws-demo"))
    async with app.run_test(size=(130, 22)) as pilot:
        screen = await open_find(app, pilot)
        since = NOW - timedelta(days=4)  # absolute: the window's edge does not move meanwhile
        screen.query_one("#find-since", Input).value = since.isoformat()
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        table = screen.query_one(FoundTable)
        assert table.more  # not every page listed yet: fetch all lists the rest first
        gate, asked = asyncio.Event(), asyncio.Event()  # the fetches wait: progress can be seen
        fetch = app.workspace.finder.fetch

        async def held(conversation_id, *, agent=None):
            asked.set()
            await gate.wait()
            return await fetch(conversation_id, agent=agent)

        app.workspace.finder.fetch = held
        await pilot.press("A")
        await asyncio.wait_for(asked.wait(), HANG_GUARD)  # the rest listed, fetching begun
        await pilot.pause()
        bar = screen.query_one(ProgressBar)
        assert bar.display and bar.total and bar.progress == 0
        assert not table.more  # the rest of the listing was listed first
        gate.set()
        await settle(app, pilot)
        live = [
            c["conversationId"]
            for c in corpus
            if c["clientEnv"] == "live"
            and datetime.fromisoformat(c["startedAt"].replace("Z", "+00:00")) >= since
        ]
        assert sorted(c.conversation_id for c in table.calls) == sorted(live)
        assert table.stored == set(live) and not table.more
        assert {row.conversation_id for row in app.workspace.store.list()} == set(live)
        assert not screen.query_one(ProgressBar).display
        assert any("Fetched" in str(n.message) for n in said(app))


async def test_the_listing_reopens_offline_with_when_it_was_made(server, corpus, tmp_path):
    app = PolyTUI(settings_for(server, tmp_path, account="ws-demo"))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_find(app, pilot)
        screen.query_one("#find-since", Input).value = "yesterday"
        screen.query_one("#find-until", Input).value = "yesterday"
        screen.query_one("#find-handoff", Select).value = "yes"
        await settle(app, pilot)
        screen.query_one("#find-since", Input).focus()
        before = local_now()
        await pilot.press("enter")
        await settle(app, pilot)
        listed = [c.conversation_id for c in screen.query_one(FoundTable).calls]
        assert screen.run is not None
        want = yesterdays_handoffs(corpus, screen.run, (before, local_now()), live_only=True)
    assert listed == want  # v3: live by default
    hits = server.hits
    offline = PolyTUI(settings_for(server, tmp_path, account="ws-demo", offline=True))
    async with offline.run_test(size=SIZE) as pilot:
        screen = await open_find(offline, pilot)
        table = screen.query_one(FoundTable)
        assert [c.conversation_id for c in table.calls] == listed
        banner = str(screen.query_one("#find-banner").render())
        assert banner.startswith("Listed ") and "UTC" in banner and "handed off" in banner
        assert screen.query_one("#find-since", Input).value == "yesterday"  # remembered
        assert screen.query_one("#find-handoff", Select).value == "yes"
        assert offline.focused is table
    assert server.hits == hits  # nothing asked of the network


async def test_failures_are_one_sentence_and_the_view_stays_usable(server, tmp_path, fast_retries):
    app = PolyTUI(settings_for(server, tmp_path, account="ws-demo"))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_find(app, pilot)
        screen.query_one("#find-sample", Input).value = "5"
        screen.query_one("#find-since", Input).value = ""
        await settle(app, pilot)
        screen.query_one("#find-sample", Input).focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert "needs a time window" in str(screen.query_one("#find-error").render())
        assert server.hits == 0
        screen.query_one("#find-sample", Input).value = ""
        screen.query_one("#find-since", Input).value = "7d"
        server.set_fault("server_error")
        await pilot.press("enter")
        await settle(app, pilot)
        table = screen.query_one(FoundTable)
        assert "gave up after 4 attempts" in (table.problem or "")
        assert "The API at" in table_text(app)
        server.set_fault(None)
        await pilot.press("enter")
        await settle(app, pilot)
        assert screen.query_one(FoundTable).count > 0


async def test_text_from_the_api_is_shown_as_data(tmp_path):
    hostile = recent_conversations(NOW, 6)
    for call in hostile:
        call["channel"] = "\x1b[2J[bold]VOICE\u202e[/]"
        call["variantId"] = "[@click=app.quit]x"
    with DemoServer(hostile, api_key=SECRET_KEY) as server:
        app = PolyTUI(settings_for(server, tmp_path, account="ws-demo"))
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_find(app, pilot)
            screen.query_one("#find-since", Input).value = "30d"
            await pilot.press("enter")
            await settle(app, pilot)
            text = table_text(app)
            assert "\u241b[2J" in text and not UNSAFE.search(text)  # ESC as a visible symbol
            call = screen.query_one(FoundTable).calls[0]
            cells = found_cells(call, stored=False)
            assert cells[3].plain == "\u241b[2J[bold]VOICE\ufffd[/]"
            assert cells[-1].plain == "[@click=app.quit]x"
            await pilot.click(FoundTable, offset=(110, 2))
            await settle(app, pilot)
            assert app.is_running


async def test_help_lists_the_find_keys(server, tmp_path):
    app = PolyTUI(settings_for(server, tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("f1")
        await settle(app, pilot)
        assert isinstance(app.screen, HelpScreen)
        assert "Find calls" in "\n".join(str(w.render()) for w in app.screen.query("Static"))
        await pilot.press("escape")
        screen = await open_find(app, pilot)
        screen.query_one(FoundTable).focus()
        await pilot.press("?")
        await settle(app, pilot)
        help_text = "\n".join(str(w.render()) for w in app.screen.query("Static"))
        for words in ("Fetch all", "List again", "Filters", "Open", "Back"):
            assert words in help_text


async def test_find_has_the_app_s_keys_footer_and_remaps(server, corpus, tmp_path):
    """One keymap in Find too: its table moves by the ids every list uses (remapped here), and
    its footer is the app's (Help and Back first)."""
    from polytui.tui.widgets.key_footer import KeyFooter

    remapped = (("down", "j,down,ctrl+n"), ("fetch_all", "ctrl+a"))
    app = PolyTUI(settings_for(server, tmp_path, account="ws-demo", remapped=remapped))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_find(app, pilot)
        screen.query_one("#find-since", Input).value = "7d"
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        table = screen.query_one(FoundTable)
        assert app.focused is table and table.count > 3
        await pilot.press("ctrl+n", "ctrl+n", "l")  # l: the stored calls' pan key
        assert table.cursor == 2
        await pilot.press("G", "g")
        assert table.cursor == 0
        footer = screen.query_one(KeyFooter)
        shown = [item.description for item in footer.shown()]
        assert shown[:2] == ["Help", "Back"], shown
        assert {"Open", "Fetch all", "List again"} <= set(shown), shown
        line = str(footer.render())
        assert "^a Fetch all" in line and "A Fetch all" not in line


async def test_panning_the_found_calls_goes_a_column_at_a_time(server, corpus, tmp_path):
    """l / right scroll to the next column's start (never the last digits of a time left at
    the edge, as the stored calls pan); h / left back."""
    from polytui.tui.widgets.call_columns import GAP
    from polytui.tui.widgets.found_table import found_widths

    app = PolyTUI(settings_for(server, tmp_path, account="ws-demo"))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_find(app, pilot)
        screen.query_one("#find-since", Input).value = "7d"
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        table = screen.query_one(FoundTable)
        assert app.focused is table and table.count
        widths = found_widths(table.scrollable_content_region.width)
        starts = [sum(widths[:n]) + GAP * n for n in range(len(widths))]
        seen = []
        for _ in range(len(widths)):
            await pilot.press("l")
            await pilot.pause()
            seen.append(round(table.scroll_x))
        assert seen[0] == starts[1]  # the first press: the second column at the left edge
        assert all(x in starts for x in seen), (seen, starts)  # at the end too: no cut column
        assert seen[-1] == seen[-2] > 0  # the end is reached: l goes no further
        last = starts[-1] + widths[-1]  # the last column is wholly on screen
        assert seen[-1] <= starts[-1] and last - seen[-1] <= table.scrollable_content_region.width
        await pilot.press("h")
        await pilot.pause()
        assert round(table.scroll_x) in starts and round(table.scroll_x) < seen[-1]


@pytest.mark.parametrize("size", [(50, 15), (80, 24), (130, 40)])
async def test_the_find_form_stays_readable_at_every_size(server, corpus, tmp_path, size):
    """Narrow, the form's rows split in two (no box squeezed to a few cells); short, they lose
    the blank rows between them, so the calls found keep room."""
    from textual.widgets import Select

    app = PolyTUI(settings_for(server, tmp_path, account="ws-demo"))
    async with app.run_test(size=size) as pilot:
        screen = await open_find(app, pilot)
        screen.query_one("#find-since", Input).value = "7d"
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        for box in [*screen.query("FindForm Input").results(), *screen.query(Select).results()]:
            region = box.region
            assert region.width >= 7 and region.right <= size[0], (box.id, region)
            assert region.height >= 1 and region.bottom <= size[1], (box.id, region)
        for name in ("when", "since", "until", "channel", "variant", "query"):
            assert screen.query_one(f"#find-{name}").region.width >= 10, name
        table = screen.query_one(FoundTable)
        rows = table.scrollable_content_region.height - 1  # the header row left out
        assert table.count and rows >= min(3, table.count), table.region
        assert str(screen.query_one("#found-detail").render()).strip()  # the detail line shows
