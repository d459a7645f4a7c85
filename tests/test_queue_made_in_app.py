"""A queue made in the app from what a screen shows (ctrl+r, then a name): Find's whole listing
(its pages not listed yet are listed first), a search's calls, best first. Textual's pilot
against the loopback server and a real SQLite store."""

from __future__ import annotations

import json
from datetime import timedelta

from textual.widgets import Input, Static

from polytui.adapters.sqlite import Store
from polytui.core.models import Conversation
from polytui.demo.samples import DEMO_AGENT
from polytui.tui.app import PolyTUI
from polytui.tui.screens.queue import QueueScreen
from polytui.tui.screens.queues import QueuePicker
from polytui.tui.screens.search import CallSearchScreen
from polytui.tui.widgets.found_table import FoundTable

from .test_app import SIZE, make_app, make_settings, settle
from .test_find_app import NOW, corpus, open_find, server, settings_for  # noqa: F401
from .test_find_app import settle as settle_find


async def name_it(app, pilot, name: str, settle_with) -> QueuePicker:
    await settle_with(app, pilot)
    picker = app.screen
    assert isinstance(picker, QueuePicker), picker
    picker.query_one("#new-queue", Input).focus()
    await pilot.press(*name, "enter")
    await settle_with(app, pilot)
    return picker


async def test_a_queue_of_finds_whole_listing(server, corpus, tmp_path):  # noqa: F811
    server.list_page_cap = 20
    app = PolyTUI(settings_for(server, tmp_path, account="ws-demo", reviewer="alice"))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_find(app, pilot)
        since = NOW - timedelta(days=5)  # absolute: the window's edge does not move meanwhile
        screen.query_one("#find-since", Input).value = since.isoformat()
        await pilot.press("enter")
        await settle_find(app, pilot)
        table = screen.query_one(FoundTable)
        assert table.more  # not every page listed yet
        shown = table.count
        await pilot.press("ctrl+r")
        await settle_find(app, pilot)
        label = str(app.screen.query_one("#new-queue-label", Static).render())
        assert f"New queue of the {shown} calls listed (since" in label
        assert "and the rest of the listing" in label
        await name_it(app, pilot, "week", settle_find)
        assert isinstance(app.screen, QueueScreen) and app.screen.queue_name == "week"
        listed = [call.conversation_id for call in table.calls]
        assert not table.more and len(listed) > shown  # every page was listed for the queue
        kept = app.workspace.store.kept_listing("find")
        assert [c.conversation_id for c in kept.calls] == listed  # and kept, as scrolling does
    with Store(settings_for(server, tmp_path).db_path) as store:
        queue = store.get_queue("week")
        items = store.queue_items("week")
    assert [item.conversation_id for item in items] == listed
    assert {item.agent for item in items} == {DEMO_AGENT}
    assert queue.source.startswith("listing since") and queue.created_by == "alice"


async def test_nothing_listed_in_find_makes_no_queue(server, tmp_path):  # noqa: F811
    app = PolyTUI(settings_for(server, tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await open_find(app, pilot)
        await pilot.press("ctrl+r")
        picker = await name_it(app, pilot, "empty", settle_find)
        assert app.screen is picker
        error = str(picker.query_one("#new-queue-error", Static).render())
        assert error == "Nothing is listed: choose filters and press Enter first."
        await pilot.press("escape")
        await settle_find(app, pilot)
        assert app.workspace.store.get_queue("empty") is None


async def test_a_queue_of_a_searchs_calls_best_first(server, tmp_path, samples):  # noqa: F811
    settings = make_settings(server, tmp_path, reviewer="bob")
    with Store(settings.db_path) as store:
        for sample in samples:
            store.put(DEMO_AGENT, "h", json.dumps(sample), Conversation.from_data(sample))
    app = make_app(server, tmp_path, settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+f")
        await settle(app, pilot)
        search = app.screen
        assert isinstance(search, CallSearchScreen)
        await pilot.press(*"card", "enter")
        await settle(app, pilot)
        found = [(call.agent, call.conversation_id) for call in search.calls]
        assert 0 < len(found) < len(samples)
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        label = str(app.screen.query_one("#new-queue-label", Static).render())
        assert label == f"New queue of the {len(found)} calls found for “card”: name it"
        await name_it(app, pilot, "cards", settle)
        assert isinstance(app.screen, QueueScreen)
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is search  # back where the queue was made
    with Store(settings.db_path) as store:
        assert [i.key for i in store.queue_items("cards")] == found
        assert store.get_queue("cards").source == "search 'card'"
