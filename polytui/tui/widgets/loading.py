"""The conversation screen's loading and error states: what is being fetched from where, over
Textual's loading indicator (bare dots said nothing), and the sentence when it failed, with the
keys that can help (no retry offered offline, where it could only say "offline")."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from polytui.core.config import Settings
from polytui.core.errors import PolytuiError
from polytui.core.text import clean_line


def loading_text(conversation_id: str, settings: Settings) -> str:
    """What the loading state says: the call, and where it comes from."""
    name = clean_line(conversation_id)
    if settings.offline:
        return f"Reading {name} from the store…"
    return f"Fetching {name} from {clean_line(settings.host)}…"


def error_page(error: PolytuiError, *, offline: bool) -> Content:
    """Why the call could not be opened, its correlation id, and what to press."""
    lines = [
        Content.styled("Could not open this conversation", "bold $error"),
        Content(""),
        Content(clean_line(error.message)),
    ]
    if error.correlation_id:
        lines.append(
            Content.styled(f"Correlation id: {clean_line(error.correlation_id)}", "$text-muted")
        )
    if offline:  # r could only say "offline"
        keys = "Offline: run polytui without --offline to fetch it.    Esc  back"
    else:
        keys = "r  try again    Esc  back to the start screen"
    lines += [Content(""), Content.styled(keys, "$text-muted")]
    return Content("\n").join(lines)


class Loading(Vertical):
    DEFAULT_CSS = """
    Loading { width: 1fr; height: 1fr; }
    Loading > Static { width: 1fr; height: auto; padding: 1 2 0 2; color: $text-muted; }
    Loading > LoadingIndicator { height: 1fr; }
    """

    def __init__(self, text: str = "", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._text = text

    def compose(self) -> ComposeResult:
        from textual.widgets import LoadingIndicator  # a call opened from the store never loads

        yield Static(Content(self._text), id="loading-text")
        yield LoadingIndicator()

    def say(self, text: str) -> None:
        self._text = text
        if self.is_mounted:
            self.query_one("#loading-text", Static).update(Content(text))
