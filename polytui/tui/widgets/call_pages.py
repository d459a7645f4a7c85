"""How the call tables read what they list, a page of rows at a time, never the whole order.

A table opens a ``Listed`` for the order and filter it shows and asks it for how many calls it
lists, where a call is in it and the rows of a page:

- ``StoreListed``: the stored calls (through a ``CallListing``, the app's workspace, which runs
  every call off the event loop). A page is read by walking on from where the page before it
  ended (the store's keyset cursor) when that page has been read; otherwise (a jump: G, the
  scrollbar, a followed call) by its offset. Either way only the page's own rows are read.
- ``KeysListed``: an order the table is given as keys (a review queue's), with each page's
  rows read by key (None for a call that is not stored).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from polytui.core.ports import ConversationKey, ConversationRow, ListingCursor, ListingPage

PAGE = 100  # rows read from the store at once
CHUNK = 1000  # rows read at once when every listed call is wanted (making a queue of them)

Page = list[ConversationRow | None]  # None: that call is not stored (or no longer)


class CallListing(Protocol):
    """Where the browser reads the stored calls (``polytui.workspace.Workspace``); each call
    awaits the store off the event loop and raises a PolytuiError with one sentence."""

    async def page(
        self,
        *,
        order_by: str,
        descending: bool,
        text_filter: str | None,
        after: ListingCursor | None = None,
        offset: int = 0,
        limit: int = PAGE,
    ) -> ListingPage: ...

    async def position(
        self, key: ConversationKey, *, order_by: str, descending: bool, text_filter: str | None
    ) -> int | None: ...

    async def count(self, *, text_filter: str | None = None) -> int: ...


@dataclass(frozen=True)
class Order:
    """What a table lists: the sort and the filter."""

    order_by: str
    descending: bool
    text_filter: str | None


class Listed(Protocol):
    """One listing, as a table reads it."""

    async def count(self) -> tuple[int, int | None]:
        """How many calls are listed, and of how many (None: nothing is filtered out)."""
        ...

    async def position(self, key: ConversationKey) -> int | None: ...

    async def read(self, number: int) -> Page:
        """The rows of page ``number`` (0-based), in the listing's order."""
        ...

    async def keys(self) -> list[ConversationKey]:
        """Every call listed, in order (for making a queue of them: it reads them all)."""
        ...


class StoreListed:
    """The stored calls in ``order``. The end of each page read is kept (a few bytes, even once
    the table drops the page's rows), so reading on past it stays a short walk."""

    def __init__(self, listing: CallListing, order: Order) -> None:
        self.listing = listing
        self.order = order
        self._ends: dict[int, ListingCursor | None] = {}

    async def count(self) -> tuple[int, int | None]:
        listed = await self.listing.count(text_filter=self.order.text_filter)
        total = await self.listing.count() if self.order.text_filter else None
        return listed, total

    async def position(self, key: ConversationKey) -> int | None:
        order = self.order
        return await self.listing.position(
            key,
            order_by=order.order_by,
            descending=order.descending,
            text_filter=order.text_filter,
        )

    async def read(self, number: int) -> Page:
        order = self.order
        after = self._ends.get(number - 1) if number else None
        walk = number == 0 or after is not None
        page = await self.listing.page(
            order_by=order.order_by,
            descending=order.descending,
            text_filter=order.text_filter,
            after=after if walk else None,
            offset=0 if walk else number * PAGE,
            limit=PAGE,
        )
        if page.rows:
            self._ends[number] = page.end
        return list(page.rows)

    async def keys(self) -> list[ConversationKey]:
        order, after = self.order, None
        found: list[ConversationKey] = []
        while True:
            page = await self.listing.page(
                order_by=order.order_by,
                descending=order.descending,
                text_filter=order.text_filter,
                after=after,
                limit=CHUNK,
            )
            found.extend((row.agent, row.conversation_id) for row in page.rows)
            if len(page.rows) < CHUNK:
                return found
            after = page.end


class KeysListed:
    """An order given as keys; ``rows_for`` reads the rows of some of them."""

    def __init__(
        self,
        keys: Sequence[ConversationKey],
        rows_for: Callable[[Sequence[ConversationKey]], Awaitable[list[ConversationRow]]],
        total: int | None = None,
    ) -> None:
        self._keys = list(keys)
        self._index = {key: index for index, key in enumerate(self._keys)}
        self._rows_for = rows_for
        self._total = total

    async def count(self) -> tuple[int, int | None]:
        return len(self._keys), self._total

    async def position(self, key: ConversationKey) -> int | None:
        return self._index.get(key)

    async def read(self, number: int) -> Page:
        wanted = self._keys[number * PAGE : (number + 1) * PAGE]
        rows = await self._rows_for(wanted)
        found = {(row.agent, row.conversation_id): row for row in rows}
        return [found.get(key) for key in wanted]

    async def keys(self) -> list[ConversationKey]:
        return list(self._keys)

    def key_at(self, index: int) -> ConversationKey | None:
        return self._keys[index] if 0 <= index < len(self._keys) else None

    def index_of(self, key: ConversationKey) -> int | None:
        return self._index.get(key)


def pages_on_screen(cursor: int, count: int, top: int, rows: int) -> range:
    """The pages of the lines on screen (``rows`` of them, from line ``top``) once the line
    ``cursor`` of ``count`` is scrolled into view."""
    if not count:
        return range(0)
    if cursor < top:
        top = cursor
    elif cursor >= top + rows:
        top = cursor - rows + 1
    top = max(0, min(top, count - rows))
    return range(top // PAGE, min(count - 1, top + rows - 1) // PAGE + 1)
