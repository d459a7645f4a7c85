"""A review queue's calls in the virtual call table: one line per call in the queue's order,
with its status, verdict, notes count, and what the store knows of the call (a call not
stored yet shows its ID; it is fetched when opened). Filtered by status; never sorted (the
queue's order is the reviewing order)."""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content
from textual.message import Message

from polytui.core.ports import ConversationKey, ConversationRow
from polytui.core.queues import STATUS_WORDS, QueueItem
from polytui.core.text import clean_line
from polytui.tui.queue_session import QueueSession

from .call_columns import MISSING, NOTE_MARK, Column, clock, short_time
from .call_pages import KeysListed, Listed, Order
from .call_table import CallTable

QUEUE_COLUMNS: tuple[Column, ...] = (  # 117 cells: the summary fills what a wider view adds
    Column("position", "#", 3, right=True),
    Column("status", "Status", 9),
    Column("verdict", "Verdict", 7),
    Column("note_count", NOTE_MARK, 3),
    Column("started_at", "Started (UTC)", 16),
    Column("conversation_id", "ID", 34),
    Column("duration", "Length", 7, right=True),
    Column("handoff", "Handoff", 7),
    Column("reviewer", "Reviewer", 10),
    Column("summary", "Summary", 12),
)
STATUS_STYLES = {
    "pending": "",
    "in_review": "bold $accent",
    "done": "$success",
    "skipped": "$text-muted",
    "flagged": "bold $warning",
}
#: The status filters, in the order `f` goes through them: (name, statuses, verdict).
FILTERS: tuple[tuple[str, frozenset[str] | None, str | None], ...] = (
    ("all", None, None),
    ("to review", frozenset({"pending", "in_review"}), None),
    ("done", frozenset({"done"}), None),
    ("failed", None, "fail"),
    ("skipped", frozenset({"skipped"}), None),
    ("flagged", frozenset({"flagged"}), None),
)


class QueueListing:
    """The table's listing: the queue's order (read again from the store on every reload,
    so statuses set elsewhere show), the calls' rows from the store."""

    def __init__(self, session: QueueSession) -> None:
        self.session = session
        self.filter = 0  # index into FILTERS

    def wanted(self, item: QueueItem) -> bool:
        _, statuses, verdict = FILTERS[self.filter]
        if verdict is not None:
            return item.verdict == verdict
        return statuses is None or item.status in statuses

    async def keys(self) -> list[ConversationKey]:
        await self.session.reload()
        return [item.key for item in self.session.items if self.wanted(item)]

    async def rows_for(self, keys: Sequence[ConversationKey]) -> list[ConversationRow]:
        return await self.session.workspace.rows_for(keys)


def queue_cells(item: QueueItem | None, row: ConversationRow | None) -> list[Content]:
    """One Content per QUEUE_COLUMNS column (``row`` None: the call is not stored yet)."""
    if item is None:
        return [MISSING] * len(QUEUE_COLUMNS)
    verdict = MISSING
    if item.verdict:
        verdict = Content.styled(
            item.verdict, "bold $error" if item.verdict == "fail" else "$success"
        )
    head = [
        Content(str(item.position)),
        Content.styled(STATUS_WORDS[item.status], STATUS_STYLES.get(item.status, "")),
        verdict,
    ]
    reviewer = (
        Content.styled(clean_line(item.reviewer), "$text-muted") if item.reviewer else MISSING
    )
    ident = Content.styled(clean_line(item.conversation_id), "bold")
    why = (
        Content.styled(f"why: {clean_line(item.category)} · ", "italic") if item.category else None
    )
    if row is None:
        not_stored = Content.styled("not stored", "$text-muted")
        if why is not None:
            not_stored = why + not_stored
        return [*head, Content(""), MISSING, ident, MISSING, MISSING, reviewer, not_stored]
    notes = row.note_count
    if row.handoff is None:
        handoff = MISSING
    else:
        handoff = Content.styled("yes", "$warning") if row.handoff else Content("no")
    return [
        *head,
        Content.styled(f"{NOTE_MARK}{notes}", "bold $accent") if notes else Content(""),
        Content(short_time(row.started_at)) if row.started_at else MISSING,
        ident,
        Content.styled("live", "bold $warning")
        if row.in_progress
        else Content(clock(row.duration)),
        handoff,
        reviewer,
        _summary(why, row.summary),
    ]


class QueueTable(CallTable):
    """The queue's calls; Enter opens one (``Picked``)."""

    COLUMNS = QUEUE_COLUMNS

    class Picked(Message):
        """Enter (or a click on the selected line): open this call of the queue."""

        def __init__(self, item: QueueItem) -> None:
            super().__init__()
            self.item = item

    def __init__(self, listing: QueueListing, *, id: str | None = None) -> None:
        settings = listing.session.workspace.settings
        super().__init__(
            listing.session.workspace,
            latency_good=settings.latency_good,
            latency_warn=settings.latency_warn,
            empty_text="This queue holds no calls.",
            id=id,
        )
        self.queue_listing = listing
        self.order_by, self.descending = "position", False
        self._order: KeysListed | None = None  # the queue's order, as last read

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("sort", "reverse", "delete"):
            return False  # the queue's order is the reviewing order; calls are not deleted here
        return super().check_action(action, parameters)

    def sort_by(self, key: str, descending: bool | None = None) -> None:
        """Not sorted: a click on the header does nothing."""

    def item_at(self, index: int) -> QueueItem | None:
        return self.queue_listing.session.item(self._key_at(index))

    def index_of(self, key: ConversationKey) -> int | None:
        return None if self._order is None else self._order.index_of(key)

    async def _open(self, order: Order) -> Listed:
        """The queue's order, read again (statuses set elsewhere show), its rows by key."""
        self._order = KeysListed(await self.queue_listing.keys(), self.queue_listing.rows_for)
        return self._order

    def _key_at(self, index: int) -> ConversationKey | None:
        return None if self._order is None else self._order.key_at(index)

    def _row_content(self, index: int, row: ConversationRow | None) -> Content:
        return self._join_cells(queue_cells(self.item_at(index), row))

    def _empty_message(self) -> Content:
        if self.problem:
            return Content.styled(self.problem, "$error")
        name = FILTERS[self.queue_listing.filter][0]
        if name != "all":
            return Content(f"No call of this queue is {name}. f shows the others.")
        return Content(self.empty_text)

    async def action_open(self) -> None:
        item = self.item_at(self.cursor)
        if item is not None:
            self.post_message(self.Picked(item))


def _summary(why: Content | None, summary: str | None) -> Content:
    """The summary column: the call's category first, when it has one (why it was marked)."""
    text = Content(clean_line(summary)) if summary else MISSING
    return text if why is None else why + (Content(clean_line(summary)) if summary else Content(""))
