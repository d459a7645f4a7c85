"""Reviewer notes in the review app: `a` adds, `A` edits, `x` deletes, against a real SQLite store
in tmp_path and the loopback API server (the app is built as in test_app.py)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from textual.widgets import Input, OptionList, RadioButton

from polytui.adapters.sqlite import Store
from polytui.core.models import Note
from polytui.demo._scripts import BANK_ID
from polytui.demo.samples import DEMO_AGENT, sample_conversations
from polytui.tui.screens.confirm import ConfirmScreen
from polytui.tui.screens.conversation import ConversationScreen
from polytui.tui.screens.export import ExportScreen
from polytui.tui.screens.note import NoteEditor, NotePicker

from .test_app import EXPORTS, SIZE, make_app, notices, open_loaded, screen_text, settle

# Turns of the bank call: 1 and 2 carry no flag, 3 is DTMF (the first flagged turn).
PLAIN_TURN, FIRST_FLAGGED = 2, 3


@pytest.fixture(scope="module")
def _sample_calls() -> list[dict[str, Any]]:
    return sample_conversations()


@pytest.fixture
def samples(_sample_calls) -> list[dict[str, Any]]:
    return _sample_calls


def stored_notes(app) -> list[Note]:
    return app.loader.store.notes_for(BANK_ID, DEMO_AGENT)


def add_before_opening(app, turn: int | None, text: str, label: str | None = None) -> Note:
    """A note written by someone else (the CLI, an import) before the app shows the call."""
    with Store(app.settings.db_path) as store:
        return store.add_note(DEMO_AGENT, BANK_ID, turn, text, label)


def editor(app) -> NoteEditor:
    screen = app.screen
    assert isinstance(screen, NoteEditor), type(screen).__name__
    return screen


async def open_editor_on(app, pilot, turn: int) -> NoteEditor:
    screen = app.screen
    assert isinstance(screen, ConversationScreen)
    screen.transcript.cursor = turn - 1
    await pilot.press("a")
    modal = editor(app)
    assert app.focused is modal.text_box  # typing goes straight into the note
    return modal


def turn_block(app, turn: int) -> str:
    """The screen rows of turn ``turn`` (from its "#N" header to the next header)."""
    rows = screen_text(app).splitlines()
    start = next(i for i, row in enumerate(rows) if f"#{turn} " in row[:8])
    end = next(
        (i for i in range(start + 1, len(rows)) if rows[i][:8].lstrip("▌ ").startswith("#")),
        len(rows),
    )
    return "\n".join(rows[start:end])


# -- add ----------------------------------------------------------------------------------------


async def test_a_types_a_note_with_a_label_and_enter_saves(server, tmp_path):
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_loaded(app, pilot)
        view = screen.transcript
        assert "A Edit note" not in screen_text(app)  # nothing to edit yet
        modal = await open_editor_on(app, pilot, FIRST_FLAGGED)
        assert "New note on turn 3" in screen_text(app)
        assert "DTMF 4417" in screen_text(app)  # the turn being noted, for context
        await pilot.press(*"slow", "down", "down")  # typed, then the label: good, bad
        assert modal.text_box.value == "slow"
        assert modal.label == "bad response"
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen is screen
        [note] = stored_notes(app)
        assert (note.turn, note.text, note.label) == (3, "slow", "bad response")
        assert "Note saved on turn 3." in notices(app)
        assert view.cursor == FIRST_FLAGGED - 1
        block = turn_block(app, FIRST_FLAGGED)
        assert "NOTE" in block and "✎ [bad response] slow" in block  # inline under its turn
        assert "A Edit note" in screen_text(app) and "d Delete note" in screen_text(app)


async def test_a_saves_without_a_label_and_escape_saves_nothing(server, tmp_path):
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_loaded(app, pilot)
        modal = await open_editor_on(app, pilot, PLAIN_TURN)
        modal.text_box.value = "never saved"
        await pilot.press("escape")
        assert app.screen is screen
        assert stored_notes(app) == []
        assert "never saved" not in screen_text(app)
        modal = await open_editor_on(app, pilot, PLAIN_TURN)
        assert modal.text_box.value == ""  # a fresh editor
        modal.text_box.value = "asked twice for the card digits"
        await pilot.press("enter")
        await settle(app, pilot)
        [note] = stored_notes(app)
        assert (note.turn, note.label) == (PLAIN_TURN, None)
        assert "✎ asked twice for the card digits" in turn_block(app, PLAIN_TURN)


async def test_a_label_alone_is_a_note_but_nothing_at_all_is_refused(server, tmp_path):
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    async with app.run_test(size=SIZE) as pilot:
        await open_loaded(app, pilot)
        modal = await open_editor_on(app, pilot, 1)
        modal.text_box.value = "   "
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen is modal  # still open, with the store's sentence
        assert modal.error_text == "A note needs some text or a label."
        assert "A note needs some text or a label." in screen_text(app)
        assert modal.text_box.value == "   "  # nothing typed is lost
        assert stored_notes(app) == []
        # Tab to the labels, pick one with the arrows and Enter; the focus comes back to the
        # text, so the next Enter saves.
        await pilot.press("tab", "down", "enter")
        await settle(app, pilot)
        assert app.focused is modal.text_box
        assert modal.label == "good response"
        await pilot.press("enter")
        await settle(app, pilot)
        [note] = stored_notes(app)
        assert (note.text, note.label) == ("", "good response")
        assert "✎ [good response]" in turn_block(app, 1)


# -- edit and delete ----------------------------------------------------------------------------


async def test_A_edits_the_note_of_the_turn(server, tmp_path):
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    note = add_before_opening(app, PLAIN_TURN, "first thought", "good response")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_loaded(app, pilot)
        screen.transcript.cursor = PLAIN_TURN - 1
        await pilot.press("A")
        modal = editor(app)
        assert "Edit the note on turn 2" in screen_text(app)
        assert modal.text_box.value == "first thought" and modal.label == "good response"
        assert app.focused is modal.text_box
        modal.text_box.value = "second thought"
        await pilot.press("up")  # good response -> no label
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen is screen
        [edited] = stored_notes(app)
        assert (edited.id, edited.text, edited.label) == (note.id, "second thought", None)
        assert "Note updated on turn 2." in notices(app)
        block = turn_block(app, PLAIN_TURN)
        assert "✎ second thought" in block and "first thought" not in block


async def test_A_with_several_notes_asks_which(server, tmp_path):
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    add_before_opening(app, PLAIN_TURN, "one")
    second = add_before_opening(app, PLAIN_TURN, "two", "wrong information")
    add_before_opening(app, None, "whole call: polite throughout")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_loaded(app, pilot)
        screen.transcript.cursor = PLAIN_TURN - 1
        await pilot.press("A")
        picker = app.screen
        assert isinstance(picker, NotePicker)
        assert [n.text for n in picker.notes] == ["one", "two", "whole call: polite throughout"]
        text = screen_text(app)
        assert "Edit which note?" in text and "the whole call" in text
        await pilot.press("down", "enter")
        await settle(app, pilot)
        modal = editor(app)
        assert modal.text_box.value == "two" and modal.label == "wrong information"
        modal.text_box.value = "two, revised"
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen is screen
        texts = {n.id: n.text for n in stored_notes(app)}
        assert texts[second.id] == "two, revised"
        assert sorted(texts.values()) == ["one", "two, revised", "whole call: polite throughout"]
        # Escape in the picker changes nothing.
        await pilot.press("A", "escape")
        assert app.screen is screen


async def test_d_deletes_after_confirmation_and_n_or_escape_keep(server, tmp_path):
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    add_before_opening(app, PLAIN_TURN, "delete me", "bad response")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_loaded(app, pilot)
        view = screen.transcript
        view.cursor = PLAIN_TURN - 1
        await pilot.pause()
        for keep in ("n", "escape", "enter"):  # Enter presses the focused "Keep"
            await pilot.press("d")
            assert isinstance(app.screen, ConfirmScreen)
            assert "Delete this note on turn 2?" in screen_text(app)
            assert "✎ [bad response] delete me" in screen_text(app)
            await pilot.press(keep)
            assert app.screen is screen
            assert len(stored_notes(app)) == 1, keep
        await pilot.press("d", "y")
        await settle(app, pilot)
        assert app.screen is screen
        assert stored_notes(app) == []
        assert "Note deleted from turn 2." in notices(app)
        block = turn_block(app, PLAIN_TURN)
        assert "NOTE" not in block and "delete me" not in block
        assert view.cursor == PLAIN_TURN - 1
        assert "d Delete note" not in screen_text(app)  # nothing left to delete
        # The palette offers only what works here.
        titles = [c.title for c in app.get_system_commands(screen)]
        assert "Add note" in titles and "Delete note" not in titles and "Edit note" not in titles


# -- what follows a change ----------------------------------------------------------------------


async def test_bracket_visits_a_turn_noted_in_the_app(server, tmp_path):
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_loaded(app, pilot)
        view = screen.transcript
        await pilot.press("right_square_bracket")
        assert view.cursor == FIRST_FLAGGED - 1  # turn 2 is not flagged yet
        modal = await open_editor_on(app, pilot, PLAIN_TURN)
        modal.text_box.value = "flag me"
        await pilot.press("enter")
        await settle(app, pilot)  # saved: the editor is closed
        await pilot.press("g", "right_square_bracket")
        assert view.cursor == PLAIN_TURN - 1
        await pilot.press("right_square_bracket", "left_square_bracket")
        assert view.cursor == PLAIN_TURN - 1


async def test_a_note_on_the_last_turn_stays_on_screen(server, tmp_path):
    """The turn grows by the note's rows: the view re-measures and keeps all of it in sight."""
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_loaded(app, pilot)
        view = screen.transcript
        await pilot.press("G")
        last = view.turn_count
        modal = await open_editor_on(app, pilot, last)
        modal.text_box.value = "handoff was right " * 12 + "END-OF-NOTE"
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.pause()
        assert view.cursor == last - 1
        assert "END-OF-NOTE" in screen_text(app)
        assert view.max_scroll_y == view.scroll_y  # the new rows were measured and reached


async def test_notes_survive_r_refresh(server, tmp_path):
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_loaded(app, pilot)
        modal = await open_editor_on(app, pilot, FIRST_FLAGGED)
        modal.text_box.value = "still here after r"
        await pilot.press("enter")
        await settle(app, pilot)
        app.loader.store.add_note(DEMO_AGENT, BANK_ID, 1, "added by the CLI meanwhile")
        await pilot.press("r")
        await settle(app, pilot)
        assert server.hits == 2  # opened, then refreshed from the API
        assert screen.loaded is not None and screen.loaded.source == "api"
        assert screen.transcript.cursor == FIRST_FLAGGED - 1
        assert "✎ still here after r" in turn_block(app, FIRST_FLAGGED)
        assert [n.text for n in screen.transcript.notes[FIRST_FLAGGED]] == ["still here after r"]
        assert [n.text for n in screen.transcript.notes[1]] == ["added by the CLI meanwhile"]


async def test_export_includes_a_note_just_added(server, tmp_path):
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    async with app.run_test(size=SIZE) as pilot:
        await open_loaded(app, pilot)
        modal = await open_editor_on(app, pilot, FIRST_FLAGGED)
        modal.text_box.value = "exported note"
        await pilot.press("down", "enter")
        await settle(app, pilot)
        for fmt, suffix in EXPORTS.items():
            await pilot.press("e")
            export = app.screen
            assert isinstance(export, ExportScreen)
            assert [b.name for b in export.query(RadioButton)] == [*EXPORTS, "recording"]
            next(b for b in export.query(RadioButton) if b.name == fmt).value = True
            await pilot.pause()
            written = tmp_path / f"noted{suffix}"
            export.query_one("#export-path", Input).value = str(written)
            await pilot.press("enter")
            await settle(app, pilot)
            body = written.read_text(encoding="utf-8")
            assert "exported note" in body, fmt
            assert "good response" in body, fmt
        data = json.loads((tmp_path / "noted.json").read_text(encoding="utf-8"))
        [note] = data["polytuiNotes"]
        assert (note["turn"], note["label"], note["text"]) == (3, "good response", "exported note")
        markdown = (tmp_path / "noted.md").read_text(encoding="utf-8")
        turn3 = markdown.split("### Turn 3 ")[1].split("### Turn 4 ")[0]
        assert "exported note" in turn3


# -- whole-call notes, errors, hostile text ----------------------------------------------------


async def test_whole_call_notes_show_above_the_transcript(server, tmp_path):
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    add_before_opening(app, None, "escalation was justified", "good response")
    add_before_opening(app, 99, "from a longer copy")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_loaded(app, pilot)
        assert screen.has_class("-call-notes")
        text = screen_text(app)
        assert "Call  ✎ [good response] escalation was justified" in text
        assert "Turn 99 (not in this copy)  ✎ from a longer copy" in text
        assert "A Edit note" in text  # the call's notes can be edited from any turn
        await pilot.press("d")
        assert isinstance(app.screen, NotePicker)
        await pilot.press("enter", "y")
        await settle(app, pilot)
        assert isinstance(app.screen, ConversationScreen)
        assert "escalation was justified" not in screen_text(app)
        assert "from a longer copy" in screen_text(app)
        await pilot.press("d", "y")
        await settle(app, pilot)
        assert not screen.has_class("-call-notes")
        assert stored_notes(app) == []


async def test_C_adds_a_note_on_the_whole_call(server, tmp_path):
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_loaded(app, pilot)
        screen.transcript.cursor = PLAIN_TURN - 1
        await pilot.press("C")
        modal = app.screen
        assert isinstance(modal, NoteEditor) and app.focused is modal.text_box
        assert "New note on the whole call" in screen_text(app)
        await pilot.press(*"handoff was right", "down")
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen is screen
        [note] = stored_notes(app)
        assert (note.turn, note.text, note.label) == (None, "handoff was right", "good response")
        assert "Note saved on the whole call." in notices(app)
        assert "Call  ✎ [good response] handoff was right" in screen_text(app)
        assert "NOTE" not in turn_block(app, PLAIN_TURN)  # not on the selected turn
        await pilot.press("C")
        assert "The call has 1 note: A edits, x deletes." in screen_text(app)


async def test_a_read_only_store_keeps_the_editor_and_the_text(server, tmp_path):
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    add_before_opening(app, PLAIN_TURN, "cannot delete me")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_loaded(app, pilot)
        # The database turns read-only under the app (as on a remounted disk).
        app.loader.store._conn.execute("PRAGMA query_only = ON")
        modal = await open_editor_on(app, pilot, FIRST_FLAGGED)
        modal.text_box.value = "typed with care"
        await pilot.press("down", "enter")
        await settle(app, pilot)
        assert app.screen is modal
        assert modal.error_text.startswith("Cannot write to the store at ")
        assert "readonly" in modal.error_text or "read-only" in modal.error_text
        assert modal.text_box.value == "typed with care" and modal.label == "good response"
        await pilot.press("escape")
        assert app.screen is screen
        screen.transcript.cursor = PLAIN_TURN - 1
        await pilot.press("d", "y")
        await settle(app, pilot)
        assert app.screen is screen
        assert any(n.startswith("Cannot write to the store at ") for n in notices(app))
        assert "cannot delete me" in turn_block(app, PLAIN_TURN)
        await pilot.press("j")  # still usable
        assert screen.transcript.cursor == PLAIN_TURN
        app.loader.store._conn.execute("PRAGMA query_only = OFF")
        modal = await open_editor_on(app, pilot, FIRST_FLAGGED)
        modal.text_box.value = "saved once writable"
        await pilot.press("enter")
        await settle(app, pilot)
        assert "saved once writable" in [n.text for n in stored_notes(app)]


async def test_note_text_is_shown_as_data(server, tmp_path):
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    hostile = "[bold]x[/] \x1b[2J\u202eevil"
    add_before_opening(app, PLAIN_TURN, hostile)
    add_before_opening(app, PLAIN_TURN, "[@click=app.quit]two[/]")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_loaded(app, pilot)
        screen.transcript.cursor = PLAIN_TURN - 1
        await pilot.press("A")
        assert isinstance(app.screen, NotePicker)
        text = screen_text(app)
        assert "[bold]x[/] ␛[2J\ufffdevil" in text and "[@click=app.quit]two[/]" in text
        assert "\x1b" not in text and "\u202e" not in text
        options = app.screen.query_one(OptionList)
        assert options.option_count == 2
        await pilot.press("enter")
        await settle(app, pilot)
        modal = editor(app)
        assert modal.text_box.value == "[bold]x[/] ␛[2J\ufffdevil"  # visible, not live
        await pilot.press("escape")
        assert app.screen is screen


async def test_help_and_palette_offer_the_note_keys(server, tmp_path):
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    add_before_opening(app, 1, "on the first turn")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_loaded(app, pilot)
        commands = {c.title: c for c in app.get_system_commands(screen)}
        assert {"Add note", "Edit note", "Delete note"} <= set(commands)
        await commands["Delete note"].callback()
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n", "question_mark")
        text = screen_text(app)
        for key, description in (("a", "Add note"), ("A", "Edit note"), ("d", "Delete note")):
            assert re.search(rf"(^|\s){key}\s+{description}", text, re.MULTILINE), description
