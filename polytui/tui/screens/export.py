"""`e`: export the call to a file (markdown, json, csv, html or text, or its recording as a WAV)
and say where. The file name's extension picks the format (`x.json` is json whatever was
ticked; the ticks follow what is typed), a file already there is replaced only after a yes,
and the dialog opens on the last format and folder used. The notes are read, the file rendered
and written (the recording fetched when it is not kept) through the workspace, off the event
loop; any failure (the store's included) is a sentence in the dialog, which stays open."""

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


#: File name extensions that pick a format (besides each format's own in EXTENSIONS).
ALSO = {"markdown": "markdown", "htm": "html", "text": "text"}


def format_for(path: str | Path) -> str | None:
    """The format a file name asks for by its extension (``call.json``: json), or None."""
    suffix = Path(path).suffix.lower().lstrip(".")
    for fmt, extension in EXTENSIONS.items():
        if suffix == extension:
            return fmt
    return ALSO.get(suffix)


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
    ExportScreen RadioSet { width: 100%; layout: grid; grid-size: 3; height: auto; }
    ExportScreen RadioSet > RadioButton { width: 1fr; }
    ExportScreen #export-error { color: $error; height: auto; }
    ExportScreen .hint { color: $text-muted; }
    """
    BINDINGS = [bind("back", "cancel", "Cancel", show=False)]

    def __init__(self, loaded: Loaded, settings: Settings) -> None:
        super().__init__()
        self.loaded = loaded
        self.settings = settings
        self.recording = no_recording_reason(loaded.conversation) is None
        self.fmt = "markdown"
        self.folder: Path | None = None  # where the dialog proposes to write
        self.writing = False

    def _remembered(self, fmt: str, folder: str | None) -> None:
        if fmt in EXTENSIONS and (fmt != "recording" or self.recording):
            self.fmt = fmt
        self.folder = Path(folder) if folder else None

    def compose(self) -> ComposeResult:
        state = getattr(self.app, "ui_state", None)
        if state is not None:  # the format and folder of the last export
            self._remembered(state.export_format, state.export_dir)
        with Vertical():
            yield Label("Export this conversation", id="export-title")
            with RadioSet(id="export-format"):
                for fmt in EXTENSIONS:
                    if fmt != "recording" or self.recording:
                        yield RadioButton(fmt, value=fmt == self.fmt, name=fmt)
            yield Input(
                value=str(default_path(self.loaded.conversation_id, self.fmt, self.folder)),
                id="export-path",
            )
            yield Static("", id="export-error")
            yield Static(
                Content(
                    "The extension picks the format · Enter writes the file (private to you, "
                    "0600) · Esc cancels"
                ),
                classes="hint",
            )

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()

    @property
    def _error(self) -> Static:
        return self.query_one("#export-error", Static)

    @on(RadioSet.Changed, "#export-format")
    def _format_changed(self, event: RadioSet.Changed) -> None:
        fmt = event.pressed.name or "markdown"
        box = self.query_one("#export-path", Input)
        if format_for(box.value) != fmt:  # ticked by hand: the file name follows
            current = Path(box.value)
            if not current.suffix or format_for(current) is not None:
                box.value = str(current.with_suffix("." + EXTENSIONS[fmt]))
        self.fmt = fmt
        box.focus()

    @on(Input.Changed, "#export-path")
    def _path_changed(self, event: Input.Changed) -> None:
        """A typed extension ticks its format (the file is written in it)."""
        fmt = format_for(event.value)
        if fmt is None or fmt == self.fmt:
            return
        if fmt == "recording" and not self.recording:
            self._error.update(Content("This call has no recording to export as a WAV."))
            return
        self._error.update(Content(""))
        self.fmt = fmt
        for button in self.query(RadioButton):
            if button.name == fmt:
                button.value = True

    @on(Input.Submitted, "#export-path")
    def _submitted(self, event: Input.Submitted) -> None:
        raw = event.value.strip()
        if not raw:
            self._error.update("Give a file name.")
            return
        fmt = format_for(raw) or self.fmt
        if fmt == "recording" and not self.recording:
            self._error.update(Content("This call has no recording to export as a WAV."))
            return
        if not self.writing:
            self.writing = True
            self.run_worker(self._check(Path(raw).expanduser(), fmt), exit_on_error=False)

    async def _check(self, path: Path, fmt: str) -> None:
        """Write, after a yes when a file is there already."""
        if await asyncio.to_thread(path.is_dir):
            path = default_path(self.loaded.conversation_id, fmt, path)
        if not await asyncio.to_thread(path.is_file):
            await self._write(path, fmt)
            return
        from .confirm import ConfirmScreen

        def answered(replace: bool | None) -> None:
            if replace:
                self.run_worker(self._write(path, fmt), exit_on_error=False)
            else:
                self.writing = False
                self._error.update(Content("Not replaced: give another name, or Enter again."))

        question = ConfirmScreen(
            Content("Replace this file?"),
            Content.assemble(
                (clean_line(str(path)), "bold"), " is there already. Replacing it loses it."
            ),
            confirm="Replace",
        )
        self.app.push_screen(question, answered)

    async def _write(self, path: Path, fmt: str) -> None:
        workspace: Workspace = self.app.workspace  # type: ignore[attr-defined]
        try:
            if fmt == "recording":
                written = await workspace.export_recording(self.loaded, path)
            else:
                written = await workspace.export(self.loaded, fmt, path)
        except PolytuiError as exc:
            self._error.update(Content(clean_line(str(exc))))
            return
        finally:
            self.writing = False
        remember = getattr(self.app, "remember", None)
        if remember is not None:
            remember(export_format=fmt, export_dir=str(written.parent))
        self.app.notify(
            f"Exported {fmt} to {clean_line(str(written))}",
            title="Export",
            timeout=8,
            markup=False,
        )
        self.dismiss(written)

    def action_cancel(self) -> None:
        self.dismiss(None)
