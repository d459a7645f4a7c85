"""Where a front end gets its store: ``open_store(settings)`` opens the configured one (today the
SQLite store of ``polytui.adapters.sqlite``), typed as the ``CallCache``, ``ReviewStore``,
``QueueStore`` and ``ListingStore`` roles of ``polytui.core.ports``, and ``open_recordings(settings)`` the
recordings kept beside it, so that no front end imports an adapter.

Kept apart from ``polytui.workspace`` (which re-exports both names) so that a command that only
reads the store (``polytui cache list``) imports neither asyncio nor the loading policy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from .core.ports import (
    CallCache,
    ListingStore,
    NewCall,
    PreparedCall,
    QueueStore,
    RecordingCache,
    ReviewStore,
)

if TYPE_CHECKING:
    from .core.config import Settings


class LocalStore(CallCache, ReviewStore, QueueStore, ListingStore, Protocol):
    """What the front ends need of a store: every role, in one object."""


def open_store(settings: Settings, *, warn: Callable[[str], None] | None = None) -> LocalStore:
    """The configured store, opened now (blocking: for the CLI, not for an event loop).

    Raises StoreError with one sentence when it cannot be opened. Close it when done."""
    from .adapters.sqlite import Store

    return Store(
        settings.db_path,
        warn=warn,
        follow_link=settings.follow_store_symlink,
        say_waiting=True,
    )


def prepare_call(call: NewCall) -> PreparedCall:
    """What the configured store keeps of ``call``, worked out ahead of writing it, for its
    ``put_many``: in any process (it pickles), so that many calls are worked out on several
    cores while one process writes. UsageError or StoreError as ``put`` would raise them."""
    from datetime import UTC, datetime

    from .adapters.sqlite.writes import prepare_new

    return prepare_new(call, datetime.now(UTC))


def open_recordings(settings: Settings) -> RecordingCache:
    """The recordings kept on this computer (a folder beside the store, whichever store holds
    the calls: see ``polytui.core.ports``). Opening touches nothing on disk."""
    from .adapters.files import RecordingFolder

    return RecordingFolder(settings.recordings_path)
