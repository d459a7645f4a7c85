"""The note keys of the conversation screen: `a` adds a note to the selected turn, `C` one on
the whole call, `A` edits and `x` deletes one (a picker first when there are several). After every change the notes on
screen follow at once: inline under their turns (with the NOTE badge `]` / `[` visit) and, for
whole-call notes or notes on turns this copy lacks, in a strip above the transcript.

Notes are keyed by (agent, conversation, turn) in the store, so they survive `r` refresh. The
store is reached through the app's workspace, off the event loop: saving waits for the store in
the editor, which stays open (and the app answers keys) until the note is kept or refused."""

from __future__ import annotations

from collections.abc import Coroutine, Iterable
from typing import TYPE_CHECKING, Any

from textual.content import Content
from textual.widgets import Static

from polytui.core.errors import NotFoundError, PolytuiError
from polytui.core.facts import caller_word, empty_caller_text
from polytui.core.models import Note
from polytui.core.text import clean_line
from polytui.export.common import CallNote, group_notes

# The note screens (.note) are imported when a note is first shown or edited: opening a call
# without notes does not need them.
if TYPE_CHECKING:
    from polytui.workspace import Workspace

    from .conversation import ConversationScreen

CALL_NOTE_ROWS = 3  # whole-call notes shown above the transcript; the rest via A


def call_note_line(item: CallNote) -> Content:
    """One row of the strip above the transcript: where, then the note as the transcript shows it."""
    from .note import one_line

    place = "Call" if item.missing_turn is None else f"Turn {item.missing_turn} (not in this copy)"
    return Content.assemble((f"{place}  ", "bold"), one_line(item.note))


class NoteActions:
    """Owned by a ConversationScreen with a loaded call; all its store access is here."""

    def __init__(self, screen: ConversationScreen) -> None:
        self.screen = screen
        self.call_notes: list[CallNote] = []
        self._call_notes_shown = Content("")  # what the strip above the transcript shows

    # -- reading ------------------------------------------------------------------------------

    def _workspace(self) -> Workspace:
        return self.screen.polytui.workspace

    def _key(self) -> tuple[str, str]:
        loaded = self.screen.loaded
        assert loaded is not None
        return loaded.agent, loaded.conversation.conversation_id

    async def reload(self) -> bool:
        """Read the call's notes again and show them; a store failure is a notice (False)."""
        agent, conversation_id = self._key()
        try:
            notes = await self._workspace().notes_for(conversation_id, agent)
        except PolytuiError as exc:
            self.error(exc)
            return False
        self.show(notes)
        return True

    def show(
        self, notes: Iterable[Note], error: PolytuiError | None = None, *, inline: bool = True
    ) -> None:
        """Show ``notes`` (read with the call) inline and above the transcript; ``error``: why
        they could not be read, said in a notice. ``inline`` False: the transcript was given
        the notes on its turns with the call already."""
        view = self.screen.transcript
        self.call_notes, by_turn = group_notes(list(notes), view.turn_count)
        if inline:
            view.set_notes([note for turn_notes in by_turn.values() for note in turn_notes])
        self._show_call_notes()
        if error is not None:
            self.error(error)

    def _show_call_notes(self) -> None:
        strip = self.screen.query_one("#call-notes", Static)
        items = self.call_notes
        lines = [call_note_line(item) for item in items[:CALL_NOTE_ROWS]]
        if len(items) > CALL_NOTE_ROWS:
            more = len(items) - CALL_NOTE_ROWS
            lines.append(Content.styled(f"… {more} more: A lists every note", "$text-muted"))
        content = Content("\n").join(lines)
        if content != self._call_notes_shown:  # moving between calls without: no layout
            self._call_notes_shown = content
            strip.update(content)
        self.screen.set_class(bool(items), "-call-notes")

    def turn_number(self) -> int | None:
        view = self.screen.transcript
        return view.cursor + 1 if view.turn_count else None

    def choices(self) -> list[Note]:
        """Notes A and x act on: the selected turn's, then the call-level ones."""
        turn = self.turn_number()
        on_turn = self.screen.transcript.notes.get(turn, []) if turn is not None else []
        return [*on_turn, *(item.note for item in self.call_notes)]

    def _context(self, turn: int) -> list[str]:
        """The turn's caller and agent lines for the editor (cleaned by the editor)."""
        conversation = self.screen.transcript.conversation
        if conversation is None or not 1 <= turn <= len(conversation.turn_list):
            return []
        item = conversation.turn_list[turn - 1]
        dtmf = item.dtmf.strip()
        caller = " ".join(p for p in (item.user_text.strip(), dtmf and f"DTMF {dtmf}") if p)
        return [
            f"{caller_word(conversation)}: {caller or empty_caller_text(item)}",
            f"agent:  {item.agent_text.strip() or '(no response)'}",
        ]

    # -- the keys -----------------------------------------------------------------------------

    def add(self, *, whole_call: bool = False) -> None:
        """The editor for a new note on the selected turn, or with ``whole_call`` on the call."""
        from .note import NoteEditor

        turn = None if whole_call else self.turn_number()
        if turn is None and not whole_call:
            self.screen.notify(
                "This call has no turns to put a note on: C adds a note on the whole call.",
                timeout=4,
            )
            return
        agent, conversation_id = self._key()
        if turn is None:
            existing, place = len(self.call_notes), "The call"
        else:
            existing, place = len(self.screen.transcript.notes.get(turn, [])), f"Turn {turn}"
        hint = f"{place} has {existing} note{'s' * (existing > 1)}: A edits, x deletes."

        async def save(text: str, label: str | None) -> Note:
            return await self._workspace().add_note(agent, conversation_id, turn, text, label)

        editor = NoteEditor(
            title="New note on the whole call" if turn is None else f"New note on turn {turn}",
            save=save,
            context=[] if turn is None else self._context(turn),
            hint=hint if existing else "",
        )
        self.screen.app.push_screen(editor, lambda note: self._changed(note, "saved on"))

    def label(self) -> None:
        """Label the selected turn with one of Studio's labels, picked by its number: a note
        holding that label alone; picking a label the turn has alone removes it."""
        from .labels import LabelPicker

        turn = self.turn_number()
        if turn is None:
            self.screen.notify("This call has no turns to label.", timeout=4)
            return
        alone = {
            n.label: n for n in self.screen.transcript.notes.get(turn, []) if n.label and not n.text
        }

        def picked(label: str | None) -> None:
            if label is not None:
                self._in_worker(self._toggle_label(turn, label, alone.get(label)))

        self.screen.app.push_screen(LabelPicker(turn, set(alone)), picked)

    async def _toggle_label(self, turn: int, label: str, existing: Note | None) -> None:
        agent, conversation_id = self._key()
        workspace = self._workspace()
        try:
            if existing is not None:
                await workspace.delete_note(existing.id)
            else:
                await workspace.add_note(agent, conversation_id, turn, "", label)
        except PolytuiError as exc:
            self.error(exc)
            return
        await self.reload()
        self._refresh_screen()
        done = "removed from" if existing is not None else "put on"
        self.screen.notify(f"The label “{label}” {done} turn {turn}.", timeout=3)

    def edit(self) -> None:
        self._pick("Edit which note?", self._edit)

    def delete(self) -> None:
        self._pick("Delete which note?", self._confirm_delete)

    def _pick(self, title: str, then) -> None:
        from .note import NotePicker

        choices = self.choices()
        if not choices:
            turn = self.turn_number()
            self.screen.notify(
                f"Turn {turn} has no notes: a adds one." if turn else "This call has no notes.",
                timeout=4,
            )
            return
        if len(choices) == 1:
            then(choices[0])
            return
        self.screen.app.push_screen(
            NotePicker(title, choices), lambda note: then(note) if note is not None else None
        )

    def _edit(self, note: Note) -> None:
        from .note import NoteEditor, where

        async def save(text: str, label: str | None) -> Note:
            return await self._workspace().update_note(note.id, text=text, label=label)

        title = f"Edit the note on {where(note)}"
        context = self._context(note.turn) if note.turn is not None else []
        editor = NoteEditor(title=title, save=save, context=context, note=note)
        self.screen.app.push_screen(editor, lambda saved: self._changed(saved, "updated on"))

    def _confirm_delete(self, note: Note) -> None:
        from .note import delete_question

        def answered(delete: bool | None) -> None:
            if delete:
                self._in_worker(self._delete(note))

        self.screen.app.push_screen(delete_question(note), answered)

    async def _delete(self, note: Note) -> None:
        from .note import where

        try:
            await self._workspace().delete_note(note.id)
        except NotFoundError:
            # Deleted elsewhere (the CLI, another window) meanwhile: the outcome is the same.
            await self.reload()
            self._refresh_screen()
            self.screen.notify(f"That note on {where(note)} was already deleted.", timeout=4)
            return
        except PolytuiError as exc:
            self.error(exc)
            return
        await self._after_change(note, "deleted from")

    # -- after a change -----------------------------------------------------------------------

    def _in_worker(self, work: Coroutine[Any, Any, None]) -> None:
        self.screen.run_worker(work, group="notes", exit_on_error=False)

    def _changed(self, note: Note | None, verb: str) -> None:
        if note is not None:  # None: cancelled
            self._in_worker(self._after_change(note, verb))

    async def _after_change(self, note: Note, verb: str) -> None:
        from .note import where

        await self.reload()
        self._refresh_screen()
        self.screen.notify(f"Note {verb} {where(note)}.", timeout=3)

    def _refresh_screen(self) -> None:
        # Heights changed: keep the whole cursor turn (and its notes) on screen, and let the
        # footer offer A / x when there is now something to edit (or stop offering them).
        self.screen.transcript.move_cursor(0)
        self.screen.refresh_bindings()

    def error(self, exc: PolytuiError) -> None:
        self.screen.notify(
            clean_line(str(exc)), title="Notes", severity="error", timeout=10, markup=False
        )
