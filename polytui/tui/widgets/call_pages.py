"""How the cached-call browser reads the store: through a ``CallListing`` (the app's workspace,
which runs every call off the event loop), the order first and then rows a page at a time."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from polytui.core.ports import ConversationKey, ConversationRow

PAGE = 100  # rows read from the store at once

Page = list[ConversationRow | None]  # None: that call is no longer stored


class CallListing(Protocol):
    """Where the table reads the stored calls (``polytui.workspace.Workspace``); each call
    awaits the store off the event loop and raises a PolytuiError with one sentence."""

    async def keys(
        self, *, order_by: str, descending: bool, text_filter: str | None
    ) -> list[ConversationKey]: ...

    async def rows_for(self, keys: Sequence[ConversationKey]) -> list[ConversationRow]: ...

    async def count(self, *, text_filter: str | None = None) -> int: ...


async def read_page(listing: CallListing, keys: Sequence[ConversationKey], number: int) -> Page:
    """The rows of page ``number`` of ``keys``, in that order."""
    wanted = keys[number * PAGE : (number + 1) * PAGE]
    rows = await listing.rows_for(wanted)
    found = {(row.agent, row.conversation_id): row for row in rows}
    return [found.get(key) for key in wanted]


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
