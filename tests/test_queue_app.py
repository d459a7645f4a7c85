"""Review queues in the app (Textual pilot, the loopback API, real SQLite files): the queue
screen, a call opened from it with the queue's keys, progress, the header's status, the
calls read ahead, a change another reviewer made first, labels by number, resume."""

from __future__ import annotations

import json

from textual.widgets import Input, OptionList, Static

from polytui.adapters.sqlite import Store
from polytui.core.models import Conversation
from polytui.core.queues import ItemChange
from polytui.demo.samples import DEMO_AGENT
from polytui.tui.screens.conversation import ConversationScreen
from polytui.tui.screens.help import binding_rows
from polytui.tui.screens.labels import LabelPicker
from polytui.tui.screens.queue import QueueScreen
from polytui.tui.screens.queues import QueuePicker
from polytui.tui.screens.start import StartScreen
from polytui.tui.widgets.call_header import CallHeader

from .test_app import SIZE, make_app, make_settings, notices, screen_text, settle


def store_queue(settings, samples, *, stored: int | None = None, name: str = "mon") -> list:
    """A queue of every sample call, the first ``stored`` of them (all by default) stored."""
    keys = []
    with Store(settings.db_path) as store:
        for n, sample in enumerate(samples):
            conversation = Conversation.from_data(sample)
            if stored is None or n < stored:
                store.put(DEMO_AGENT, "h", json.dumps(sample), conversation)
            keys.append((DEMO_AGENT, conversation.conversation_id))
        store.create_queue(name, keys, source="test", reviewer="lead")
    return keys


def items(settings, name: str = "mon") -> list:
    with Store(settings.db_path) as store:
        return store.queue_items(name)


def bar(app) -> str:
    return str(app.screen.query_one("#queue-bar", Static).render())


async def queue_screen(app, pilot, name: str = "mon") -> QueueScreen:
    """The queue screen of ``name``, opened from the start screen and listed."""
    await settle(app, pilot)
    app.open_queue(name)
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, QueueScreen), screen_text(app)
    return screen


async def opened_from_queue(app, pilot) -> ConversationScreen:
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, ConversationScreen), screen_text(app)
    assert screen.loaded is not None
    return screen


async def test_review_a_queue_with_the_keys_and_see_it_in_the_store(server, tmp_path, samples):
    settings = make_settings(server, tmp_path, reviewer="alice")
    keys = store_queue(settings, samples)
    app = make_app(server, tmp_path, settings=settings, initial_queue="mon")
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened_from_queue(app, pilot)  # resumed at the first call to review
        assert screen.conversation_id == keys[0][1]
        assert bar(app) == "queue 'mon' 0/7 done · 1 in review · call 1 of 7 · in review"
        assert "IN REVIEW" in str(screen.query_one("#header", CallHeader).rows["review"])
        help_rows = dict((d, k) for k, d in binding_rows(screen))
        assert help_rows["Done + next"] == "+, ="
        assert help_rows["Fail + next"] == "-" and help_rows["Next call"] == ">"

        await pilot.press("plus")  # done + next
        assert screen.conversation_id == keys[1][1]
        await pilot.press("minus")  # fail + next
        await pilot.press("underscore")  # skip + next
        await pilot.press("exclamation_mark")  # flag + next
        await settle(app, pilot)
        assert screen.conversation_id == keys[4][1]
        assert bar(app) == (
            "queue 'mon' 2/7 done (1 fail) · 1 skipped · 1 flagged · 1 in review · call 5 of 7 · "
            "in review"
        )
        await pilot.press("less_than_sign")  # back to the flagged one: nothing changes
        await settle(app, pilot)
        assert screen.conversation_id == keys[3][1]
        assert "FLAGGED" in str(screen.query_one("#header", CallHeader).rows["review"])
        await pilot.press("plus")  # a flagged call marked done; next is the one left in review
        await settle(app, pilot)
        assert screen.conversation_id == keys[4][1]

    stored = items(settings)
    assert [(i.status, i.verdict) for i in stored] == [
        ("done", "pass"),
        ("done", "fail"),
        ("skipped", None),
        ("done", "pass"),
        ("in_review", None),
        ("pending", None),
        ("pending", None),
    ]
    assert {i.reviewer for i in stored[:5]} == {"alice"}


async def test_the_next_call_is_read_ahead_and_shows_without_loading(server, tmp_path, samples):
    settings = make_settings(server, tmp_path)
    keys = store_queue(settings, samples, stored=1)  # the others come from the API
    app = make_app(server, tmp_path, settings=settings, initial_queue="mon")
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened_from_queue(app, pilot)
        session = screen.queue
        assert session is not None and keys[1] in session._ahead  # fetched ahead (and kept)
        await pilot.press("plus")
        # Shown in the same step as the key: no loading state, nothing awaited.
        assert screen.conversation_id == keys[1][1] and not screen.has_class("-loading")
        assert screen.loaded is not None and screen.loaded.conversation_id == keys[1][1]
        await settle(app, pilot)
    with Store(settings.db_path) as store:  # what was read ahead from the API was kept
        assert store.get(keys[1][1]) is not None and store.get(keys[2][1]) is not None


async def test_a_call_not_read_ahead_loads_in_place(server, tmp_path, samples):
    settings = make_settings(server, tmp_path)
    keys = store_queue(settings, samples, stored=1)
    app = make_app(server, tmp_path, settings=settings, initial_queue="mon")
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened_from_queue(app, pilot)
        screen.queue._ahead.clear()
        assert not screen.query("#loading")  # it opened from the store, without a loading state
        await pilot.press("greater_than_sign")
        assert screen.conversation_id == keys[1][1] and screen.query("#loading")  # loaded here
        await settle(app, pilot)
        assert screen.loaded.conversation_id == keys[1][1] and not screen.has_class("-loading")
        assert "call 2 of 7" in bar(app)


async def test_a_change_another_reviewer_made_first_is_kept_and_said(server, tmp_path, samples):
    settings = make_settings(server, tmp_path, reviewer="alice")
    keys = store_queue(settings, samples)
    app = make_app(server, tmp_path, settings=settings, initial_queue="mon")
    async with app.run_test(size=SIZE) as pilot:
        await opened_from_queue(app, pilot)
        with Store(settings.db_path) as other:  # bob, on another computer of the team store
            other.change_item("mon", keys[0], ItemChange(verdict="pass"), reviewer="bob")
        await pilot.press("minus")
        await settle(app, pilot)
        assert any("bob changed" in text and "not made" in text for text in notices(app))
        assert "1/7 done · 1 in review" in bar(app)  # the store's state is shown again
    assert (items(settings)[0].verdict, items(settings)[0].reviewer) == ("pass", "bob")


async def test_the_queue_screen_lists_filters_and_resumes(server, tmp_path, samples):
    settings = make_settings(server, tmp_path, reviewer="alice")
    keys = store_queue(settings, samples, stored=5)
    with Store(settings.db_path) as store:
        store.change_item("mon", keys[0], ItemChange(verdict="fail"), reviewer="bob")
        store.change_item("mon", keys[1], ItemChange(status="skipped"), reviewer="bob")
    app = make_app(server, tmp_path, settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        screen = await queue_screen(app, pilot)
        text = screen_text(app)
        assert "queue 'mon' 1/7 done (1 fail) · 1 skipped" in text
        assert text.count("not stored") == 2  # calls 6 and 7
        assert screen.table.cursor == 2  # the first call to review
        await pilot.press("f")  # to review
        await settle(app, pilot)
        assert screen.table.count == 5 and "showing to review: 5 of 7" in screen_text(app)
        await pilot.press("f", "f")  # failed
        await settle(app, pilot)
        assert screen.table.count == 1 and screen.table.item_at(0).key == keys[0]
        await pilot.press("c")  # resume: the first call to review, whatever the filter
        await settle(app, pilot)
        assert isinstance(app.screen, ConversationScreen)
        assert app.screen.conversation_id == keys[2][1]
        await pilot.press("plus")
        await settle(app, pilot)
        await pilot.press("escape")  # back to the queue, which shows the new statuses
        await settle(app, pilot)
        assert app.screen is screen and "2/7 done" in screen_text(app)
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, StartScreen)


async def test_queues_from_the_start_screen_and_a_queue_of_the_listed_calls(
    server, tmp_path, samples
):
    settings = make_settings(server, tmp_path)
    store_queue(settings, samples)
    app = make_app(server, tmp_path, settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        picker = app.screen
        assert isinstance(picker, QueuePicker)
        assert "mon  0/7 done" in str(picker.query_one(OptionList).get_option_at_index(0).prompt)
        picker.query_one("#new-queue", Input).focus()
        await pilot.press(*"mon", "enter")  # taken
        await settle(app, pilot)
        assert "exists already" in str(picker.query_one("#new-queue-error", Static).render())
        picker.query_one("#new-queue", Input).value = "all-stored"
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, QueueScreen) and app.screen.queue_name == "all-stored"
        assert app.screen.table.count == 7
    with Store(settings.db_path) as store:
        assert store.get_queue("all-stored").source == "stored calls"


async def test_number_keys_label_the_selected_turn(server, tmp_path, samples):
    settings = make_settings(server, tmp_path)
    keys = store_queue(settings, samples)
    app = make_app(server, tmp_path, settings=settings, initial_queue="mon")
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened_from_queue(app, pilot)
        await pilot.press("j", "L")
        await settle(app, pilot)
        assert isinstance(app.screen, LabelPicker)
        await pilot.press("3")
        await settle(app, pilot)
        with Store(settings.db_path) as store:
            notes = store.notes_for(keys[0][1])
        assert [(n.turn, n.label, n.text) for n in notes] == [(2, "wrong information", "")]
        assert screen.transcript.notes[2][0].label == "wrong information"
        await pilot.press("L", "3")  # the same label again: removed
        await settle(app, pilot)
        with Store(settings.db_path) as store:
            assert store.notes_for(keys[0][1]) == []
        await pilot.press("L", "escape")
        await settle(app, pilot)
        assert app.screen is screen


async def test_queue_keys_are_absent_from_a_call_not_opened_from_a_queue(server, tmp_path, samples):
    app = make_app(server, tmp_path, initial_id=samples[0]["conversationId"])
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert not screen.query("#queue-bar")
        for action in ("queue_mark", "queue_step"):
            assert not screen.check_action(action, ())
        described = [description for _, description in binding_rows(screen)]
        assert "Done + next" not in described and "Label the turn" in described
        await pilot.press("plus", "greater_than_sign")
        await settle(app, pilot)
        assert screen.conversation_id == samples[0]["conversationId"]


def test_help_lists_the_queue_keys():
    from polytui.tui.screens.queue_review import QueueReview

    described = {b.description: b.key for b in QueueReview.BINDINGS}
    assert described == {
        "Done + next": "plus,equals_sign",
        "Fail + next": "minus",
        "Skip + next": "underscore",
        "Flag + next": "exclamation_mark",
        "Next call": "greater_than_sign",
        "Previous call": "less_than_sign",
        "Category": "number_sign",
        "Reopen": "u",
    }
    assert all(b.id for b in QueueReview.BINDINGS)


async def test_a_finished_queue_says_so(server, tmp_path, samples):
    settings = make_settings(server, tmp_path)
    keys = store_queue(settings, samples[:2])
    app = make_app(server, tmp_path, settings=settings, initial_queue="mon")
    async with app.run_test(size=SIZE) as pilot:
        await opened_from_queue(app, pilot)
        await pilot.press("plus", "plus")
        await settle(app, pilot)
        assert any("Nothing left to review in this queue" in text for text in notices(app))
        assert app.screen.conversation_id == keys[1][1]
    assert [i.status for i in items(settings)] == ["done", "done"]
