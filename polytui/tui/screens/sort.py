"""`s` on the stored calls: pick the sort column from a list, by its letter or with j / k and
Enter. Picking the column already sorted by reverses it."""

from __future__ import annotations

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from polytui.core.keys import KEYMAP
from polytui.tui.keys import bind
from polytui.tui.widgets.call_columns import COLUMNS, Column
from polytui.tui.widgets.call_table import DOWN, UP
from polytui.tui.widgets.option_keys import KeyedOptionList

# Letters the list's own keys use (moving, paging): never a column's letter.
TAKEN = {
    key
    for key_id in ("down", "up", "first", "last", "page_up")
    for key in KEYMAP[key_id].keys.split(",")
}


def menu_name(column: Column) -> str:
    """The column as the list names it (the notes column's header is only a mark)."""
    return "Notes ✎" if column.key == "note_count" else column.label


def column_letters() -> dict[str, str]:
    """Each column's letter: the first letter of its name not taken by an earlier column or
    by the list's moving keys (Started: s, Score: o, Tags: a...)."""
    letters: dict[str, str] = {}
    used = set(TAKEN)
    for column in COLUMNS:
        for char in menu_name(column).lower():
            if char.isalpha() and char not in used:
                letters[column.key] = char
                used.add(char)
                break
    return letters


def _label(name: str, letter: str | None) -> Content:
    """``name`` with its letter underlined and bold (shown first when the name lacks it)."""
    if letter is None:
        return Content(name)
    at = name.lower().find(letter)
    if at < 0:
        return Content.assemble((letter, "bold underline $accent"), " ", name)
    return Content.assemble(name[:at], (name[at], "bold underline $accent"), name[at + 1 :])


class SortScreen(ModalScreen[tuple[str, bool] | None]):
    """Dismisses with (column key, descending), or None when cancelled."""

    HELP_TITLE = "Sort the stored calls"
    DEFAULT_CSS = """
    SortScreen { align: center middle; }
    SortScreen > Vertical {
        width: 44; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    SortScreen #sort-title { text-style: bold; color: $accent; }
    SortScreen OptionList, SortScreen OptionList:focus {
        height: auto; max-height: 13; border: none; padding: 0;
    }
    SortScreen .hint { color: $text-muted; }
    """
    BINDINGS = [bind("back", "cancel", "Cancel", show=False)]

    def __init__(self, order_by: str, descending: bool) -> None:
        super().__init__()
        self.order_by = order_by
        self.descending = descending
        self.letters = column_letters()

    def compose(self) -> ComposeResult:
        options = []
        for column in COLUMNS:
            label = _label(menu_name(column), self.letters.get(column.key))
            if column.key == self.order_by:
                arrow = DOWN if self.descending else UP
                label = Content.assemble(label, (f"  {arrow} now (again: reverse)", "$text-muted"))
            options.append(Option(label, id=column.key))
        with Vertical():
            yield Label("Sort the stored calls by", id="sort-title")
            yield KeyedOptionList(*options, id="sort-columns")
            yield Static(Content("A letter or Enter picks · Esc cancels"), classes="hint")

    def on_mount(self) -> None:
        columns = self.query_one("#sort-columns", OptionList)
        columns.highlighted = next(
            (n for n, column in enumerate(COLUMNS) if column.key == self.order_by), 0
        )
        columns.focus()

    def on_key(self, event: events.Key) -> None:
        for key, letter in self.letters.items():
            if event.character == letter:
                event.stop()
                self._pick(key)
                return

    @on(OptionList.OptionSelected, "#sort-columns")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self._pick(event.option.id)

    def _pick(self, key: str) -> None:
        column = next(column for column in COLUMNS if column.key == key)
        if key == self.order_by:
            self.dismiss((key, not self.descending))
        else:
            self.dismiss((key, column.descending_first))

    def action_cancel(self) -> None:
        self.dismiss(None)
