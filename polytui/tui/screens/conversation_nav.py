"""The moving keys of the conversation screen: the in-call search (`/`, `n`/`N`, Escape), going
to a turn (`:`), the flagged-turn stops (`]`/`[`) and Escape. (The cursor's own keys, j/k, g/G,
pages and counts, are the transcript's.) Kept apart from the screen's layout and loading
(``conversation.py``), which subclasses this.

The first search of a long call builds every turn's search text (a 50,000-turn chat: its
blocks parsed again, half a second or more): that is done on the store's thread, a step at a
time, while the bar says "searching…" and every key still works; the cursor then lands on the
first match from where it is, and `n` / `N` pressed meanwhile follow. Escape, another search,
another call or leaving the call stops it."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.await_complete import AwaitComplete
from textual.content import Content
from textual.screen import Screen
from textual.worker import get_current_worker

from polytui.core.errors import PolytuiError, unexpected_error
from polytui.core.text import clean_line
from polytui.tui.widgets.search_bar import SearchBar
from polytui.tui.widgets.transcript import TranscriptView

if TYPE_CHECKING:
    from textual.worker import Worker

    from polytui.core.models import Conversation
    from polytui.tui.app import PolyTUI
    from polytui.tui.widgets.transcript_model import TranscriptModel

SEARCH_AT_ONCE = 2000  # turns: a call this long is made searchable on the event loop at once
SEARCH_STEP = 2048  # turns whose search text is built at a time on the store's thread
SEARCHING = "searching…"


class TranscriptNavigation(Screen[None]):
    """Navigation actions over the screen's ``#transcript``; the subclass says when a call is
    loaded (``_ready``) and mounts the search bar (``_mount_deferred``)."""

    last_search = ""  # the last search made: n / N find it even after Escape hid it
    _searching: Worker[None] | None = None  # a long call being made searchable
    _queued: tuple[int, ...] = ()  # n / N pressed meanwhile (+1 / -1), done after it lands

    if TYPE_CHECKING:  # provided by the screen

        @property
        def polytui(self) -> PolyTUI: ...

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
        self.last_search = query
        if query:
            self._when_searchable(lambda: self._land(query))
        else:
            self.stop_search()
            self._land(query)

    def _land(self, query: str) -> None:
        """Search ``query`` from the cursor: the first match at or after it, else the first."""
        before = self.transcript.cursor
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
        if self._searching is not None:
            bar.show_count(Content.styled(SEARCHING, "$text-muted"))
        elif query:
            self._when_searchable(lambda: self._show_count(query, self.transcript.match_count))
        else:
            bar.show_count(Content(""))
            bar.remove_class("-open")

    # -- a long call's search text, built off the event loop -----------------------------------

    def _when_searchable(self, then: Callable[[], None]) -> None:
        """``then()`` once the call on screen can be searched at once: now for a short call
        or one searched before; else after its search text is built on the store's thread
        (the bar says so meanwhile). A search already under way is replaced."""
        self.stop_search()
        model = self.transcript.model
        if model.searchable or len(model) <= SEARCH_AT_ONCE:
            then()
            return
        bar = self.query_one(SearchBar)
        bar.add_class("-open")
        bar.show_count(Content.styled(SEARCHING, "$text-muted"))
        self._searching = self.run_worker(
            self._build_search(then), group="search", exclusive=True, exit_on_error=False
        )

    async def _build_search(self, then: Callable[[], None]) -> None:
        view = self.transcript
        conversation = view.conversation
        me = get_current_worker()
        try:
            built = await self._build_search_text(conversation)
        except Exception as exc:  # the store closed, or a bug: one sentence, the bar closes
            if not isinstance(exc, PolytuiError):
                exc = unexpected_error(exc, self.polytui.settings.secrets)
            self.notify(
                clean_line(str(exc)), title="Search", severity="error", timeout=10, markup=False
            )
            built = False
        finally:  # cancelled (stop_search tidied up): only this runs
            mine = self._searching is me
            if mine:
                self._searching = None
        if not mine:
            return  # another search took its place
        if not built or view.conversation is not conversation or not self._ready():
            self._close_search()
            return
        then()
        queued, self._queued = self._queued, ()
        for direction in queued:
            self._match_steps(view.search_query, direction, 1)

    async def _build_search_text(self, conversation: Conversation | None) -> bool:
        """Build the search text of the call on screen on the store's thread, a step at a
        time; False when another call took its place meanwhile."""
        workspace = self.polytui.workspace
        view = self.transcript
        previous: TranscriptModel | None = None
        # The model is replaced while a long call's turns are read on: the newest is built,
        # from what was built of the one before.
        while not view.model.searchable:
            model = view.model
            if model.conversation is not conversation:
                return False
            after, previous = previous, model
            await workspace.run(functools.partial(model.build_search, SEARCH_STEP, after=after))
        return True

    def stop_search(self) -> bool:
        """Stop making the call searchable (Escape, another search, another call, leaving);
        True when a search was under way. The step running on the store's thread ends; no
        other is asked for."""
        worker, self._searching = self._searching, None
        self._queued = ()
        if worker is None or worker.is_finished:
            return False
        worker.cancel()
        return True

    def drop_search(self) -> bool:
        """Stop a search under way and close the bar it showed in (Escape; another call shown
        or loading in its place); True when there was one."""
        if not self.stop_search():
            return False
        self._close_search()
        return True

    def _close_search(self) -> None:
        self._queued = ()
        self.transcript.search_query = ""
        self.query_one(SearchBar).input.value = ""
        self._show_count("", 0)

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
        count = self.transcript.take_count() or 1
        if self._searching is not None:  # after the search being made lands
            self._queued += (direction,) * count
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
        self._when_searchable(lambda: self._match_steps(query, direction, count))

    def _match_steps(self, query: str, direction: int, count: int) -> None:
        """``count`` matches on (``direction`` +1) or back (-1), wrapping, said when it does."""
        if not query:
            return
        before = self.transcript.cursor
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
        if self.drop_search():  # the search under way stops; n / N can make it again
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
