"""The moving keys of the conversation screen: the in-call search (`/`, `n`/`N`, Escape), going
to a turn (`:`), the flagged-turn stops (`]`/`[`) and Escape. (The cursor's own keys, j/k, g/G,
pages and counts, are the transcript's.) Kept apart from the screen's layout and loading
(``conversation.py``), which subclasses this."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.await_complete import AwaitComplete
from textual.content import Content
from textual.screen import Screen

from polytui.tui.widgets.search_bar import SearchBar
from polytui.tui.widgets.transcript import TranscriptView


class TranscriptNavigation(Screen[None]):
    """Navigation actions over the screen's ``#transcript``; the subclass says when a call is
    loaded (``_ready``) and mounts the search bar (``_mount_deferred``)."""

    last_search = ""  # the last search made: n / N find it even after Escape hid it

    if TYPE_CHECKING:  # provided by the screen

        def _ready(self) -> bool: ...

        def _mount_deferred(self) -> AwaitComplete: ...

        def _focus_transcript(self) -> None: ...

    @property
    def transcript(self) -> TranscriptView:
        return self.query_one("#transcript", TranscriptView)

    async def action_search(self) -> None:
        await self._open_bar("search")

    async def action_go_to(self) -> None:
        await self._open_bar("go_to")

    async def _open_bar(self, mode: str) -> None:
        if not self._ready():
            return
        await self._mount_deferred()
        bar = self.query_one(SearchBar)
        bar.set_mode(mode)
        bar.input.value = ""
        bar.add_class("-open")
        if mode == "go_to":
            bar.show_count(Content.styled(f"of {self.transcript.turn_count}", "$text-muted"))
        # At once, not after the next refresh (as Widget.focus does): keys already on their
        # way are handed to whatever has the focus when each arrives.
        self.set_focus(bar.input)

    def _run_search(self, value: str) -> None:
        """Enter in the bottom line (called by it at once, see SearchInput): search, or go to
        the turn typed."""
        bar = self.query_one(SearchBar)
        if bar.mode == "go_to":
            self._focus_transcript()
            if value.isdigit():
                self.transcript.go_to_turn(int(value))
            self._close_prompt()
            return
        # Enter on an empty line repeats the last search, as in less and vim.
        query = value or self.last_search
        if value == "" and query:
            bar.input.value = query
        # Focus first: the transcript's focused look is then in place when the matches are
        # drawn, so its turns are drawn once, not again after the focus moves.
        self._focus_transcript()
        before = self.transcript.cursor
        self.last_search = query
        count = self.transcript.search(query)
        self._show_count(query, count)
        if count and self.transcript.cursor < before:
            self._say_wrapped(1)

    def _close_prompt(self) -> None:
        """The turn prompt is done: the bar shows the search again, or closes."""
        bar = self.query_one(SearchBar)
        bar.set_mode("search")
        query = self.transcript.search_query
        bar.input.value = query
        if query:
            self._show_count(query, self.transcript.match_count)
        else:
            bar.show_count(Content(""))
            bar.remove_class("-open")

    def _show_count(self, query: str, count: int) -> None:
        bar = self.query_one(SearchBar)
        if not query:
            bar.show_count(Content(""))
            bar.remove_class("-open")
            return
        bar.add_class("-open")
        if count == 0:
            bar.show_count(Content.styled("no match", "$error"))
            return
        bar.show_count(Content(f"{self.transcript.match_index}/{count}"))

    def _say_wrapped(self, direction: int) -> None:
        where = "end" if direction > 0 else "start"
        again = "first" if direction > 0 else "last"
        self.notify(f"Search passed the {where} of the call: on from the {again} match.", timeout=2)

    async def action_match(self, direction: int) -> None:
        if not self._ready():
            return
        query = self.transcript.search_query or self.last_search
        if not query:
            self.notify("No search yet: press / to search this call.", timeout=3)
            return
        if not self.transcript.search_query:  # hidden by Escape: n / N bring it back
            await self._mount_deferred()
            self.transcript.search_query = query
            bar = self.query_one(SearchBar)
            bar.set_mode("search")
            bar.input.value = query
        before = self.transcript.cursor
        count = self.transcript.take_count() or 1
        for _ in range(min(count, max(1, self.transcript.match_count))):
            self.transcript.next_match(direction)
        self._show_count(query, self.transcript.match_count)
        after = self.transcript.cursor
        if self.transcript.match_count and (after - before) * direction < 0:
            self._say_wrapped(direction)

    def action_flag(self, direction: int) -> None:
        if not self._ready():
            return
        for _ in range(self.transcript.take_count() or 1):
            if not self.transcript.next_flagged(direction):
                self.notify("No more flagged turns that way.", timeout=3)
                return

    def action_back(self) -> None:
        """Escape backs out one layer: a count being typed; the line being typed (a search
        already made stays); the search's highlights (n / N still find it); the panels'
        focus; then the call."""
        if self.transcript.clear_count():
            return
        bar = self.query_one(SearchBar)
        if bar.has_class("-open") and self.focused is bar.input:
            self._focus_transcript()
            self._close_prompt()
            return
        if self.transcript.search_query:
            self.last_search = self.transcript.search_query
            self.transcript.search_query = ""
            bar.input.value = ""
            self._show_count("", 0)
            return
        if self.focused is not self.transcript and self._ready():
            self._focus_transcript()
            return
        self.app.pop_screen()
