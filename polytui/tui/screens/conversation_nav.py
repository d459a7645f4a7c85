"""The moving keys of the conversation screen: the cursor (j/k, g/G, pages), the in-call search
(`/`, `n`/`N`, Escape) and the flagged-turn stops (`]`/`[`). Kept apart from the screen's layout
and loading (``conversation.py``), which subclasses this."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.await_complete import AwaitComplete
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Input

from polytui.tui.widgets.search_bar import SearchBar
from polytui.tui.widgets.transcript import TranscriptView


class TranscriptNavigation(Screen[None]):
    """Navigation actions over the screen's ``#transcript``; the subclass says when a call is
    loaded (``_ready``) and mounts the search bar (``_mount_deferred``)."""

    if TYPE_CHECKING:  # provided by the screen

        def _ready(self) -> bool: ...

        def _mount_deferred(self) -> AwaitComplete: ...

        def _focus_transcript(self) -> None: ...

    @property
    def transcript(self) -> TranscriptView:
        return self.query_one("#transcript", TranscriptView)

    def action_cursor(self, delta: int) -> None:
        if self._ready():
            self.transcript.move_cursor(delta)

    def action_first(self) -> None:
        if self._ready():
            self.transcript.cursor_first()

    def action_last(self) -> None:
        if self._ready():
            self.transcript.cursor_last()

    def action_page(self, direction: int) -> None:
        if self._ready():
            self.transcript.page(direction)

    async def action_search(self) -> None:
        if not self._ready():
            return
        await self._mount_deferred()
        bar = self.query_one(SearchBar)
        bar.add_class("-open")
        # At once, not after the next refresh (as Widget.focus does): keys already on their
        # way are handed to whatever has the focus when each arrives.
        self.set_focus(self.query_one("#search-input", Input))

    def _run_search(self, query: str) -> None:
        """Enter in the search line (called by it at once, see SearchInput)."""
        # Focus first: the transcript's focused look is then in place when the matches are
        # drawn, so its turns are drawn once, not again after the focus moves.
        self._focus_transcript()
        count = self.transcript.search(query)
        self._show_count(query, count)

    def _show_count(self, query: str, count: int) -> None:
        bar = self.query_one(SearchBar)
        if not query:
            bar.show_count(Content(""))
            bar.remove_class("-open")
            return
        if count == 0:
            bar.show_count(Content.styled("no match", "$error"))
            return
        bar.show_count(Content(f"{self.transcript.match_index}/{count}"))

    def action_match(self, direction: int) -> None:
        if not self._ready():
            return
        if not self.transcript.search_query:
            self.notify("No search yet: press / to search this call.", timeout=3)
            return
        self.transcript.next_match(direction)
        self._show_count(self.transcript.search_query, self.transcript.match_count)

    def action_flag(self, direction: int) -> None:
        if self._ready() and not self.transcript.next_flagged(direction):
            self.notify("No more flagged turns that way.", timeout=3)

    def action_back(self) -> None:
        bar = self.query_one(SearchBar)
        if bar.has_class("-open") and self.focused is self.query_one("#search-input", Input):
            self._focus_transcript()
            if not self.transcript.search_query:
                bar.remove_class("-open")
            return
        if self.transcript.search_query:
            self.transcript.search("")
            self.query_one("#search-input", Input).value = ""
            self._show_count("", 0)
            return
        if self.focused is not self.transcript and self._ready():
            self._focus_transcript()
            return
        self.app.pop_screen()
