"""The start screen: a conversation-ID input with the focus (bare ID or pasted Studio URL), the
agent and region, the demo's sample calls, and every stored call in a browser that sorts,
filters and searches them (Tab moves into it)."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from polytui.core.config import REGION_HOSTS, normalise_region
from polytui.core.errors import PolytuiError, UsageError
from polytui.core.ids import parse_studio_url, validate_agent_id, validate_conversation_id
from polytui.core.models import Conversation
from polytui.core.ports import ConversationRow
from polytui.core.text import clean_line
from polytui.tui.keys import bind
from polytui.tui.widgets.call_columns import COLUMN_BY_KEY
from polytui.tui.widgets.call_table import DOWN, UP, CallTable
from polytui.tui.widgets.key_footer import KeyFooter
from polytui.tui.widgets.option_keys import KeyedOptionList

from .confirm import ConfirmScreen
from .sort import SortScreen, menu_name

if TYPE_CHECKING:
    from polytui.tui.app import PolyTUI


def sample_label(data: dict, id_width: int = 0) -> Content:
    """One line describing a sample call: ID (padded to ``id_width``, so the lines make
    columns), channel, turns, summary heading."""
    conversation = Conversation.from_data(data)
    summary = conversation.summary
    heading = summary.heading or summary.content if summary else ""
    parts: list[str | tuple[str, str]] = [
        (f"{clean_line(conversation.conversation_id):<{id_width}}", "bold"),
        "  ",
        (f"{clean_line(conversation.channel or '?'):<9}", "$text-muted"),
        f" {len(conversation.turn_list):>5} turns  ",
    ]
    if conversation.live:
        parts.append(("LIVE ", "bold $warning"))
    parts.append(clean_line(heading)[:60])
    return Content.assemble(*parts)


SHORT = 32  # rows under which the screen gets tighter (see polytui.tcss)
TINY = 20  # rows under which the intro goes and the samples get three rows
EMPTY = "No stored calls yet: type an ID above, or `polytui fetch`."
EMPTY_DEMO = "No stored calls yet: open a sample above, or type an ID."


class FilterInput(Input):
    """The stored calls' filter: Down (or Enter) moves into the list."""

    BINDINGS = [bind("down", "screen.focus_list", "To the list", show=False)]


class IdInput(Input):
    """The conversation-ID box. While it is empty, ``?`` opens help and ``/`` searches the
    stored calls (no ID or Studio link starts with either); Down moves to the calls below."""

    BINDINGS = [bind("down", "screen.focus_list", "To the calls below", show=False)]

    def check_consume_key(self, key: str, character: str | None) -> bool:
        if not self.value and character in ("?", "/"):
            return False
        return super().check_consume_key(key, character)

    async def _on_key(self, event: events.Key) -> None:
        if not self.check_consume_key(event.key, event.character):
            event.prevent_default()  # not typed: on to the bindings (help, search)

    _shown_empty = True  # the footer last showed the keys of an empty box

    def on_input_changed(self, event: Input.Changed) -> None:
        empty = not event.value
        if empty != self._shown_empty:
            self._shown_empty = empty
            self.screen.refresh_bindings()  # the footer shows ? or F1 for help


class StartScreen(Screen[None]):
    HELP_TITLE = "Start"
    BINDINGS = [
        bind(
            "find",
            "search",
            "Search calls",
            tooltip="Search the words of every stored call",
        ),
        bind(
            "filter", "filter", "Filter", show=False, tooltip="Filter the stored calls as you type"
        ),
        bind(
            "back",
            "back",
            "Back",
            show=False,
            tooltip="Back out one layer: the filter, then to the ID input, then clear it",
        ),
        bind(
            "queues",
            "queues",
            "Queues",
            tooltip="Review queues: open one, or make one of the stored calls listed",
        ),
        bind(
            "find_calls",
            "find_calls",
            "Find calls",
            tooltip="Find the agent's calls through the API by date, handoff, words said "
            "(F outside a text box)",
        ),
    ]
    FOOTER_KEYS = (
        "help", "find", "find_calls", "queues", "open", "sort", "reverse", "filter", "delete",
        "back", "quit",
    )  # fmt: skip

    @property
    def polytui(self) -> PolyTUI:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        settings = self.polytui.settings
        with Vertical(id="start"):
            yield Static(Content.styled("polytui", "bold $accent"), id="start-title")
            yield Static(
                Content(
                    "Review PolyAI calls and chats. Type or paste a conversation ID or a Studio link."
                ),
                id="start-intro",
            )
            yield IdInput(
                placeholder="Conversation ID or Studio URL   (? help, / search stored calls)",
                id="conversation-id",
            )
            with Horizontal(id="start-settings"):
                yield Label("Agent", classes="field-label")
                yield Input(
                    value=settings.agent or "",
                    placeholder="PROJECT-... (agent ID)",
                    id="agent",
                    select_on_focus=False,  # one letter typed must not replace the agent
                )
                yield Label("Region", classes="field-label")
                yield Select(
                    [(name, name) for name in REGION_HOSTS],
                    value=settings.region,
                    allow_blank=False,
                    id="region",
                )
            yield Static("", id="start-error")
            if self.polytui.samples:
                yield Label("Sample calls (Enter opens)", id="samples-title")
                widest = max(
                    len(clean_line(str(s["conversationId"]))) for s in self.polytui.samples
                )
                yield KeyedOptionList(
                    *[
                        Option(sample_label(sample, widest), id=sample["conversationId"])
                        for sample in self.polytui.samples
                    ],
                    id="samples",
                )
            with Horizontal(id="calls-bar"):
                yield Label("Stored calls", id="calls-title")
                yield FilterInput(
                    placeholder="filter: words of the ID, summary, tags, channel or date  (f)",
                    id="call-filter",
                )
                yield Label("", id="calls-status")
                yield Label(
                    Content.assemble(("^g", "bold $accent"), " find calls in the API"),
                    id="find-hint",
                )
            table = CallTable(
                self.polytui.workspace,
                latency_good=settings.latency_good,
                latency_warn=settings.latency_warn,
                empty_text=EMPTY_DEMO if self.polytui.demo else EMPTY,
                id="calls",
            )
            remembered = self.polytui.ui_state
            if remembered.sort in COLUMN_BY_KEY:  # the sort of the last run
                table.order_by, table.descending = remembered.sort, remembered.descending
            yield table
            yield Static("", id="call-detail")
        yield KeyFooter()

    @property
    def calls(self) -> CallTable:
        return self.query_one("#calls", CallTable)

    _warmed = False

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#conversation-id", Input))

    def on_resize(self) -> None:
        short = self.size.height < SHORT
        self.set_class(short, "-short")
        self.set_class(self.size.height < TINY, "-tiny")
        # Short terminals: the boxes lose their borders (a row each instead of three), so the
        # title, the boxes and some stored calls all fit.
        for box in self.query("#conversation-id, #agent, #region").results():
            box.compact = short  # type: ignore[attr-defined]

    def on_screen_resume(self) -> None:
        """Shown again (back from a call or a search): the list reads the store again, so new
        fetches and notes show; the focus stays where the reviewer left it."""
        self.calls.reload()
        if self.focused is None:
            self.set_focus(self.query_one("#conversation-id", Input))

    def _error(self, message: str) -> None:
        error = self.query_one("#start-error", Static)
        error.update(Content.styled(message, "$error"))
        error.display = bool(message)

    @on(Input.Submitted, "#conversation-id")
    def _submit_id(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        if not value:
            self._error("Type a conversation ID first.")
            return
        try:
            link = parse_studio_url(value)
            if link is not None:
                self._apply_link(link.project, link.region, link.account)
                conversation_id = link.conversation_id
            else:
                conversation_id = validate_conversation_id(value)
        except UsageError as exc:
            self._error(str(exc))
            return
        self._error("")
        if self._apply_agent():
            self.polytui.open_conversation(conversation_id)

    def _apply_link(self, project: str, region: str, account: str) -> None:
        self.query_one("#agent", Input).value = project
        # An unknown Studio region keeps the region selected.
        with contextlib.suppress(UsageError):
            self.query_one("#region", Select).value = normalise_region(region)
        self.polytui.update_settings(account=account)

    def _apply_agent(self) -> bool:
        """The agent field and the region into the settings; False (the reason shown) when
        the agent is not an ID."""
        agent = self.query_one("#agent", Input).value.strip() or None
        if agent is not None:
            try:
                agent = validate_agent_id(agent)
            except UsageError as exc:
                self._error(str(exc))
                return False
        region = self.query_one("#region", Select).value
        changes: dict[str, object] = {"agent": agent}
        if isinstance(region, str):
            changes["region"] = region
        self.polytui.update_settings(**changes)
        return True

    @on(Input.Submitted, "#agent")
    def _submit_agent(self) -> None:
        if self._apply_agent():
            self._error("")
            self.set_focus(self.query_one("#conversation-id", Input))

    @on(Select.Changed, "#region")
    def _region_changed(self) -> None:
        self._apply_agent()

    @on(OptionList.OptionSelected, "#samples")
    def _open_sample(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.polytui.open_conversation(event.option.id)

    # -- the stored calls ------------------------------------------------------------------------

    @on(Input.Changed, "#call-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.calls.set_filter(event.value)

    @on(Input.Submitted, "#call-filter")
    def _filter_submitted(self) -> None:
        self.action_focus_list()

    @on(CallTable.Reloaded)
    def _listed(self, message: CallTable.Reloaded) -> None:
        if not self._warmed:
            # The stored calls are on screen: the call screen's code is loaded now, off the
            # event loop, so opening the first call does not wait for it (the start screen is
            # drawn without it).
            self._warmed = True
            self.run_worker(_load_call_screen, thread=True, group="warm", exit_on_error=False)
        status = self.query_one("#calls-status", Label)
        if message.problem:
            status.update(Content.styled("store unreadable", "$error"))
            return
        state = self.polytui.ui_state
        if (state.sort, state.descending) != (message.order_by, message.descending):
            self.polytui.remember(sort=message.order_by, descending=message.descending)
        column = menu_name(COLUMN_BY_KEY[message.order_by]).removesuffix(" (UTC)")
        arrow = DOWN if message.descending else UP
        if message.total is not None:
            counted = f"{message.count:,} of {message.total:,} match"
        else:
            counted = f"{message.count:,} {'call' if message.count == 1 else 'calls'}"
        status.update(Content.assemble(counted, (f"  sorted by {column} {arrow}", "$text-muted")))

    @on(CallTable.SortRequested)
    def _ask_sort(self) -> None:
        calls = self.calls

        def picked(choice: tuple[str, bool] | None) -> None:
            if choice is not None:
                calls.sort_by(*choice)

        self.app.push_screen(SortScreen(calls.order_by, calls.descending), picked)

    @on(CallTable.Highlighted)
    def _highlighted(self, message: CallTable.Highlighted) -> None:
        self.query_one("#call-detail", Static).update(detail_line(message.row))

    @on(CallTable.Selected)
    def _open_row(self, message: CallTable.Selected) -> None:
        self.polytui.open_conversation(message.row.conversation_id, agent=message.row.agent)

    @on(CallTable.DeleteRequested)
    def _ask_delete(self, message: CallTable.DeleteRequested) -> None:
        row = message.row

        def answered(delete: bool | None) -> None:
            if delete:
                self.run_worker(self._delete(row), group="delete-call", exit_on_error=False)

        self.app.push_screen(
            ConfirmScreen(Content("Delete this stored call?"), delete_question(row)), answered
        )

    async def _delete(self, row: ConversationRow) -> None:
        name = clean_line(row.conversation_id)
        try:
            removed = await self.polytui.workspace.delete([row.conversation_id], agent=row.agent)
        except PolytuiError as exc:
            self.notify(clean_line(str(exc)), title="Not deleted", severity="error", markup=False)
            return
        self.calls.reload()
        if removed:
            self.notify(f"Deleted {name} from the store; its notes are kept.", markup=False)
        else:
            self.notify(f"{name} was no longer stored.", severity="warning", markup=False)

    # -- keys -----------------------------------------------------------------------------------

    def action_search(self) -> None:
        from .search import CallSearchScreen

        self.app.push_screen(CallSearchScreen())

    def action_queues(self) -> None:
        from .queues import QueuePicker, stored_calls

        def chosen(name: str | None) -> None:
            if name:
                self.polytui.open_queue(name)

        calls = self.calls
        picker = QueuePicker(stored_calls(calls.count, calls.listed_keys, calls.text_filter))
        self.app.push_screen(picker, chosen)

    def action_find_calls(self) -> None:
        """The Find view, for the agent and region set above."""
        from .find import FindScreen

        self._apply_agent()
        self.app.push_screen(FindScreen())

    def action_filter(self) -> None:
        self.set_focus(self.query_one("#call-filter", Input))

    def action_focus_list(self) -> None:
        """Down from the ID box: the samples (in the demo) or the stored calls; from the
        filter: the stored calls."""
        if self.focused is self.query_one("#conversation-id", Input) and self.polytui.samples:
            self.set_focus(self.query_one("#samples", OptionList))
        elif self.calls.count:
            self.set_focus(self.calls)

    def action_back(self) -> None:
        """Escape backs out one layer: a filter is cleared, then the focus goes back to the ID
        input, then the ID input is cleared."""
        box = self.query_one("#conversation-id", Input)
        filter_box = self.query_one("#call-filter", Input)
        if self.focused in (filter_box, self.calls) and filter_box.value:
            filter_box.value = ""
            return
        if self.focused is not box:
            self.set_focus(box)
            return
        box.value = ""
        self._error("")


def detail_line(row: ConversationRow | None) -> Content:
    """Under the list: the highlighted call's summary and agent (cleaned, one line)."""
    if row is None:
        return Content("")
    parts = [Content.styled(clean_line(row.conversation_id), "bold")]
    if row.summary:
        parts.append(Content(clean_line(row.summary)))
    parts.append(Content.styled(clean_line(row.agent), "$text-muted"))
    if row.in_progress:
        parts.append(Content.styled("in progress when fetched", "$warning"))
    return Content.styled(" · ", "$text-muted").join(parts)


def delete_question(row: ConversationRow) -> Content:
    """What deleting ``row`` does, notes included (they are never deleted with a call)."""
    notes = row.note_count
    if notes == 1:
        kept = "Its note stays and shows again with the call."
    elif notes:
        kept = f"Its {notes} notes stay and show again with the call."
    else:
        kept = "Notes are never deleted with a call."
    return Content.assemble(
        "The stored copy of ",
        (clean_line(row.conversation_id), "bold"),
        f" ({clean_line(row.agent)}) is removed from this computer; opening it again needs "
        f"the API. {kept}",
    )


def _load_call_screen() -> None:
    import polytui.tui.screens.conversation  # noqa: F401
