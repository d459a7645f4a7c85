"""Why a queue's call was marked so: a category (free text, one line) typed in a small modal
(``#`` on a call opened from a queue). Enter keeps what is typed (empty removes it), Escape
leaves the category as it was."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from polytui.core.queues import MAX_CATEGORY_LENGTH


class CategoryPrompt(ModalScreen[str | None]):
    """Dismisses with the category typed ("" removes it), or None when cancelled."""

    HELP_TITLE = "Category"
    AUTO_FOCUS = "#category"
    DEFAULT_CSS = """
    CategoryPrompt { align: center middle; }
    CategoryPrompt > Vertical {
        width: 80; max-width: 100%; height: auto; border: round $accent;
        background: $surface; padding: 0 1;
    }
    CategoryPrompt .category-title { text-style: bold; color: $accent; }
    CategoryPrompt .category-help { color: $text-muted; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="category_cancel")]

    def __init__(self, title: Content, current: str) -> None:
        super().__init__()
        self._title = title
        self._current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self._title, classes="category-title")
            yield Input(
                self._current,
                placeholder="why, e.g. wrong balance read out",
                max_length=MAX_CATEGORY_LENGTH,
                id="category",
            )
            yield Static(
                Content("Enter keeps it (empty removes it); Escape leaves it as it was."),
                classes="category-help",
            )

    @on(Input.Submitted, "#category")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)
