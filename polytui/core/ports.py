"""The interfaces polytui's front ends build on, and the values that cross them.

The roles, each a ``Protocol`` an adapter implements (``polytui.adapters``):

- ``ConversationSource``: where calls come from (PolyAI's API over HTTP today). Listing calls
  by filter and fetching recordings are roles of their own (``ConversationLister``,
  ``MediaSource``), so a source that offers only get-by-ID is still a whole source.
- ``MediaSource``: a call's recording (one ``direction``, ``redacted`` or not), streamed to a
  file of the caller's choosing: a partial or damaged answer never replaces a good file.
- ``ConversationLister``: finds calls by filter, a page at a time (``polytui.core.listing``
  holds the filter, the page and the paging rules every front end shares).
- ``CallCache``: the local copy of every call fetched (the JSON exactly as received), its
  listing for the browser, and full-text search over turns and summaries.
- ``ReviewStore``: what reviewers add (notes with their author and labels).
- ``QueueStore``: review queues (``polytui.core.queues``): named, ordered lists of calls with
  each call's status, verdict and category, who set them and when.
- ``RecordingCache``: the recordings fetched, as WAV files on this computer, one per
  (agent, call, direction, redacted), private to the user (0600), read offline, counted and
  removed with the calls (``cache rm``, ``prune``, ``clear``).
- ``ListingStore``: listings kept to reopen offline, and the filters last used.

The SQLite store is one object playing ``CallCache``, ``ReviewStore``, ``QueueStore`` and
``ListingStore``; a team store on a shared PostgreSQL would be another package under
``polytui/adapters`` playing the same roles.

Recordings are another matter: they are large, a player needs a file it can seek in, and a
reviewer's laptop should not pull the same 50 MB again from a database server. So the
recording cache is a role of its own, which the workspace pairs with whichever call cache is
configured: the folder beside the SQLite file today (``polytui.adapters.files``), and the same
folder on each reviewer's machine beside a team's PostgreSQL store, which would then hold the
calls, notes and queues only. A shared recording cache (object storage, say) would be one more
adapter keeping a local copy of what it serves, because ``RecordingCache.get`` answers with a
path on this computer. Front ends never see which adapters play the roles.

Cache and store methods block (they do I/O); the front ends call them through
``polytui.workspace``, which keeps them off the event loop.

Search speaks polytui's own terms: ``SearchHit.score`` is higher for a better match whatever
the backend ranks by, and matched words come as ``(start, end)`` spans of a plain snippet.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

if TYPE_CHECKING:
    from .errors import PolytuiError

    # The listing's values cross the roles below: re-exported from here (loaded when first
    # asked for, by ``__getattr__``: a command that only reads the store never builds them).
    # What a search finds, and the recordings' values, cross the roles below too.
    from .hits import CallHits as CallHits
    from .hits import SearchHit as SearchHit
    from .listed import ListedCall as ListedCall
    from .listing import KeptListing as KeptListing
    from .listing import ListFilter as ListFilter
    from .listing import ListPage as ListPage
    from .listing import PageToken as PageToken
    from .media import FetchedRecording as FetchedRecording
    from .media import Recording as Recording
    from .media import RecordingKey as RecordingKey
    from .models import Conversation
    from .note import Note
    from .queues import ItemChange, ItemEvent, Queue, QueueItem

_REEXPORTED = {
    "CallHits": "hits",
    "SearchHit": "hits",
    "FetchedRecording": "media",
    "Recording": "media",
    "RecordingKey": "media",
    "ListedCall": "listed",
    "KeptListing": "listing",
    "ListFilter": "listing",
    "ListPage": "listing",
    "PageToken": "listing",
}


def __getattr__(name: str) -> object:
    module = _REEXPORTED.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"{__package__}.{module}"), name)


ConversationKey = tuple[str, str]  # (agent, conversation_id): one stored copy

#: What the call listing sorts by (each adapter maps them to its own ordering).
SORT_KEYS = (
    "started_at",
    "conversation_id",
    "channel",
    "duration",
    "turn_count",
    "handoff",
    "poly_score",
    "max_latency",
    "tags",
    "fetched_at",
    "note_count",
)

#: The names a listing's columns go by (the app's headers, `cache list`'s, common words), as
#: ``sort_key_named`` reads them: lower case, "(UTC)" and punctuation dropped.
SORT_NAMES = {
    "started": "started_at", "start": "started_at", "date": "started_at",
    "id": "conversation_id", "conversation": "conversation_id",
    "length": "duration", "turns": "turn_count", "score": "poly_score",
    "polyscore": "poly_score", "max_lat": "max_latency", "latency": "max_latency",
    "fetched": "fetched_at", "notes": "note_count", "✎": "note_count",
}  # fmt: skip


def sort_key_named(name: str) -> str | None:
    """The sort key a column is named by (``"Score"``, ``"max lat"``, ``poly_score``), or None:
    the names the app's and ``cache list``'s headers print, and the keys themselves."""
    words = name.lower().replace("(utc)", "").replace("-", " ").replace("_", " ").split()
    text = "_".join(words)
    if text in SORT_KEYS:
        return text
    return SORT_NAMES.get(text) or SORT_NAMES.get(text.replace("_", ""))


#: Where a search hit was found.
SEARCH_FIELDS = ("caller", "agent", "translation", "intent", "entity", "summary", "note")

#: Which side of a call a recording holds: both mixed, the caller only, the agent only.
Direction = Literal["combined", "user", "agent"]
DIRECTIONS: tuple[Direction, ...] = ("combined", "user", "agent")


@dataclass(frozen=True)
class Fetched:
    """A conversation as a source delivered it, with the body exactly as received."""

    conversation: Conversation
    raw: str
    correlation_id: str | None
    host: str


@dataclass(frozen=True)
class NewCall:
    """A call for ``CallCache.put_many``: ``put``'s arguments, and ``parsed``, what the caller
    already parsed ``raw`` into (the store then checks its conversationId instead of reading
    ``raw`` again)."""

    agent: str
    host: str
    raw: str | bytes
    conversation: Conversation
    fetched_at: datetime | None = None
    parsed: Any = None


class PreparedCall(Protocol):
    """A call a store worked out ahead of writing it (``polytui.stores.prepare_call``: its
    listing, search documents and packed text), in any process (it pickles); ``put_many``
    writes it as it is."""

    @property
    def agent(self) -> str: ...

    @property
    def conversation_id(self) -> str: ...


@dataclass(frozen=True, eq=False)
class StoredConversation:
    agent: str
    conversation_id: str
    host: str
    fetched_at: datetime  # aware, UTC
    in_progress: bool
    #: The exact JSON text received, a piece at a time (a new iterator each call); ValueError
    #: from the iterator when the kept copy is damaged.
    pieces: Callable[[], Iterator[str]]
    size: int  # bytes the store keeps for it: a long call is read a piece at a time

    @cached_property
    def raw(self) -> str:
        """The exact JSON text received ("" when the kept copy is damaged: ``conversation``
        and ``checked_raw`` say so)."""
        try:
            return "".join(self.pieces())
        except ValueError:
            return ""

    def conversation(self) -> Conversation:
        """The stored call, read; a copy that cannot be read any more (damaged on disk, or
        edited by hand) raises StoreError saying so, and how to get a good one."""
        from .errors import BadPayloadError
        from .jsontext import loads
        from .models import Conversation  # only for who reads a call, not for a listing

        try:
            return Conversation.from_data(loads(self.raw))
        except (ValueError, RecursionError):
            raise self._damaged("it is not valid JSON") from None
        except BadPayloadError:
            raise self._damaged("it is not a conversation with its three IDs") from None

    def checked_raw(self) -> str:
        """``raw``, checked to be the JSON of a conversation (not read into one): StoreError
        saying the copy is damaged otherwise, as ``conversation`` does."""
        from .jsontext import loads

        try:
            data = loads(self.raw)
        except (ValueError, RecursionError):
            raise self._damaged("it is not valid JSON") from None
        ids = ("conversationId", "accountId", "projectId")
        if not isinstance(data, dict) or not all(
            isinstance(data.get(key, data.get(_snake(key))), str) for key in ids
        ):
            raise self._damaged("it is not a conversation with its three IDs")
        return self.raw

    def _damaged(self, reason: str) -> Exception:
        from .errors import StoreError

        return StoreError(
            f"The stored copy of conversation {self.conversation_id} is damaged ({reason}); "
            "fetch it again with --refresh."
        )


def _snake(key: str) -> str:
    return "".join(f"_{char.lower()}" if char.isupper() else char for char in key)


@dataclass(frozen=True)
class ConversationRow:
    """One line of the stored-call browser and of ``polytui cache list``.

    Text columns (channel, tags, summary) are already single-line and sanitised."""

    agent: str
    conversation_id: str
    started_at: str | None
    channel: str | None
    duration: float | None
    turn_count: int
    handoff: bool | None
    poly_score: float | None
    tags: tuple[str, ...]
    summary: str
    fetched_at: datetime
    host: str
    in_progress: bool
    max_latency: float | None
    note_count: int
    started: datetime | None = None  # the start as an aware UTC time, when it could be read


@dataclass(frozen=True)
class ListingCursor:
    """Where a page of the listing ended, to read the next one from there (keyset paging).

    Made by the store for one order (``order_by``, ``descending``); ``value`` and ``id`` are
    the store's own (the last row's sort value and a tie-break): front ends only hand the
    cursor back."""

    order_by: str
    descending: bool
    value: object
    id: object


@dataclass(frozen=True)
class ListingPage:
    rows: list[ConversationRow]
    end: ListingCursor | None  # after the last row (None: an empty page at the start)


@runtime_checkable
class ConversationSource(Protocol):
    """Gets one call by its ID (PolyAI's get-by-ID)."""

    @property
    def host(self) -> str: ...

    async def get_conversation(self, conversation_id: str, agent: str | None = None) -> Fetched:
        """The call as the source has it now; raises a ``PolytuiError`` with one sentence."""
        ...

    async def aclose(self) -> None: ...


@runtime_checkable
class ConversationLister(Protocol):
    """Finds calls by filter (PolyAI's list endpoint), one page per request.

    A lister applies what it can of a ``ListFilter`` and names the rest in ``unapplied`` (the
    older Data API applies none); paging, de-duplication and the filters no API has are the
    caller's, through ``polytui.core.listing.ListingRun``. Following live calls is this same
    call repeated with ``in_progress=True``, then ``ConversationSource.get_conversation``."""

    @property
    def host(self) -> str: ...

    def unapplied(self, filters: ListFilter) -> tuple[str, ...]:
        """The names (``listing.API_FILTERS``) of ``filters`` this lister cannot apply, known
        before anything is asked (the front ends say so before the first page)."""
        ...

    async def list_page(
        self,
        filters: ListFilter,
        after: PageToken | None = None,
        *,
        agent: str | None = None,
        page_size: int = ...,  # the listing's DEFAULT_PAGE_SIZE
    ) -> ListPage:
        """The page after ``after`` (None: the first), asked with exactly ``filters`` and
        ``page_size`` whatever the page; raises a ``PolytuiError`` with one sentence."""
        ...

    async def aclose(self) -> None: ...


@runtime_checkable
class CallCache(Protocol):
    """The calls kept on this computer (or a team's server), as received."""

    def get(self, conversation_id: str, agent: str | None = None) -> StoredConversation | None: ...

    def put(
        self,
        agent: str,
        host: str,
        raw: str | bytes,
        conversation: Conversation,
        fetched_at: datetime | None = None,
    ) -> None: ...

    def put_many(self, calls: Sequence[NewCall | PreparedCall]) -> list[PolytuiError | None]:
        """Store each of ``calls`` as ``put`` would, all at once; what each came to, in order:
        None when kept, else the error that refused it (the others are kept all the same). A
        ``PreparedCall`` must come from this kind of store's ``prepare_call``."""
        ...

    def batch(self) -> AbstractContextManager[None]:
        """Writes made inside the block (by this thread) join one transaction, committed at
        its end: storing many calls costs one commit. A failed write is undone alone and
        raises as usual; a failed commit raises StoreError and undoes the whole batch."""
        ...

    def list(
        self,
        *,
        agent: str | None = None,
        order_by: str = "started_at",
        descending: bool = True,
        limit: int | None = None,
        offset: int = 0,
        text_filter: str | None = None,
    ) -> builtins.list[ConversationRow]:
        """Listing rows, ordered by one of ``SORT_KEYS`` (empty values last either way)."""
        ...

    def page(
        self,
        *,
        agent: str | None = None,
        order_by: str = "started_at",
        descending: bool = True,
        text_filter: str | None = None,
        after: ListingCursor | None = None,
        offset: int = 0,
        limit: int = 100,
    ) -> ListingPage:
        """Up to ``limit`` rows of the listing, starting ``offset`` rows past ``after`` (the
        ``end`` of an earlier page of the same order; None: the first row). The cost of a page
        does not grow with the number of calls stored when it follows ``after``."""
        ...

    def position(
        self,
        key: ConversationKey,
        *,
        agent: str | None = None,
        order_by: str = "started_at",
        descending: bool = True,
        text_filter: str | None = None,
    ) -> int | None:
        """The 0-based line of the call ``key`` in that listing; None when it is not listed."""
        ...

    def rows_for(self, keys: Sequence[ConversationKey]) -> builtins.list[ConversationRow]: ...

    def count(self, *, agent: str | None = None, text_filter: str | None = None) -> int: ...

    def search(
        self,
        query: str,
        *,
        limit: int = 20,
        agent: str | None = None,
        per_call: int = 3,
        cancelled: Callable[[], bool] | None = None,
    ) -> builtins.list[CallHits]:
        """The best ``limit`` calls for ``query`` in polytui's syntax (``polytui.core.search``;
        a query that is not that syntax is searched word for word), best first, each with its
        ``per_call`` best hits. The work is bounded by ``limit`` and ``per_call``, not by how
        many turns match; ``cancelled()`` turning true stops it (SearchCancelled)."""
        ...

    def search_call(
        self,
        query: str,
        agent: str,
        conversation_id: str,
        *,
        limit: int = 200,
        cancelled: Callable[[], bool] | None = None,
    ) -> builtins.list[SearchHit]:
        """Every hit of ``query`` in one call (the first ``limit``): the whole call's first,
        then by turn."""
        ...

    def query_problem(self, query: str) -> str | None:
        """Why ``query`` is not polytui's search syntax, in one plain sentence that names no
        backend (None when it is); ``search`` then matches its words as typed."""
        ...

    def delete(self, conversation_ids: Iterable[str], agent: str | None = None) -> int: ...

    def clear(self) -> int:
        """Remove every stored call (notes stay); how many were removed."""
        ...

    def prune(self, older_than: datetime, *, include_notes: bool = False) -> int: ...

    def close(self) -> None: ...


@runtime_checkable
class ReviewStore(Protocol):
    """Reviewers' notes on calls and turns."""

    def add_note(
        self,
        agent: str,
        conversation_id: str,
        turn: int | None,
        text: str,
        label: str | None = None,
    ) -> Note: ...

    def add_notes_once(
        self,
        agent: str,
        conversation_id: str,
        new: Sequence[tuple[int | None, str | None, str]],
    ) -> tuple[int, int]:
        """Add each (turn, label, text) not already on the call, all at once (two imports of
        one file at the same time add each note once); returns (added, already there)."""
        ...

    def update_note(self, note_id: int, *, text: str, label: str | None) -> Note: ...

    def delete_note(self, note_id: int) -> None: ...

    def notes_for(self, conversation_id: str, agent: str | None = None) -> list[Note]: ...

    def all_notes(self) -> list[Note]: ...


@runtime_checkable
class QueueStore(Protocol):
    """Review queues, shared by every reviewer who uses the store (``polytui.core.queues``
    holds the rules; a store applies them inside its own transactions).

    Made for several reviewers on one queue at once: ``claim_next`` picks and claims a call in
    one atomic step (two reviewers never get the same call), every change records the
    reviewer and the store's own time (one clock for everyone: a team store's, not each
    laptop's), and a change may name the revision it expects, so an edit made meanwhile by
    someone else is refused rather than overwritten. Queue names are compared by
    ``queues.name_key``. Unknown queue: NotFoundError; a refused change: UsageError."""

    def create_queue(
        self, name: str, calls: Sequence[ConversationKey], *, source: str, reviewer: str
    ) -> Queue:
        """A new queue of ``calls`` in that order (duplicates dropped), all pending; a name
        already taken, or no calls, is a UsageError."""
        ...

    def queues(self) -> builtins.list[Queue]:
        """Every queue, newest first, with its progress."""
        ...

    def get_queue(self, name: str) -> Queue | None: ...

    def queue_items(
        self, name: str, *, statuses: Sequence[str] | None = None
    ) -> builtins.list[QueueItem]:
        """The queue's items in order (only those with one of ``statuses`` when given)."""
        ...

    def change_item(
        self,
        name: str,
        key: ConversationKey,
        change: ItemChange,
        *,
        reviewer: str,
        expected_revision: int | None = None,
    ) -> QueueItem:
        """Apply ``change`` (``queues.apply_change``) and record it. With
        ``expected_revision``, a ConflictError when the item has changed since."""
        ...

    def claim_item(self, name: str, key: ConversationKey, *, reviewer: str) -> QueueItem:
        """Take the item into review when ``queues.claimable``; else it is returned as it is."""
        ...

    def claim_next(self, name: str, *, reviewer: str, after: int | None = None) -> QueueItem | None:
        """Atomically pick (``queues.pick_next``) and claim the call ``reviewer`` reviews
        next; None when none is left for them."""
        ...

    def item_history(self, name: str, key: ConversationKey) -> builtins.list[ItemEvent]:
        """Every change of one item, oldest first."""
        ...

    def delete_queue(self, name: str) -> int:
        """Remove a queue and its items (the calls and their notes stay); how many items."""
        ...

    def reviews_for(
        self, keys: Sequence[ConversationKey]
    ) -> dict[ConversationKey, builtins.list[QueueItem]]:
        """The items of these calls in every queue (calls in no queue are left out)."""
        ...


# -- recordings ------------------------------------------------------------------------------------


@runtime_checkable
class MediaSource(Protocol):
    """Fetches a call's recording (PolyAI's ``.../conversations/{id}/audio``)."""

    @property
    def host(self) -> str: ...

    async def fetch_recording(self, key: RecordingKey, target: Path) -> FetchedRecording:
        """Stream the recording ``key`` names into ``target``: written beside it first and
        moved over it only once whole and a readable WAV (a failure leaves any file there as it
        was). The folder is made, private to the user, when missing (and removed again when a
        failure leaves it empty). Raises a ``PolytuiError`` with one sentence (NotFoundError:
        no recording)."""
        ...

    async def aclose(self) -> None: ...


@runtime_checkable
class RecordingCache(Protocol):
    """The recordings kept on this computer, one file per ``RecordingKey``."""

    def path_for(self, key: RecordingKey) -> Path:
        """Where the recording ``key`` names is kept (the file, and its folder, may not exist
        yet): the target a ``MediaSource`` writes to."""
        ...

    def get(self, key: RecordingKey) -> Recording | None:
        """The kept recording, when there is a whole, readable one."""
        ...

    def count(
        self, *, older_than: datetime | None = None, conversation_ids: Iterable[str] | None = None
    ) -> int:
        """How many recordings are kept (fetched before ``older_than``; of those calls)."""
        ...

    def delete(self, conversation_ids: Iterable[str], agent: str | None = None) -> int:
        """Remove the recordings of these calls (of every agent when ``agent`` is None); how
        many files were removed."""
        ...

    def clear(self) -> int:
        """Remove every recording (and any download left half-way); how many were removed."""
        ...

    def prune(self, older_than: datetime) -> int:
        """Remove recordings fetched before ``older_than``; how many were removed."""


@runtime_checkable
class ListingStore(Protocol):
    """Listings kept to reopen offline, the filters last used, and which listed calls are
    stored. ``name`` says which listing or filter set ("find": the app's Find view); a team
    store keeps them per reviewer."""

    def keep_listing(self, listing: KeptListing) -> None:
        """Keep ``listing`` (its calls included) in place of any listing of the same name."""
        ...

    def extend_listing(
        self, name: str, calls: Sequence[ListedCall], following: PageToken | None
    ) -> None:
        """Add the next page's ``calls`` to the kept listing ``name`` and where it would go on
        (None: complete); nothing happens when no listing of that name is kept."""
        ...

    def kept_listing(self, name: str) -> KeptListing | None: ...

    def remember_filters(self, name: str, filters: ListFilter) -> None: ...

    def remembered_filters(self, name: str) -> ListFilter | None: ...

    def stored_among(self, keys: Sequence[ConversationKey]) -> builtins.set[ConversationKey]:
        """Those of ``keys`` whose call is stored."""
        ...
