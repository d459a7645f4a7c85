"""Search across every stored call: ranked hits with the call, the turn and the matching words;
Enter opens the call with the cursor on that turn.

The query (polytui's syntax, ``polytui.core.search``) runs in a thread, a moment after the typing
stops or at once on Enter. Snippets are API text: each piece is cleaned and built into Content,
never markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from polytui.core.errors import PolytuiError, UsageError
from polytui.core.ports import SearchHit
from polytui.core.text import clean_line
from polytui.tui.widgets.call_columns import short_time

if TYPE_CHECKING:
    from polytui.tui.app import PolyTUI

LIMIT = 100  # hits shown: the best ones (highest score)
DEBOUNCE = 0.25  # seconds of quiet typing before the search runs
FIELD_NAMES = {
    "caller": "caller",
    "agent": "agent",
    "translation": "translation",
    "summary": "summary",
    "note": "note",
}
SYNTAX = 'words, "a phrase", prefix*, AND / OR / NOT, caller: agent: summary: note: a field'


def highlighted_snippet(snippet: str, spans: Sequence[tuple[int, int]] = ()) -> Content:
    """The snippet with its matched spans highlighted; every piece cleaned first. Spans out of
    order, overlapping or out of range are left out."""
    parts: list[Content] = []
    done = 0
    for start, end in spans:
        if not done <= start < end <= len(snippet):
            continue
        parts.append(Content(clean_line(snippet[done:start])))
        parts.append(
            Content.styled(clean_line(snippet[start:end]), "bold $text-warning on $warning-muted")
        )
        done = end
    parts.append(Content(clean_line(snippet[done:])))
    return Content.assemble(*parts)


def hit_prompt(hit: SearchHit) -> Content:
    """Two lines: the call, where in it and when; then the snippet."""
    where = f"turn {hit.turn}" if hit.turn else "whole call"
    field = FIELD_NAMES.get(hit.field, clean_line(hit.field))
    started = short_time(hit.started_at)
    first = Content.assemble(
        (clean_line(hit.conversation_id), "bold"),
        "  ",
        (where, "bold $accent"),
        (f" · {field}", "$text-muted"),
        (f" · {started} UTC" if started else "", "$text-muted"),
        (f" · {clean_line(hit.agent)}", "$text-muted"),
    )
    return Content("\n").join(
        [first, Content("  ") + highlighted_snippet(hit.snippet, hit.highlights)]
    )


class SearchDone(Message):
    def __init__(
        self,
        query: str,
        hits: list[SearchHit],
        *,
        problem: str | None = None,
        error: str | None = None,
    ) -> None:
        super().__init__()
        self.query = query
        self.hits = hits
        self.problem = problem  # the query was not search syntax: its words were taken as typed
        self.error = error  # nothing could be searched


class HitList(OptionList):
    BINDINGS = [
        Binding("j", "cursor_down", "Next hit", show=False, id="next_hit"),
        Binding("k", "cursor_up", "Previous hit", show=False, id="previous_hit"),
    ]


class CallSearchScreen(Screen[None]):
    """Reached with ctrl+f (or /) from the start screen; Escape goes back to it."""

    HELP_TITLE = "Search all stored calls"
    AUTO_FOCUS = "#call-search"  # typing right after ctrl+f lands in the query
    DEFAULT_CSS = """
    CallSearchScreen #search-page { padding: 1 2; height: 1fr; }
    CallSearchScreen #search-title { text-style: bold; color: $accent; }
    CallSearchScreen #search-syntax { color: $text-muted; margin-bottom: 1; }
    CallSearchScreen #call-search { max-width: 100; }
    CallSearchScreen #search-status { height: auto; margin: 1 0 0 0; }
    CallSearchScreen #search-hits { height: 1fr; }
    """
    BINDINGS = [
        Binding("escape", "back", "Back", tooltip="Back to the stored calls", id="search_back"),
        Binding("ctrl+f", "focus_query", "Edit query", show=False, id="search_query"),
    ]

    def __init__(self, query: str = "") -> None:
        super().__init__()
        self._initial = query
        self._timer: Timer | None = None
        self._shown: str | None = None  # the query whose hits are listed
        self._focus_hits = False  # move to the hits when they arrive (after Enter)
        self.hits: list[SearchHit] = []

    @property
    def polytui(self) -> PolyTUI:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        with Vertical(id="search-page"):
            yield Static(Content("Search all stored calls"), id="search-title")
            yield Static(Content(SYNTAX), id="search-syntax")
            yield Input(
                self._initial, placeholder="Search turns, summaries and notes", id="call-search"
            )
            yield Static(Content("Type to search; Enter goes to the hits."), id="search-status")
            yield HitList(id="search-hits")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#call-search", Input))
        if self._initial.strip():
            self.run_search(self._initial)

    def on_screen_resume(self) -> None:
        """Back from a call: notes may have changed, so the hits are read again."""
        if self._shown:
            self.run_search(self._shown)

    # -- running the query --------------------------------------------------------------------

    @on(Input.Changed, "#call-search")
    def _typed(self, event: Input.Changed) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE, lambda: self.run_search(event.value))

    @on(Input.Submitted, "#call-search")
    def _submitted(self, event: Input.Submitted) -> None:
        if self._timer is not None:
            self._timer.stop()
        if event.value.strip() == (self._shown or "").strip() and self.hits:
            self.set_focus(self.query_one(HitList))
            return
        self._focus_hits = True
        self.run_search(event.value)

    def run_search(self, query: str) -> None:
        if not query.strip():
            self._shown = None
            self._show(SearchDone(query, []))
            return
        self._search(query)

    @work(thread=True, exclusive=True, group="call-search", exit_on_error=False)
    def _search(self, query: str) -> None:
        try:
            store = self.polytui.loader.store
            problem = store.query_problem(query)
            hits = store.search(query, limit=LIMIT)
        except UsageError as exc:
            self.post_message(SearchDone(query, [], error=str(exc)))
            return
        except PolytuiError as exc:
            self.post_message(SearchDone(query, [], error=str(exc)))
            return
        self.post_message(SearchDone(query, hits, problem=problem))

    @on(SearchDone)
    def _done(self, message: SearchDone) -> None:
        if message.query != self.query_one("#call-search", Input).value:
            return  # typing went on: a newer search is on its way
        self._shown = message.query if message.query.strip() else None
        self._show(message)

    def _show(self, message: SearchDone) -> None:
        hit_list = self.query_one(HitList)
        keep = hit_list.highlighted if message.query == self._shown else None
        self.hits = message.hits
        hit_list.set_options(
            Option(hit_prompt(hit), id=str(index)) for index, hit in enumerate(message.hits)
        )
        if self.hits:
            hit_list.highlighted = min(keep or 0, len(self.hits) - 1)
        self.query_one("#search-status", Static).update(self._status(message))
        if self._focus_hits and self.hits:
            self.set_focus(hit_list)
        self._focus_hits = False

    def _status(self, message: SearchDone) -> Content:
        query = clean_line(message.query).strip()
        if message.error:
            return Content.styled(clean_line(message.error), "$error")
        if not query:
            return Content("Type to search; Enter goes to the hits.")
        lines = []
        if message.problem:
            lines.append(
                Content.styled(
                    f"{clean_line(message.problem)} Matching the words as typed.", "$warning"
                )
            )
        count = len(message.hits)
        if count == 0:
            lines.append(Content(f"No stored call matches “{query}”."))
        else:
            if count >= LIMIT:
                found = f"The {LIMIT} best hits for “{query}” (refine it for others)."
            else:
                found = f"{count} {'hit' if count == 1 else 'hits'} for “{query}”, best first."
            lines.append(
                Content.assemble(found, ("  Enter opens the call at that turn.", "$text-muted"))
            )
        return Content("\n").join(lines)

    # -- opening and leaving ------------------------------------------------------------------

    @on(OptionList.OptionSelected, "#search-hits")
    def _open(self, event: OptionList.OptionSelected) -> None:
        hit = self.hits[int(event.option.id or 0)]
        self.polytui.open_conversation(hit.conversation_id, agent=hit.agent, turn=hit.turn)

    def action_focus_query(self) -> None:
        self.set_focus(self.query_one("#call-search", Input))

    def action_back(self) -> None:
        self.dismiss(None)
