"""Finding calls through the API for the app (the Find view), as the workspace's part: a page
of a listing from the network, the listing kept and extended in the store, the filters
remembered, which listed calls are stored, and fetching a listed call. Store work runs on the
workspace's store thread (``Workspace.run``), never on the event loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .core.listing import KeptListing, ListFilter, ListingRun, PageToken
from .core.ports import ConversationKey, ListedCall

if TYPE_CHECKING:
    from .loader import Loaded
    from .workspace import Workspace


class Finder:
    """``Workspace.finder``: finding calls, through that workspace."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    async def unapplied(self, filters: ListFilter) -> tuple[str, ...]:
        """The filters the configured source cannot apply (``ConversationLister.unapplied``)."""
        lister = await self.workspace.loader.lister()
        return lister.unapplied(filters)

    async def list_page(self, run: ListingRun) -> tuple[ListedCall, ...]:
        """The next page of ``run`` from the API (for the configured agent), its new calls as
        ``run.accept`` passes them; a PolytuiError with one sentence when it fails."""
        lister = await self.workspace.loader.lister()
        page = await lister.list_page(
            run.filters, run.token, agent=self.workspace.settings.agent, page_size=run.page_size
        )
        return run.accept(page)

    async def keep_listing(self, listing: KeptListing) -> None:
        await self.workspace.run(lambda: self.workspace.store.keep_listing(listing))

    async def extend_listing(
        self, name: str, calls: Sequence[ListedCall], following: PageToken | None
    ) -> None:
        added = list(calls)
        await self.workspace.run(
            lambda: self.workspace.store.extend_listing(name, added, following)
        )

    async def kept_listing(self, name: str) -> KeptListing | None:
        return await self.workspace.run(lambda: self.workspace.store.kept_listing(name))

    async def remember_filters(self, name: str, filters: ListFilter) -> None:
        await self.workspace.run(lambda: self.workspace.store.remember_filters(name, filters))

    async def remembered_filters(self, name: str) -> ListFilter | None:
        return await self.workspace.run(lambda: self.workspace.store.remembered_filters(name))

    async def stored_among(self, keys: Sequence[ConversationKey]) -> set[ConversationKey]:
        wanted = list(keys)
        return await self.workspace.run(lambda: self.workspace.store.stored_among(wanted))

    async def fetch(self, conversation_id: str, *, agent: str | None = None) -> Loaded:
        """The call by the loading policy, fetched when not stored (and kept in the background),
        never a stale copy: for fetching many listed calls."""
        return await self.workspace.loader.load(conversation_id, agent=agent, allow_stale=False)
