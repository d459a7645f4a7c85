"""A review queue: its progress, its calls in the virtual table with their status, verdict and
notes count, filtered by status (`f`); Enter opens a call, `c` resumes at the first call not
reviewed yet. A call opened here carries the queue's keys (``queue_review``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from polytui.core.errors import PolytuiError
from polytui.core.queues import MARKED, ItemChange, QueueItem, mark_words
from polytui.core.text import clean_line
from polytui.tui.keys import bind
from polytui.tui.queue_session import QueueSession
from polytui.tui.widgets.call_table import CallTable
from polytui.tui.widgets.key_footer import KeyFooter
from polytui.tui.widgets.queue_table import FILTERS, QueueListing, QueueTable

from .start import detail_line

if TYPE_CHECKING:
    from polytui.tui.app import PolyTUI


class QueueScreen(Screen[None]):
    HELP_TITLE = "A review queue"
    BINDINGS = [
        bind("resume", "resume", "Resume", tooltip="Open the first call not reviewed yet"),
        bind("filter", "filter(1)", "Filter", tooltip="Show only calls with the next status: to "
             "review, done, failed, skipped, flagged, all"),
        bind("previous_filter", "filter(-1)", "Previous filter", show=False),
        bind("refresh", "reload", "Reload", tooltip="Read the queue again from the store"),
        bind("queue_reopen", "reopen", "Reopen", tooltip="Reopen the selected call: back to "
             "review, its mark and verdict gone"),
        bind("back", "back", "Back"),
    ]  # fmt: skip
    FOOTER_KEYS = ("help", "back", "open", "resume", "filter", "queue_reopen", "refresh", "quit")

    def __init__(self, name: str, *, resume: bool = False) -> None:
        super().__init__()
        self.queue_name = name
        self._resume_first = resume
        self._first_listing = True  # the cursor then goes to the first call to review

    @property
    def polytui(self) -> PolyTUI:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        self.session = QueueSession(self.polytui.workspace, self.queue_name, [])
        self.listing = QueueListing(self.session)
        with Vertical(id="queue"):
            yield Static(Content.styled(f"Queue '{clean_line(self.queue_name)}'", "bold $accent"),
                         id="queue-title")  # fmt: skip
            yield Static("", id="queue-progress")
            yield QueueTable(self.listing, id="queue-calls")
            yield Static("", id="call-detail")
        yield KeyFooter()

    @property
    def table(self) -> QueueTable:
        return self.query_one("#queue-calls", QueueTable)

    def on_mount(self) -> None:
        self.set_focus(self.table)
        self.table.reload(top=True)

    def on_screen_resume(self) -> None:
        """Back from a call: the statuses changed, the cursor goes to the call last open."""
        self.table.reload(follow=self.session.current)
        self.set_focus(self.table)

    # -- what the table says -------------------------------------------------------------------

    @on(CallTable.Reloaded)
    def _listed(self, message: CallTable.Reloaded) -> None:
        progress = self.session.progress
        line = Content.styled(clean_line(progress.line(self.queue_name)), "bold")
        name = FILTERS[self.listing.filter][0]
        shown = Content.styled(
            f"  showing {name}: {message.count} of {progress.total}  (f: filter by status, "
            "c: resume)",
            "$text-muted",
        )
        if message.problem:
            shown = Content.styled(f"  {message.problem}", "$error")
        self.query_one("#queue-progress", Static).update(Content.assemble(line, shown))
        if self._resume_first and not message.problem:
            self._resume_first = False
            self.action_resume()
        elif self._first_listing and message.count:
            self._to_first_unfinished()
        self._first_listing = False

    def _to_first_unfinished(self) -> None:
        from polytui.core.queues import first_unfinished

        item = first_unfinished(self.session.items)
        index = self.table.index_of(item.key) if item is not None else None
        if index is not None:
            self.table.move_to(index)

    @on(CallTable.Highlighted)
    def _highlighted(self, message: CallTable.Highlighted) -> None:
        line = detail_line(message.row)
        item = self.table.item_at(self.table.cursor)
        if message.row is None and item is not None:
            line = Content.assemble(
                (clean_line(item.conversation_id), "bold"),
                (" is not stored yet: it is fetched when opened, the next ones with it.",
                 "$text-muted"),
            )  # fmt: skip
        self.query_one("#call-detail", Static).update(line)

    # -- keys ------------------------------------------------------------------------------------

    def action_filter(self, step: int) -> None:
        self.listing.filter = (self.listing.filter + step) % len(FILTERS)
        self.table.reload(top=True)

    def action_reload(self) -> None:
        self.table.reload()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_reopen(self) -> None:
        """The selected call's mark taken back: to review again (pending), its verdict and
        category gone; the queue's history keeps what it was."""
        item = self.table.item_at(self.table.cursor)
        if item is None:
            return
        if item.status not in MARKED:
            self.notify("This call is not marked: nothing to reopen.", timeout=4)
            return
        self.run_worker(self._reopen(item), group="queue-reopen", exit_on_error=False)

    async def _reopen(self, item: QueueItem) -> None:
        change = ItemChange(status="pending")
        try:
            before, _ = self.session.change(item.key, change)
            await self.session.write_change(before, change)
        except PolytuiError as exc:
            self.notify(clean_line(str(exc)), severity="error", timeout=8, markup=False)
        else:
            self.notify(
                f"Reopened {clean_line(item.conversation_id)} (was {mark_words(before)}).",
                timeout=4,
                markup=False,
            )
        if self.is_attached:
            self.table.reload(follow=item.key)

    def action_resume(self) -> None:
        self.run_worker(self._resume(), group="queue-open", exclusive=True, exit_on_error=False)

    async def _resume(self) -> None:
        """Take the first call to review (atomically: another reviewer on the queue gets
        another one) and open it."""
        try:
            item = await self.polytui.workspace.claim_next(self.queue_name)
        except PolytuiError as exc:
            self.notify(clean_line(str(exc)), severity="error", timeout=8, markup=False)
            return
        if item is None:
            line = clean_line(self.session.progress.line(self.queue_name))
            self.notify(f"Nothing left to review: {line}.", timeout=6, markup=False)
            return
        self.session.update(item)
        await self._open(item)

    @on(QueueTable.Picked)
    def _picked(self, message: QueueTable.Picked) -> None:
        self.run_worker(self._open(message.item), group="queue-open", exclusive=True,
                        exit_on_error=False)  # fmt: skip

    async def _open(self, item: QueueItem) -> None:
        """The call on the conversation screen, with the queue's keys: from the store at once
        when it is there, else loading there."""
        from .conversation import ConversationScreen

        workspace = self.polytui.workspace
        preloaded = await workspace.stored_copy(item.conversation_id, agent=item.agent)
        if not self.is_current:
            return
        self.session.current = item.key
        screen = ConversationScreen(
            item.conversation_id, agent=item.agent, preloaded=preloaded, queue=self.session
        )
        await self.app.push_screen(screen)
        screen.begin_queue()
