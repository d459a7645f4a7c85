"""Why a queue's call was marked so, in the app: `#` on a marked call types its category (shown
in the queue's line, written to the store, in the export); on a call not marked yet it says to
mark it first; Escape leaves it as it was, an empty one removes it."""

from __future__ import annotations

from textual.widgets import Input

from polytui.adapters.sqlite import Store
from polytui.tui.screens.category import CategoryPrompt

from .test_app import SIZE, make_app, make_settings, notices, settle
from .test_queue_app import bar, items, opened_from_queue, store_queue


async def test_a_category_says_why(server, tmp_path, samples):
    settings = make_settings(server, tmp_path, reviewer="alice")
    keys = store_queue(settings, samples)
    app = make_app(server, tmp_path, settings=settings, initial_queue="mon")
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened_from_queue(app, pilot)
        await pilot.press("number_sign")  # not marked yet
        await settle(app, pilot)
        assert not isinstance(app.screen, CategoryPrompt)
        assert any("Mark the call first" in n for n in notices(app))

        await pilot.press("minus", "less_than_sign")  # fail + next, then back to it
        await settle(app, pilot)
        assert screen.conversation_id == keys[0][1]
        await pilot.press("number_sign")
        await settle(app, pilot)
        prompt = app.screen
        assert isinstance(prompt, CategoryPrompt)
        await pilot.press(*"wrong balance", "enter")
        await settle(app, pilot)
        assert app.screen is screen
        assert "done · fail · why: wrong balance" in bar(app)
        await app.workers.wait_for_complete()
        first = items(settings)[0]
        assert (first.status, first.verdict, first.category) == ("done", "fail", "wrong balance")

        await pilot.press("number_sign")  # Escape keeps it
        await settle(app, pilot)
        assert app.screen.query_one("#category", Input).value == "wrong balance"
        await pilot.press("escape")
        await settle(app, pilot)
        assert items(settings)[0].category == "wrong balance"

        await pilot.press("number_sign")  # emptied: removed
        await settle(app, pilot)
        app.screen.query_one("#category", Input).value = ""
        await pilot.press("enter")
        await settle(app, pilot)
        await app.workers.wait_for_complete()
        assert "why:" not in bar(app)
    with Store(settings.db_path) as store:
        assert store.queue_items("mon")[0].category is None


def test_the_queue_screen_shows_why_before_the_summary():
    from dataclasses import replace

    from polytui.core.queues import QueueItem
    from polytui.tui.widgets.queue_table import QUEUE_COLUMNS, queue_cells

    item = QueueItem(queue="mon", position=1, agent="AG", conversation_id="CA1")
    marked = replace(item, status="done", verdict="fail", category="wrong\x1b[31m balance")
    summary = [c.key for c in QUEUE_COLUMNS].index("summary")
    assert (
        queue_cells(marked, None)[summary].plain == "why: wrong␛[31m balance · not stored"
    )  # shown, not obeyed
    assert queue_cells(item, None)[summary].plain == "not stored"
