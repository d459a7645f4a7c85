"""A yes/no question in a modal: y confirms; n, Escape or Enter on "Keep" (focused) decline."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from polytui.tui.keys import bind


class ConfirmScreen(ModalScreen[bool]):
    """Dismisses with True (confirmed) or False. ``title`` and ``body`` are Content, so text
    from the API in them stays plain."""

    HELP_TITLE = "Confirm"
    AUTO_FOCUS = "#decline"  # focused as the modal is built: a quick Enter keeps, never deletes
    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical {
        width: 72; max-width: 100%; height: auto; border: round $error;
        background: $surface; padding: 0 1;
    }
    ConfirmScreen .confirm-title { text-style: bold; color: $text-error; }
    ConfirmScreen .confirm-body { margin: 1 0; }
    ConfirmScreen .confirm-buttons { height: auto; align-horizontal: right; }
    ConfirmScreen Button { margin-left: 1; }
    """
    BINDINGS = [
        bind("yes", "answer(True)", "Yes"),
        bind("no", "answer(False)", "No"),
        bind("back", "answer(False)", "No", show=False),
    ]

    def __init__(self, title: Content, body: Content, *, confirm: str = "Delete") -> None:
        super().__init__()
        self._title = title
        self._body = body
        self._confirm = confirm

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self._title, classes="confirm-title")
            yield Static(self._body, classes="confirm-body")
            with Horizontal(classes="confirm-buttons"):
                yield Button(Content(f"{self._confirm} (y)"), variant="error", id="accept")
                yield Button(Content("Keep (n)"), id="decline")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#decline", Button))

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "accept")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
