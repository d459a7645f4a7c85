"""The conversation screen's keys that show or hand on what is on screen: translations and
speech recognition's alternatives, the header and the panels, copying, and opening the call's
recording or its Studio page. Kept apart from the layout and loading (``conversation.py``),
which subclasses this."""

from __future__ import annotations

from typing import TYPE_CHECKING

from polytui.core.errors import PolytuiError
from polytui.core.text import clean_line
from polytui.opener import open_url
from polytui.tui.widgets.call_header import CallHeader

from .conversation_nav import TranscriptNavigation

if TYPE_CHECKING:
    from polytui.loader import Loaded
    from polytui.tui.app import PolyTUI

    from .listening import Listening
    from .note_actions import NoteActions

COPIED = 4  # seconds a "Copied ..." notice stays: long enough to read what went


class CallViewActions(TranscriptNavigation):
    """Actions over the loaded call; the subclass provides the call and the panels."""

    if TYPE_CHECKING:  # provided by the screen
        conversation_id: str
        loaded: Loaded | None
        listening: Listening
        note_actions: NoteActions
        header_full: bool | None
        panels_open: bool | None

        @property
        def polytui(self) -> PolyTUI: ...

    def action_add_note(self) -> None:
        if self._ready():
            self.note_actions.add()

    def action_add_call_note(self) -> None:
        if self._ready():
            self.note_actions.add(whole_call=True)

    def action_label_turn(self) -> None:
        if self._ready():
            self.note_actions.label()

    def action_edit_note(self) -> None:
        if self._ready():
            self.note_actions.edit()

    def action_delete_note(self) -> None:
        if self._ready():
            self.note_actions.delete()

    def action_translations(self) -> None:
        self._toggle("show_translations", "Translations", "has_translations", "translations")

    def action_heard(self) -> None:
        self._toggle(
            "show_heard",
            "Speech recognition's alternatives",
            "has_alternatives",
            "alternatives from speech recognition",
        )

    def _toggle(self, name: str, what: str, has: str, none: str) -> None:
        """Switch a view preference; on a call without what it shows, say so (the preference
        still switches: the next calls of a queue follow it)."""
        if self._ready():
            shown = not getattr(self.transcript, name)
            setattr(self.transcript, name, shown)
            if not getattr(self.transcript, has)():
                state = "on" if shown else "off"
                short = none.split()[0]
                self.notify(f"This call has no {none} ({short} now {state}).", timeout=3)
                return
            self.notify(f"{what} {'shown' if shown else 'hidden'}.", timeout=2)

    def action_header(self) -> None:
        """The header in full or on one line (the choice then holds at any height)."""
        self.header_full = self.query_one("#header", CallHeader).compact

    async def action_panels(self) -> None:
        await self._mount_deferred()
        self.panels_open = not self.has_class("-panels")

    def action_copy_turn(self) -> None:
        if not self._ready():
            return
        view = self.transcript
        text = view.turn_plain_text(view.cursor)
        if text:
            self.app.copy_to_clipboard(text)
            self.notify(f"Copied turn {view.cursor + 1}.", timeout=COPIED)

    def action_copy_id(self) -> None:
        self.app.copy_to_clipboard(self.conversation_id)
        self.notify(f"Copied {clean_line(self.conversation_id)}.", timeout=COPIED, markup=False)

    def action_open_link(self) -> None:
        """The recording with the system's player when the call may have one (fetched first),
        else (or when it has none) the Studio link in the browser."""
        if self._ready():
            self.listening.open_recording(fallback=self._open_studio)

    def action_open_studio(self) -> None:
        if self._ready():
            self._open_studio()

    def _open_studio(self) -> None:
        assert self.loaded is not None
        conversation = self.loaded.conversation
        url = self.polytui.settings.studio_url(
            conversation.conversation_id,
            account=conversation.account_id,
            project=conversation.project_id,
        )
        if not url:
            self.notify("This call has no Studio link.", severity="warning", timeout=4)
            return
        self._open(url)

    def _open(self, url: str) -> None:
        try:
            open_url(url)
        except PolytuiError as exc:
            self.app.copy_to_clipboard(url)
            self.notify(
                f"{clean_line(str(exc))} The link was copied instead.",
                severity="warning",
                timeout=6,
                markup=False,
            )
            return
        self.notify(f"Opening {clean_line(url)[:80]}", timeout=3, markup=False)
