"""A reviewer working through one queue in the app: the queue's items as last read (kept up to
date with every change made here), the call on screen, and the calls read ahead of the
reviewer so that moving on paints at once.

Changes are shown at once and written behind (``write``): the screen applies the rule of
``polytui.core.queues`` to its copy of the item, moves on, and the store's answer (or its
refusal, said in a notice) replaces the copy when it comes. Writes are kept in the order they
were asked for by the workspace's one store thread, and always land (they are shielded from
cancellation)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from polytui.core.errors import PolytuiError
from polytui.core.ports import ConversationKey
from polytui.core.queues import (
    ItemChange,
    Progress,
    QueueItem,
    apply_change,
    claim,
    pick_next,
    progress,
)
from polytui.workspace import OpenedCall, Workspace

AHEAD = 2  # calls read ahead of the reviewer (the next to review, the next in order)
KEEP = 6  # calls kept read ahead at most


class QueueSession:
    def __init__(self, workspace: Workspace, name: str, items: list[QueueItem]) -> None:
        self.workspace = workspace
        self.name = name
        self.items: list[QueueItem] = []
        self._by_key: dict[ConversationKey, int] = {}
        self.current: ConversationKey | None = None
        self._ahead: dict[ConversationKey, OpenedCall] = {}
        self._reading: set[ConversationKey] = set()
        self.replace_items(items)

    # -- the items ---------------------------------------------------------------------------

    @property
    def reviewer(self) -> str:
        return self.workspace.settings.reviewer

    def replace_items(self, items: list[QueueItem]) -> None:
        self.items = sorted(items, key=lambda item: item.position)
        self._by_key = {item.key: n for n, item in enumerate(self.items)}

    def update(self, item: QueueItem) -> None:
        index = self._by_key.get(item.key)
        if index is not None:
            self.items[index] = item

    def item(self, key: ConversationKey | None) -> QueueItem | None:
        index = self._by_key.get(key) if key is not None else None
        return None if index is None else self.items[index]

    @property
    def progress(self) -> Progress:
        return progress(self.items)

    def neighbour(self, key: ConversationKey | None, step: int) -> QueueItem | None:
        """The call ``step`` places from ``key`` in the queue's order (None past either end)."""
        index = self._by_key.get(key) if key is not None else None
        if index is None:
            return None
        target = index + step
        return self.items[target] if 0 <= target < len(self.items) else None

    def next_to_review(self, after: int | None) -> QueueItem | None:
        """The next call to review by the queue's rule, on the items as known here."""
        return pick_next(self.items, self.reviewer, datetime.now(UTC), after)

    def position_of(self, key: ConversationKey | None) -> int:
        item = self.item(key)
        return item.position if item is not None else 0

    # -- changes: shown at once, written behind ------------------------------------------------

    def change(self, key: ConversationKey, change: ItemChange) -> tuple[QueueItem, QueueItem]:
        """(before, after) of the item at ``key`` changed here by the rules; UsageError when
        they refuse it. Write it with ``write_change``."""
        item = self.item(key)
        if item is None:
            raise PolytuiError("That call is no longer in the queue.")
        changed = apply_change(item, change, self.reviewer, datetime.now(UTC))
        self.update(changed)
        return item, changed

    async def write_change(self, before: QueueItem, change: ItemChange) -> QueueItem:
        """Write a change shown already; the store's item replaces the copy. A refusal (another
        reviewer changed it meanwhile) puts the store's item back and is raised."""
        try:
            stored = await self.workspace.change_item(
                self.name, before.key, change, expected_revision=before.revision
            )
        except PolytuiError:
            await self.reload()
            raise
        self.update(stored)
        return stored

    def claim_here(self, key: ConversationKey) -> bool:
        """Take the call into review on the copy, when the rules allow; True when the store
        must be told (``write_claim``)."""
        item = self.item(key)
        claimed = claim(item, self.reviewer, datetime.now(UTC)) if item is not None else None
        if claimed is None:
            return False
        self.update(claimed)
        return True

    async def write_claim(self, key: ConversationKey) -> QueueItem:
        stored = await self.workspace.claim_item(self.name, key)
        self.update(stored)
        return stored

    async def reload(self) -> None:
        self.replace_items(await self.workspace.queue_items(self.name))

    # -- calls read ahead ------------------------------------------------------------------------

    def take(self, key: ConversationKey) -> OpenedCall | None:
        """The call read ahead for ``key`` (then forgotten: notes may change while it is open)."""
        return self._ahead.pop(key, None)

    def wanted_ahead(self) -> list[ConversationKey]:
        """The calls worth reading now: the next to review after the current one, and the next
        ones in the queue's order, not read yet."""
        position = self.position_of(self.current)
        wanted: list[ConversationKey] = []
        following = self.next_to_review(position or None)
        if following is not None:
            wanted.append(following.key)
        step = 1
        while len(wanted) < AHEAD and (neighbour := self.neighbour(self.current, step)):
            if neighbour.key not in wanted:
                wanted.append(neighbour.key)
            step += 1
        return [key for key in wanted if key != self.current and key not in self._ahead]

    async def read_ahead(
        self, open_call: Callable[[str, str], Awaitable[OpenedCall]] | None = None
    ) -> int:
        """Read the calls ``wanted_ahead`` (from the store, or fetched and kept); failures are
        left for when the call is opened, which says them. Returns how many were read."""
        opener = open_call or (lambda cid, agent: self.workspace.open(cid, agent=agent))
        read = 0
        for key in self.wanted_ahead():
            if key in self._reading:
                continue
            self._reading.add(key)
            try:
                self._ahead[key] = await opener(key[1], key[0])
                read += 1
            except PolytuiError:
                continue
            finally:
                self._reading.discard(key)
            while len(self._ahead) > KEEP:
                self._ahead.pop(next(iter(self._ahead)))
        return read

    def forget(self, key: ConversationKey) -> None:
        self._ahead.pop(key, None)
