"""Search across every stored call: the calls ranked best first, each with how often the words
were found and its best hits; right (or l) lists every hit of a call, Enter opens the call at
the selected hit's turn (a call's own line: at its best hit).

The query (polytui's syntax, ``polytui.core.search``) runs through the workspace, off the event
loop, a moment after the typing stops or at once on Enter. A newer query or Escape stops the
search that is running (its ``cancelled`` flag), so the store is free again at once. Snippets
are API text: each piece is cleaned and built into Content, never markup.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from polytui.core.errors import PolytuiError, SearchCancelled
from polytui.core.ports import CallHits, SearchHit
from polytui.core.text import clean_line
from polytui.tui.keys import bind
from polytui.tui.widgets.call_columns import short_time
from polytui.tui.widgets.key_footer import KeyFooter
from polytui.tui.widgets.option_keys import KeyedOptionList

if TYPE_CHECKING:
    from polytui.tui.app import PolyTUI

LIMIT = 50  # calls shown: the best ones
PER_CALL = 3  # hits shown under each call
EXPANDED = 200  # hits listed when a call is opened up
DEBOUNCE = 0.25  # seconds of quiet typing before the search runs
SHORT = 24  # rows under which the screen gets tighter (the calls found keep the room)
SYNTAX = (
    'words, "a phrase", AND / OR / NOT, (groups); a field before a word: caller: agent: '
    "translation: intent: entity: summary: note:"
)
MARK = "bold $text-warning on $warning-muted"


def highlighted_snippet(snippet: str, spans: Sequence[tuple[int, int]] = ()) -> Content:
    """The snippet with its matched spans highlighted; every piece cleaned first. Spans out of
    order, overlapping or out of range are left out."""
    parts: list[Content] = []
    done = 0
    for start, end in spans:
        if not done <= start < end <= len(snippet):
            continue
        parts.append(Content(clean_line(snippet[done:start])))
        parts.append(Content.styled(clean_line(snippet[start:end]), MARK))
        done = end
    parts.append(Content(clean_line(snippet[done:])))
    return Content.assemble(*parts)


def hanging(line: Content, indent: int, width: int | None) -> Content:
    """``line`` (``indent`` spaces, then its text) wrapped to ``width`` cells, the lines after
    the first two cells further in than it, so a long hit never reads as the next call. Left
    to the list to wrap when the width is unknown or too narrow for an indent."""
    more = indent + 2
    if width is None or width - more < 16:
        return line
    pieces = line[indent:].wrap(width - more)
    if not pieces:
        return line
    rows = [Content(" " * indent) + pieces[0], *(Content(" " * more) + p for p in pieces[1:])]
    return Content("\n").join(rows)


def hit_line(hit: SearchHit, indent: str = "    ", width: int | None = None) -> Content:
    """Where in the call (turn and field, or the whole call's field), then the snippet."""
    where = f"turn {hit.turn}" if hit.turn else "whole call"
    line = Content.assemble(
        indent,
        (where, "bold $accent"),
        (f" · {clean_line(hit.field)}  ", "$text-muted"),
    ) + highlighted_snippet(hit.snippet, hit.highlights)
    return hanging(line, len(indent), width)


def call_prompt(call: CallHits, expanded: bool, width: int | None = None) -> Content:
    """The call: ID, how often found, when, whose; its summary; its best hits (unless its
    every hit is listed below it). With ``width``, long lines wrap under their own start."""
    places = f"{call.count} {'hit' if call.count == 1 else 'hits'}"
    started = short_time(call.started_at)
    first = Content.assemble(
        ("▾ " if expanded else "▸ ", "$text-muted"),
        (clean_line(call.conversation_id), "bold"),
        "  ",
        (places, "bold $accent"),
        (f" · {started} UTC" if started else "", "$text-muted"),
        (f" · {clean_line(call.agent)}", "$text-muted"),
    )
    lines = [hanging(first, 0, width)]
    summary_hit = any(hit.field == "summary" and not hit.turn for hit in call.hits)
    if call.summary and not (summary_hit and not expanded):  # not twice
        summary = Content.styled("  " + clean_line(call.summary), "$text-muted")
        lines.append(hanging(summary, 2, width))
    if not expanded:
        lines.extend(hit_line(hit, width=width) for hit in call.hits)
        more = call.count - len(call.hits)
        if more > 0:
            lines.append(Content.styled(f"    … {more} more (→ lists them)", "$text-muted"))
    return Content("\n").join(lines)


@dataclass(frozen=True)
class Entry:
    """A line of the list: a call (``hit`` None) or one hit of an opened-up call."""

    call: int  # index into the screen's ``calls``
    hit: SearchHit | None = None


class HitList(KeyedOptionList):
    """The hits: j / k, g / G, pages and Enter as in every list; → / ← open and fold a call's
    hits."""

    BINDINGS = [
        bind("open", "select", "Open", tooltip="Open the call at the selected hit"),
        bind("expand", "screen.expand", "All hits", tooltip="List every hit of the selected call"),
        bind("collapse", "screen.collapse", "Fold", tooltip="Fold the call's hits back"),
    ]

    def text_width(self) -> int | None:
        """Cells an option's text has (room kept for the scrollbar, shown or not); None
        before the list has a size."""
        padding = self.get_component_styles("option-list--option").padding.width
        scrollbar = 0 if self.show_vertical_scrollbar else self.styles.scrollbar_size_vertical
        width = self.content_region.width - padding - scrollbar
        return width if width > 0 else None


class CallSearchScreen(Screen[None]):
    """Reached with ctrl+f (or /) from the start screen; Escape goes back to it."""

    HELP_TITLE = "Search all stored calls"
    HELP_NOTE = f"The query: {SYNTAX}."
    AUTO_FOCUS = "#call-search"  # typing right after ctrl+f lands in the query
    DEFAULT_CSS = """
    CallSearchScreen #search-page { padding: 1 2; height: 1fr; }
    CallSearchScreen #search-title { text-style: bold; color: $accent; }
    CallSearchScreen #search-syntax { color: $text-muted; margin-bottom: 1; }
    CallSearchScreen #call-search { max-width: 100; }
    CallSearchScreen #search-status { height: auto; margin: 1 0 0 0; }
    CallSearchScreen #search-hits { height: 1fr; }
    /* Short terminals: the syntax goes (help has it), the query box and the status take a
       row each, so the calls found keep most of the screen. */
    CallSearchScreen.-short #search-page { padding: 0 1; }
    CallSearchScreen.-short #search-syntax { display: none; }
    CallSearchScreen.-short #search-status {
        margin: 0; text-wrap: nowrap; text-overflow: ellipsis;
    }
    """
    BINDINGS = [
        bind("back", "back", "Back", tooltip="Back to the stored calls"),
        bind("find", "focus_query", "Edit query", tooltip="Back to the query box"),
        bind(
            "queues",
            "queues",
            "Queue",
            tooltip="Review queues: open one, or make one of the calls found",
        ),
    ]
    FOOTER_KEYS = ("help", "back", "open", "find", "queues", "quit")

    def footer_offers(self, key_id: str) -> bool:
        """The query box's own key shows only away from it."""
        return not (key_id == "find" and isinstance(self.focused, Input))

    def __init__(self, query: str = "") -> None:
        super().__init__()
        self._initial = query
        self._timer: Timer | None = None
        self._shown: str | None = None  # the query whose calls are listed
        self._focus_hits = False  # move to the hits when they arrive (after Enter)
        self._cancel: threading.Event | None = None  # stops the search running now
        self.calls: list[CallHits] = []
        self.expanded: dict[int, list[SearchHit]] = {}  # call index -> its every hit
        self.entries: list[Entry] = []
        self._wrapped_at: int | None = None  # the text width the lines were wrapped for

    @property
    def polytui(self) -> PolyTUI:
        return self.app  # type: ignore[return-value]

    @property
    def hits(self) -> list[SearchHit]:
        """Every hit shown, in the order shown (a call's best hits, or its every hit)."""
        found: list[SearchHit] = []
        for index, call in enumerate(self.calls):
            found.extend(self.expanded.get(index, call.hits))
        return found

    def compose(self) -> ComposeResult:
        with Vertical(id="search-page"):
            yield Static(Content("Search all stored calls"), id="search-title")
            yield Static(Content(SYNTAX), id="search-syntax")
            yield Input(
                self._initial,
                placeholder="Search turns, intents, summaries and notes",
                id="call-search",
            )
            yield Static(Content("Type to search; Enter goes to the calls."), id="search-status")
            yield HitList(id="search-hits")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#call-search", Input))

    def on_resize(self) -> None:
        short = self.size.height < SHORT
        self.set_class(short, "-short")
        self.query_one("#call-search", Input).compact = short
        self.call_after_refresh(self._rewrap)

    def _rewrap(self) -> None:
        """The lines wrapped again for the list's new width (the selection kept)."""
        hit_list = self.query_one(HitList)
        if self.entries and hit_list.text_width() != self._wrapped_at:
            self._rebuild(hit_list.highlighted)
        if self._initial.strip():
            self.run_search(self._initial)

    def on_screen_resume(self) -> None:
        """Back from a call: notes may have changed, so the calls are read again."""
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
        if event.value.strip() == (self._shown or "").strip() and self.calls:
            self.set_focus(self.query_one(HitList))
            return
        self._focus_hits = True
        self.run_search(event.value)

    def _stop_running(self) -> threading.Event:
        """Stop the search running (if any); the flag of the next one."""
        if self._cancel is not None:
            self._cancel.set()
        self._cancel = threading.Event()
        return self._cancel

    def run_search(self, query: str) -> None:
        cancel = self._stop_running()
        if not query.strip():
            self._shown = None
            self._show(query, [], None, None)
            return
        self._search(query, cancel)

    @work(group="call-search", exclusive=True, exit_on_error=False)
    async def _search(self, query: str, cancel: threading.Event) -> None:
        calls: list[CallHits] = []
        problem: str | None = None
        error: str | None = None
        try:
            calls, problem = await self.polytui.workspace.search(
                query, limit=LIMIT, per_call=PER_CALL, cancelled=cancel.is_set
            )
        except SearchCancelled:
            return
        except PolytuiError as exc:
            error = str(exc)
        if cancel.is_set() or query != self.query_one("#call-search", Input).value:
            return  # typing went on: a newer search is on its way
        self._show(query, calls, problem, error)

    def _show(
        self, query: str, calls: list[CallHits], problem: str | None, error: str | None
    ) -> None:
        hit_list = self.query_one(HitList)
        again = self._shown is not None and query == self._shown and bool(self.calls)
        keep = hit_list.highlighted if again else None
        opened = {self._key(i) for i in self.expanded} if again else set()
        self._shown = query if query.strip() else None
        self.calls, self.expanded = calls, {}
        self._rebuild(keep)
        for index, call in enumerate(calls):  # calls opened up stay so when read again
            if (call.agent, call.conversation_id) in opened:
                self._expand(index, query)
        self.query_one("#search-status", Static).update(self._status(query, calls, problem, error))
        if self._focus_hits and self.calls:
            self.set_focus(hit_list)
        self._focus_hits = False

    def _rebuild(self, highlighted: int | None) -> None:
        """List the calls (and the hits of those opened up), keeping the selection."""
        self.entries = []
        options: list[Option] = []
        hit_list = self.query_one(HitList)
        width = hit_list.text_width()
        self._wrapped_at = width
        for index, call in enumerate(self.calls):
            every = self.expanded.get(index)
            self.entries.append(Entry(index))
            options.append(Option(call_prompt(call, every is not None, width)))
            for hit in every or ():
                self.entries.append(Entry(index, hit))
                options.append(Option(hit_line(hit, indent="      ", width=width)))
        hit_list.set_options(options)
        if self.entries:
            hit_list.highlighted = min(highlighted or 0, len(self.entries) - 1)

    def _status(
        self, query: str, calls: list[CallHits], problem: str | None, error: str | None
    ) -> Content:
        query = clean_line(query).strip()
        if error:
            return Content.styled(clean_line(error), "$error")
        if not query:
            return Content("Type to search; Enter goes to the calls.")
        lines = []
        if problem:
            lines.append(
                Content.styled(f"{clean_line(problem)} Matching the words as typed.", "$warning")
            )
        if not calls:
            lines.append(Content(f"No stored call matches “{query}”."))
        else:
            count = len(calls)
            if count >= LIMIT:
                found = f"The {LIMIT} best calls for “{query}” (refine it for others)."
            else:
                found = f"{count} {'call' if count == 1 else 'calls'} for “{query}”, best first."
            keys = "  Enter opens the call at the hit; → lists every hit of a call."
            lines.append(Content.assemble(found, (keys, "$text-muted")))
        return Content("\n").join(lines)

    # -- opening up a call ------------------------------------------------------------------

    def _key(self, index: int) -> tuple[str, str]:
        return self.calls[index].agent, self.calls[index].conversation_id

    def _selected(self) -> Entry | None:
        index = self.query_one(HitList).highlighted
        if index is None or not 0 <= index < len(self.entries):
            return None
        return self.entries[index]

    def action_expand(self) -> None:
        entry = self._selected()
        if entry is None or entry.call in self.expanded or self._shown is None:
            return
        call = self.calls[entry.call]
        if call.count <= len(call.hits):  # every hit is shown already
            self.expanded[entry.call] = list(call.hits)
            self._rebuild(self.entries.index(Entry(entry.call)))
            return
        self._expand(entry.call, self._shown)

    @work(group="call-expand", exit_on_error=False)
    async def _expand(self, index: int, query: str) -> None:
        call = self.calls[index]
        cancel = self._cancel or threading.Event()
        try:
            hits = await self.polytui.workspace.search_call(
                query, call.agent, call.conversation_id, limit=EXPANDED, cancelled=cancel.is_set
            )
        except SearchCancelled:
            return
        except PolytuiError as exc:
            self.notify(clean_line(str(exc)), severity="error", markup=False)
            return
        if query != self._shown or index >= len(self.calls) or self.calls[index] is not call:
            return
        self.expanded[index] = hits or list(call.hits)
        self._rebuild(self.entries.index(Entry(index)))

    def action_collapse(self) -> None:
        entry = self._selected()
        if entry is None or entry.call not in self.expanded:
            return
        del self.expanded[entry.call]
        self._rebuild(self.entries.index(Entry(entry.call)))

    # -- opening and leaving ------------------------------------------------------------------

    @on(OptionList.OptionSelected, "#search-hits")
    def _open(self, event: OptionList.OptionSelected) -> None:
        if not 0 <= event.option_index < len(self.entries):
            return
        entry = self.entries[event.option_index]
        call = self.calls[entry.call]
        if entry.hit is not None:
            turn = entry.hit.turn
        else:  # the call's own line: at its best hit in a turn (else at the start)
            turn = next((hit.turn for hit in call.hits if hit.turn), None)
        self.polytui.open_conversation(call.conversation_id, agent=call.agent, turn=turn)

    def action_queues(self) -> None:
        from .queues import MadeFrom, QueuePicker

        def chosen(name: str | None) -> None:
            if name:
                self.polytui.open_queue(name)

        calls, query = list(self.calls), self._shown or ""
        count = len(calls)

        async def read() -> list[tuple[str, str]]:
            return [(call.agent, call.conversation_id) for call in calls]

        made_from = MadeFrom(
            count=count,
            what=("best " if count >= LIMIT else "")
            + f"{'call' if count == 1 else 'calls'} found for “{clean_line(query).strip()}”",
            source=f"search '{query.strip()}'",
            read=read,
            empty="No calls are found: search first.",
        )
        self.app.push_screen(QueuePicker(made_from), chosen)

    def action_focus_query(self) -> None:
        self.set_focus(self.query_one("#call-search", Input))

    def action_back(self) -> None:
        self._stop_running()  # the store is free at once for what comes next
        self.dismiss(None)
