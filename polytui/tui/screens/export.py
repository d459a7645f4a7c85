"""`e`: export the call to a file (markdown, json, csv, html or text, or its recording as a WAV)
and say where. The notes are read, the file rendered and written (the recording fetched when it
is not kept) through the workspace, off the event loop; any failure (the store's included) is
a sentence in the dialog, which stays open."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, RadioButton, RadioSet, Static

from polytui.core.config import Settings
from polytui.core.errors import PolytuiError
from polytui.core.facts import no_recording_reason
from polytui.core.text import clean_line
from polytui.loader import Loaded
from polytui.tui.keys import bind

if TYPE_CHECKING:
    from polytui.workspace import Workspace

EXTENSIONS = {
    "markdown": "md",
    "json": "json",
    "csv": "csv",
    "html": "html",
    "text": "txt",
    "recording": "wav",
}


def default_path(conversation_id: str, fmt: str, directory: Path | None = None) -> Path:
    """A file name from the ID that cannot leave the directory ("/" and ".." are replaced)."""
    safe = (
        "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in conversation_id)[:100]
        or "conversation"
    )
    return (directory or Path.cwd()) / f"{safe}.{EXTENSIONS[fmt]}"


class ExportScreen(ModalScreen[Path | None]):
    DEFAULT_CSS = """
    ExportScreen { align: center middle; }
    ExportScreen > Vertical {
        width: 72; max-width: 100%; height: auto; border: round $accent;
        background: $surface; padding: 0 1;
    }
    ExportScreen #export-title { text-style: bold; color: $accent; }
    ExportScreen RadioSet { width: 100%; layout: horizontal; }
    ExportScreen #export-error { color: $error; height: auto; }
    ExportScreen .hint { color: $text-muted; }
    """
    BINDINGS = [bind("back", "cancel", "Cancel", show=False)]

    def __init__(self, loaded: Loaded, settings: Settings) -> None:
        super().__init__()
        self.loaded = loaded
        self.settings = settings
        self.fmt = "markdown"
        self.writing = False

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Export this conversation", id="export-title")
            recording = no_recording_reason(self.loaded.conversation) is None
            with RadioSet(id="export-format"):
                for index, fmt in enumerate(EXTENSIONS):
                    if fmt != "recording" or recording:
                        yield RadioButton(fmt, value=index == 0, name=fmt)
            yield Input(
                value=str(default_path(self.loaded.conversation_id, self.fmt)),
                id="export-path",
            )
            yield Static("", id="export-error")
            yield Static(
                Content("Enter writes the file (private to you, 0600) · Esc cancels"),
                classes="hint",
            )

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()

    @on(RadioSet.Changed, "#export-format")
    def _format_changed(self, event: RadioSet.Changed) -> None:
        fmt = event.pressed.name or "markdown"
        box = self.query_one("#export-path", Input)
        current = Path(box.value)
        if current.suffix.lstrip(".") == EXTENSIONS[self.fmt]:
            box.value = str(current.with_suffix("." + EXTENSIONS[fmt]))
        self.fmt = fmt
        box.focus()

    @on(Input.Submitted, "#export-path")
    def _submitted(self, event: Input.Submitted) -> None:
        raw = event.value.strip()
        if not raw:
            self.query_one("#export-error", Static).update("Give a file name.")
            return
        if not self.writing:
            self.writing = True
            self.run_worker(self._write(Path(raw).expanduser(), self.fmt), exit_on_error=False)

    async def _write(self, path: Path, fmt: str) -> None:
        workspace: Workspace = self.app.workspace  # type: ignore[attr-defined]
        try:
            if await asyncio.to_thread(path.is_dir):
                path = default_path(self.loaded.conversation_id, fmt, path)
            if fmt == "recording":
                written = await workspace.export_recording(self.loaded, path)
            else:
                written = await workspace.export(self.loaded, fmt, path)
        except PolytuiError as exc:
            self.query_one("#export-error", Static).update(Content(clean_line(str(exc))))
            return
        finally:
            self.writing = False
        self.app.notify(
            f"Exported {fmt} to {clean_line(str(written))}",
            title="Export",
            timeout=8,
            markup=False,
        )
        self.dismiss(written)

    def action_cancel(self) -> None:
        self.dismiss(None)
