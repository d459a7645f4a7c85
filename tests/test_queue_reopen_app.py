"""Reopening a marked call in the app (`u`): on a queue's call it goes back into review here,
its verdict and category gone; on the queue screen the selected call goes back to review
(pending) for whoever takes it. A call not marked says so and changes nothing. Real SQLite
files, the loopback API, Textual's pilot."""

from __future__ import annotations

from polytui.adapters.sqlite import Store
from polytui.core.queues import ItemChange
from polytui.tui.widgets.call_header import CallHeader

from .test_app import SIZE, make_app, make_settings, notices, settle
from .test_queue_app import bar, items, opened_from_queue, queue_screen, store_queue


async def test_u_reopens_the_marked_call_on_screen(server, tmp_path, samples):
    settings = make_settings(server, tmp_path, reviewer="alice")
    keys = store_queue(settings, samples)
    app = make_app(server, tmp_path, settings=settings, initial_queue="mon")
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened_from_queue(app, pilot)
        await pilot.press("minus")  # fail + next
        await settle(app, pilot)
        await pilot.press("less_than_sign")  # back to the failed call
        await settle(app, pilot)
        assert screen.conversation_id == keys[0][1]
        header = screen.query_one("#header", CallHeader)
        assert "FAIL" in str(header.rows["review"])

        await pilot.press("u")
        await settle(app, pilot)
        assert screen.conversation_id == keys[0][1]  # it stays on the call
        assert "IN REVIEW" in str(header.rows["review"]) and "FAIL" not in str(
            header.rows["review"]
        )
        assert bar(app).endswith("call 1 of 7 · in review")
        assert any("Reopened: in review again (was done · fail)." in n for n in notices(app))
        first = items(settings)[0]
        assert (first.status, first.verdict, first.reviewer) == ("in_review", None, "alice")

        app.clear_notifications()
        await pilot.press("u")  # not marked now: nothing to reopen
        await settle(app, pilot)
        assert any("not marked" in n for n in notices(app))
        assert items(settings)[0].status == "in_review"


async def test_u_on_the_queue_screen_sends_the_call_back_to_review(server, tmp_path, samples):
    settings = make_settings(server, tmp_path, reviewer="alice")
    keys = store_queue(settings, samples)
    with Store(settings.db_path) as store:
        store.change_item("mon", keys[1], ItemChange(status="flagged"), reviewer="bob")
        store.change_item("mon", keys[1], ItemChange(category="wrong card"), reviewer="bob")
    app = make_app(server, tmp_path, settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        screen = await queue_screen(app, pilot)
        screen.table.move_to(screen.table.index_of(keys[1]))
        await pilot.press("u")
        await settle(app, pilot)
        second = items(settings)[1]
        assert (second.status, second.verdict, second.category) == ("pending", None, None)
        assert screen.table.item_at(screen.table.cursor).key == keys[1]  # the cursor stays
        assert screen.table.item_at(screen.table.cursor).status == "pending"
        assert any("(was flagged)" in n for n in notices(app))

        screen.table.move_to(screen.table.index_of(keys[2]))  # pending: nothing to reopen
        await pilot.press("u")
        await settle(app, pilot)
        assert items(settings)[2].status == "pending"
        assert any("not marked" in n for n in notices(app))
