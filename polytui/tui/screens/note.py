"""Reviewer-note modals: the editor (`a` / `A`), the picker for a turn with several notes, and
a delete question (`x`, asked with the shared ConfirmScreen).

The editor never talks to the store itself: it is given an async ``save`` function (text,
label) -> Note, which it awaits in a worker: while the store is busy the modal says it is
saving and stays open (Escape waits too: the note is either kept or refused, never dropped).
A failed save (UsageError for an empty note, StoreError for a read-only database, ...) shows its
sentence in the modal and keeps it open with everything typed still there."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, RadioButton, RadioSet, Static
from textual.widgets.option_list import Option

from polytui.core.errors import PolytuiError
from polytui.core.models import NOTE_LABELS, Note
from polytui.core.text import clean, clean_line
from polytui.tui.keys import bind
from polytui.tui.widgets.option_keys import KeyedOptionList
from polytui.tui.widgets.transcript_model import note_text

from .confirm import ConfirmScreen

SaveNote = Callable[[str, str | None], Awaitable[Note]]
LABEL_CHOICES: tuple[str | None, ...] = (None, *NOTE_LABELS)
NO_LABEL = "no label"


def one_line(note: Note) -> str:
    """The note as the transcript shows it, on one row (line breaks become spaces)."""
    return " ".join(note_text(note).split("\n"))


def where(note: Note) -> str:
    """ "turn 5" or "the whole call"."""
    return "the whole call" if note.turn is None else f"turn {note.turn}"


NARROW = 80  # columns under which the labels take two columns
SHORT = 24  # rows under which the text box loses its border


class NoteEditor(ModalScreen[Note | None]):
    """Text input (focused) and the annotation label; Enter saves, Escape cancels.

    Up / Down in the text box change the label (so "type, Down, Enter" labels and saves); Tab
    reaches the labels, where arrows move and Enter or Space picks one."""

    DEFAULT_CSS = """
    NoteEditor { align: center middle; }
    NoteEditor > Vertical {
        width: 88; max-width: 100%; height: auto; border: round $accent;
        background: $surface; padding: 0 1;
    }
    NoteEditor #note-title { text-style: bold; color: $accent; }
    NoteEditor #note-context { color: $text-muted; text-wrap: nowrap; text-overflow: ellipsis; }
    NoteEditor #note-text { margin-top: 1; }
    NoteEditor .note-caption { color: $text-muted; }
    NoteEditor #note-label { layout: grid; grid-size: 3; height: auto; padding: 0; }
    NoteEditor #note-label > RadioButton { width: 1fr; padding: 0; }
    NoteEditor #note-error { color: $text-error; height: auto; }
    NoteEditor #note-error.-saving { color: $text-muted; }
    NoteEditor .hint { color: $text-muted; }
    """
    BINDINGS = [
        bind("back", "cancel", "Cancel", show=False),
        bind("down", "label(1)", "Next label", show=False),
        bind("up", "label(-1)", "Previous label", show=False),
    ]

    def __init__(
        self,
        *,
        title: str,
        save: SaveNote,
        context: Sequence[str] = (),
        note: Note | None = None,
        hint: str = "",
    ) -> None:
        super().__init__()
        self._title = title
        self._save = save
        self._context_lines = [clean_line(line) for line in context if line]
        self._note = note
        self._hint = hint
        self.label: str | None = note.label if note is not None else None
        self.saving = False  # a save is waiting for the store

    def compose(self) -> ComposeResult:
        note = self._note
        value = clean(note.text, newlines=False) if note is not None else ""
        with Vertical():
            yield Label(Content(self._title), id="note-title")
            if self._context_lines:
                yield Static(Content("\n".join(self._context_lines)), id="note-context")
            yield Input(value=value, placeholder="What did you notice?", id="note-text")
            yield Label("Label (Up / Down, or Tab)", classes="note-caption")
            with RadioSet(id="note-label"):
                for choice in LABEL_CHOICES:
                    yield RadioButton(choice or NO_LABEL, value=choice == self.label)
            yield Static("", id="note-error")
            hints = ["Enter saves · Esc cancels"]
            if note is not None and "\n" in note.text.strip():
                hints.append("This note's line breaks become spaces when you save it.")
            if self._hint:
                hints.append(self._hint)
            yield Static(Content("\n".join(hints)), classes="hint")

    def on_mount(self) -> None:
        self.query_one("#note-text", Input).focus()

    def on_resize(self) -> None:
        """Narrow terminals: the labels in two columns (three cut them short); short ones:
        the text box without its border, so the whole editor stays on screen."""
        labels = self.query_one("#note-label", RadioSet)
        labels.styles.grid_size_columns = 2 if self.size.width < NARROW else 3
        self.text_box.compact = self.size.height < SHORT

    @property
    def text_box(self) -> Input:
        return self.query_one("#note-text", Input)

    @property
    def error_text(self) -> str:
        return str(self.query_one("#note-error", Static).render())

    def action_label(self, step: int) -> None:
        """Pick the next / previous label, wrapping (no label comes after the last)."""
        current = LABEL_CHOICES.index(self.label)
        buttons = list(self.query_one("#note-label", RadioSet).query(RadioButton))
        buttons[(current + step) % len(buttons)].value = True

    @on(RadioSet.Changed, "#note-label")
    def _label_changed(self, event: RadioSet.Changed) -> None:
        self.label = LABEL_CHOICES[event.index] if event.index >= 0 else None
        self.text_box.focus()  # so the next Enter saves

    @on(Input.Submitted, "#note-text")
    def _submit(self, event: Input.Submitted) -> None:
        event.stop()
        if self.saving:
            return
        self.saving = True
        self._say("Saving…", saving=True)
        self.run_worker(self._save_note(event.value, self.label), exit_on_error=False)

    async def _save_note(self, text: str, label: str | None) -> None:
        try:
            note = await self._save(text, label)
        except PolytuiError as exc:
            # The modal stays open with the text and label as they were.
            self.saving = False
            self._say(clean_line(str(exc)))
            return
        self.dismiss(note)

    def _say(self, message: str, *, saving: bool = False) -> None:
        line = self.query_one("#note-error", Static)
        line.update(Content(message))
        line.set_class(saving, "-saving")

    def action_cancel(self) -> None:
        if self.saving:  # the store has the note or refuses it soon: either way it is said here
            self.notify("Still saving this note: the editor closes once the store has it.")
            return
        self.dismiss(None)


class NotePicker(ModalScreen[Note | None]):
    """Choose one of several notes (the cursor turn's, then the whole call's)."""

    DEFAULT_CSS = """
    NotePicker { align: center middle; }
    NotePicker > Vertical {
        width: 80; max-width: 100%; height: auto; max-height: 80%; border: round $accent;
        background: $surface; padding: 0 1;
    }
    NotePicker #pick-title { text-style: bold; color: $accent; }
    NotePicker OptionList { height: auto; max-height: 16; text-wrap: nowrap; text-overflow: ellipsis; }
    NotePicker .hint { color: $text-muted; }
    """
    BINDINGS = [bind("back", "cancel", "Cancel", show=False)]

    def __init__(self, title: str, notes: Sequence[Note]) -> None:
        super().__init__()
        self._title = title
        self.notes = list(notes)

    def compose(self) -> ComposeResult:
        width = max(len(where(note)) for note in self.notes) + 2
        options = [
            Option(
                Content.assemble((where(note).ljust(width), "$text-muted"), one_line(note)),
                id=str(note.id),
            )
            for note in self.notes
        ]
        with Vertical():
            yield Label(Content(self._title), id="pick-title")
            yield KeyedOptionList(*options, id="pick-list")
            yield Static(Content("Up / Down choose · Enter opens · Esc cancels"), classes="hint")

    def on_mount(self) -> None:
        picker = self.query_one("#pick-list", OptionList)
        picker.highlighted = 0
        picker.focus()

    @on(OptionList.OptionSelected, "#pick-list")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.notes[event.option_index])

    def action_cancel(self) -> None:
        self.dismiss(None)


def delete_question(note: Note) -> ConfirmScreen:
    """ "Delete this note on turn 5?" with the note as the transcript shows it."""
    return ConfirmScreen(
        Content(f"Delete this note on {where(note)}?"),
        Content.styled(note_text(note), "$text-warning"),
    )
