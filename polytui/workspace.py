"""The application service between the front ends and the adapters: one ``Workspace`` per app.

It owns the call cache and review store (today the SQLite ``Store``, typed as the
``CallCache`` / ``ReviewStore`` roles of ``polytui.core.ports``) and the conversation source
(through ``Loader``, whose cache-or-network policy it keeps), and offers the app what it does
as ``async`` methods: open a call, list the stored ones, delete, notes, export.

Every store call runs on one thread of the workspace's own, never on the event loop
(``polytui.store_thread.StoreThread``, which it is): a call that takes longer than
``patience`` seconds (another process holds the database's write lock, say) sets ``waiting``,
and the app says "waiting for the store…" and carries on answering keys. A write, once asked
for, always runs to its end, even when whoever awaited it goes away.

``open_store(settings)`` (from ``polytui.stores``) opens the same store for a front end that
runs no event loop (the CLI), so that no front end needs to import ``polytui.adapters``.
"""

from __future__ import annotations

import asyncio
import functools
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .core.errors import PolytuiError
from .core.ports import (
    CallHits,
    ConversationKey,
    ConversationRow,
    ListingCursor,
    ListingPage,
    RecordingCache,
    SearchHit,
)
from .loader import Loaded, Loader
from .store_thread import PATIENCE, StoreThread
from .stores import LocalStore, open_recordings, open_store

__all__ = ["LocalStore", "OpenedCall", "Workspace", "open_recordings", "open_store"]

if TYPE_CHECKING:
    from .adapters.audio.device import Sound
    from .core.config import Settings
    from .core.models import Conversation
    from .core.note import Note
    from .core.ports import Direction, Recording
    from .core.queues import ItemChange, Queue, QueueItem
    from .export.common import ExportContext
    from .finding import Finder
    from .recordings import Recordings


@dataclass(frozen=True)
class OpenedCall:
    """A call to show, with the reviewers' notes on it read alongside (``notes_error``: why
    they could not be, the call still shows)."""

    loaded: Loaded
    notes: tuple[Note, ...] = ()
    notes_error: PolytuiError | None = None


def _warn_on_stderr(message: str) -> None:
    print(f"polytui: {message}", file=sys.stderr)


class Workspace(StoreThread):
    """``Workspace(settings)``, or around a ``Loader`` of the caller's (tests inject one).

    ``warn`` hears what went wrong in the background (a fetched call that could not be kept);
    ``waiting(True)`` is called when store work has been slow for ``patience`` seconds and
    ``waiting(False)`` when none is slow any more. Both are called on the event loop."""

    def __init__(
        self,
        settings: Settings,
        *,
        loader: Loader | None = None,
        announce: Callable[[str], None] | None = None,
        warn: Callable[[str], None] | None = None,
        waiting: Callable[[bool], None] | None = None,
        patience: float = PATIENCE,
        recordings: RecordingCache | None = None,
    ) -> None:
        super().__init__(warn=warn or _warn_on_stderr, waiting=waiting, patience=patience)
        self.loader = loader or Loader(settings, announce=announce, warn=warn)
        self._recordings = recordings
        self._recording_policy: Recordings | None = None
        self.loader.run_store = self.run
        self.loader.store_behind = self.run_behind

    # -- settings and resources ---------------------------------------------------------------

    @property
    def settings(self) -> Settings:
        return self.loader.settings

    @settings.setter
    def settings(self, settings: Settings) -> None:
        self.loader.settings = settings

    @property
    def store(self) -> LocalStore:
        """The store itself, opened on first use. Blocking: use it only inside ``run``."""
        return self.loader.store

    @property
    def recordings(self) -> RecordingCache:
        """The recordings kept on this computer. Blocking: use it only inside ``run``."""
        if self._recordings is None:
            self._recordings = open_recordings(self.settings)
        return self._recordings

    @functools.cached_property
    def finder(self) -> Finder:
        """Finding calls through the API (the Find view), through this workspace."""
        from .finding import Finder

        return Finder(self)

    async def aclose(self) -> None:
        """Let pending writes finish, close the HTTP client, then the store (on its thread)."""
        if self._closed:
            return
        await self.settled()
        await self.loader.aclose()
        try:
            await self.run(self.loader.close_store)
        finally:
            self._shut_down()

    # -- calls ---------------------------------------------------------------------------------

    async def read_on(self, conversation: Conversation, turns: int) -> bool:
        """Read about ``turns`` more turns of a long call opened as it is shown, on the
        store's thread (the thread that read its first turns: their memory is reused, not a
        new thread's heap begun); True once all are read."""
        long = conversation.long_turns
        if long is None:
            return True
        return await self.run(lambda: long.advance(turns))

    async def stored_copy(
        self, conversation_id: str, *, agent: str | None = None
    ) -> OpenedCall | None:
        """The call from the store, with its notes, when the loading policy says the store
        suffices (a finished call, no refresh); None when the network is needed, and when this
        fails (``open`` meets the same problem and says it in one sentence)."""

        def read() -> OpenedCall | None:
            try:
                loaded = self.loader.load_local(conversation_id, agent=agent, stream=True)
            except Exception:  # reported by ``open``, which the caller runs instead
                return None
            return None if loaded is None else self._with_notes(loaded)

        return await self.run(read)

    async def open(
        self,
        conversation_id: str,
        *,
        agent: str | None = None,
        refresh: bool | None = None,
        allow_stale: bool = True,
    ) -> OpenedCall:
        """The call by the loading policy (store or network), with its notes. A fetched call is
        kept in the background: it shows without waiting for the store."""
        # Notes first: a fetched call's copy is queued behind them, so they never wait for it.
        notes: Sequence[Note] = ()
        notes_error: PolytuiError | None = None
        try:
            notes = await self.run(lambda: self.store.notes_for(conversation_id))
        except PolytuiError as exc:
            notes_error = exc
        loaded = await self.loader.load(
            conversation_id, agent=agent, refresh=refresh, allow_stale=allow_stale, stream=True
        )
        mine = tuple(note for note in notes if note.agent == loaded.agent)
        return OpenedCall(loaded, mine, notes_error)

    def _with_notes(self, loaded: Loaded) -> OpenedCall:
        try:
            notes = self.store.notes_for(loaded.conversation_id, loaded.agent)
        except PolytuiError as exc:
            return OpenedCall(loaded, (), exc)
        return OpenedCall(loaded, tuple(notes))

    # -- the stored-call browser ------------------------------------------------------------------

    async def page(
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
        return await self.run(
            lambda: self.store.page(
                agent=agent,
                order_by=order_by,
                descending=descending,
                text_filter=text_filter,
                after=after,
                offset=offset,
                limit=limit,
            )
        )

    async def position(
        self,
        key: ConversationKey,
        *,
        agent: str | None = None,
        order_by: str = "started_at",
        descending: bool = True,
        text_filter: str | None = None,
    ) -> int | None:
        return await self.run(
            lambda: self.store.position(
                key,
                agent=agent,
                order_by=order_by,
                descending=descending,
                text_filter=text_filter,
            )
        )

    async def rows_for(self, keys: Sequence[ConversationKey]) -> list[ConversationRow]:
        wanted = list(keys)
        return await self.run(lambda: self.store.rows_for(wanted))

    async def count(self, *, agent: str | None = None, text_filter: str | None = None) -> int:
        return await self.run(lambda: self.store.count(agent=agent, text_filter=text_filter))

    async def delete(self, conversation_ids: Iterable[str], *, agent: str | None = None) -> int:
        """Remove the stored copies and their recordings (notes stay); how many copies went."""
        ids = list(conversation_ids)

        def remove() -> int:
            removed = self.store.delete(ids, agent)
            self.recordings.delete(ids, agent)
            return removed

        return await self.run(remove)

    async def search(
        self,
        query: str,
        *,
        limit: int = 20,
        per_call: int = 3,
        cancelled: Callable[[], bool] | None = None,
    ) -> tuple[list[CallHits], str | None]:
        """The best calls for ``query`` with their best hits, and why the query is not search
        syntax (None when it is). ``cancelled()`` turning true frees the store's thread soon
        (SearchCancelled): awaiting callers that go away should set it."""

        def find() -> tuple[list[CallHits], str | None]:
            problem = self.store.query_problem(query)
            found = self.store.search(query, limit=limit, per_call=per_call, cancelled=cancelled)
            return found, problem

        return await self.run(find)

    async def search_call(
        self,
        query: str,
        agent: str,
        conversation_id: str,
        *,
        limit: int = 200,
        cancelled: Callable[[], bool] | None = None,
    ) -> list[SearchHit]:
        """Every hit of ``query`` in one call (the first ``limit``), in turn order."""
        return await self.run(
            lambda: self.store.search_call(
                query, agent, conversation_id, limit=limit, cancelled=cancelled
            )
        )

    # -- notes ---------------------------------------------------------------------------------

    async def notes_for(self, conversation_id: str, agent: str | None = None) -> list[Note]:
        return await self.run(lambda: self.store.notes_for(conversation_id, agent))

    async def add_note(
        self,
        agent: str,
        conversation_id: str,
        turn: int | None,
        text: str,
        label: str | None = None,
    ) -> Note:
        return await self.run(
            lambda: self.store.add_note(agent, conversation_id, turn, text, label)
        )

    async def update_note(self, note_id: int, *, text: str, label: str | None) -> Note:
        return await self.run(lambda: self.store.update_note(note_id, text=text, label=label))

    async def delete_note(self, note_id: int) -> None:
        await self.run(lambda: self.store.delete_note(note_id))

    # -- recordings ------------------------------------------------------------------------------

    async def recording(
        self,
        conversation_id: str,
        *,
        agent: str | None = None,
        direction: Direction = "combined",
        redacted: bool = False,
    ) -> tuple[Recording, bool]:
        """A call's recording, kept or fetched (``polytui.recordings``), and whether it was
        fetched now. The cache is read on the store's thread; the download streams to disk."""
        if self._recording_policy is None:
            from .recordings import Recordings

            self._recording_policy = Recordings(self.loader, self.recordings, run=self.run)
        policy = self._recording_policy
        key = await self.run(
            lambda: policy.key(conversation_id, agent=agent, direction=direction, redacted=redacted)
        )
        return await policy.obtain(key)

    @staticmethod
    async def sound(path: Path) -> Sound:
        """The recording at ``path`` decoded for playing, on a thread of its own."""
        from .playback import load

        return await asyncio.to_thread(load, path)

    @staticmethod
    async def peaks(path: Path, buckets: int) -> tuple[float, ...]:
        """The loudness of ``buckets`` slices of the recording at ``path`` (``core.wav.peaks``),
        worked out once per file and size on a thread of its own."""
        return await asyncio.to_thread(_peaks, path, buckets)

    async def export_recording(self, loaded: Loaded, path: Path) -> Path:
        """Copy the call's recording (kept or fetched now) to ``path``, private to the user and
        atomic; the absolute path written."""
        from .files import copy_private

        recording, _ = await self.recording(loaded.conversation_id, agent=loaded.agent)
        store = self.settings.db_path
        return await asyncio.to_thread(copy_private, recording.path, path, store=store)

    # -- review queues (the reviewer is the settings') ------------------------------------------

    async def queues(self) -> list[Queue]:
        return await self.run(self.store.queues)

    async def queue_items(self, name: str) -> list[QueueItem]:
        return await self.run(lambda: self.store.queue_items(name))

    async def create_queue(
        self, name: str, calls: Sequence[ConversationKey], *, source: str
    ) -> Queue:
        wanted, reviewer = list(calls), self.settings.reviewer
        return await self.run(
            lambda: self.store.create_queue(name, wanted, source=source, reviewer=reviewer)
        )

    async def change_item(
        self,
        name: str,
        key: ConversationKey,
        change: ItemChange,
        *,
        expected_revision: int | None = None,
    ) -> QueueItem:
        reviewer = self.settings.reviewer
        return await self.run(
            lambda: self.store.change_item(
                name, key, change, reviewer=reviewer, expected_revision=expected_revision
            )
        )

    async def claim_item(self, name: str, key: ConversationKey) -> QueueItem:
        reviewer = self.settings.reviewer
        return await self.run(lambda: self.store.claim_item(name, key, reviewer=reviewer))

    async def claim_next(self, name: str, *, after: int | None = None) -> QueueItem | None:
        reviewer = self.settings.reviewer
        return await self.run(lambda: self.store.claim_next(name, reviewer=reviewer, after=after))

    # -- export ----------------------------------------------------------------------------------

    async def export_context(self, loaded: Loaded) -> ExportContext:
        """What an export of ``loaded`` says beside the call: its notes and review-queue items
        as stored now, where and when it came from, the configured latency bands and the
        Studio link."""
        from .export import context_for

        key = (loaded.agent, loaded.conversation_id)

        def read() -> ExportContext:
            notes = self.store.notes_for(loaded.conversation_id, loaded.agent)
            reviews = self.store.reviews_for([key]).get(key, [])
            # A long call's JSON is read again here, off the event loop.
            return context_for(loaded, self.settings, notes, reviews)

        return await self.run(read)

    async def export(self, loaded: Loaded, fmt: str, path: Path) -> Path:
        """Write ``loaded`` as ``fmt`` to ``path`` (private to the user, atomic); the rendering
        and the file run off the event loop too. Returns the absolute path written."""
        from .export import render
        from .files import write_private

        context = await self.export_context(loaded)
        conversation = loaded.conversation

        def rendered() -> str:
            call = conversation
            if call.reading:  # a long call not all read yet: the export reads it whole
                from .core.models import Conversation

                call = Conversation.from_json_bytes(loaded.raw)
            return render(call, fmt, context)

        text = await asyncio.to_thread(rendered)
        return await asyncio.to_thread(write_private, path, text)


@functools.lru_cache(maxsize=32)
def _cached_peaks(path: Path, size: int, mtime: float, buckets: int) -> tuple[float, ...]:
    from .core.wav import peaks

    return peaks(path, buckets)


def _peaks(path: Path, buckets: int) -> tuple[float, ...]:
    st = path.stat()
    return _cached_peaks(path, st.st_size, st.st_mtime, buckets)
