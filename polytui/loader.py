"""The one loading policy, shared by the CLI and the app.

- A finished conversation is read from the store when present.
- An in-progress or missing one is fetched (and stored on success).
- ``refresh`` forces the network; on failure the stored copy is left untouched.
- ``offline`` never touches the network: a call that is not stored is "not found" (exit 3).
- When the network fails and a stored copy exists, the stored copy is returned marked stale
  (with the reason) unless the caller asked for ``allow_stale=False``.

The HTTP client (and so httpx) is imported only when the network is actually needed, so
``polytui show`` of a stored call stays fast.

Store calls block. On its own (the CLI) the loader makes them in place; the app's workspace
(``polytui.workspace``) hands it ``run_store``, which runs them on the store's own thread, and
``store_behind``, which keeps a fetched call in the background (the call shows at once; a
failure to keep it is reported by the workspace).
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal, Protocol, TypeVar

from .core.errors import (
    AuthError,
    NotFoundError,
    PolytuiError,
    StoreError,
    UsageError,
)
from .core.ids import validate_conversation_id

if TYPE_CHECKING:
    import asyncio

    from .adapters.http.client import ApiClient
    from .adapters.sqlite import Store, StoredConversation
    from .core.config import Settings
    from .core.models import Conversation
    from .core.ports import ConversationLister

Source = Literal["store", "api", "stale"]
T = TypeVar("T")


class StoreRunner(Protocol):
    """Runs a blocking store operation somewhere else and awaits its result."""

    def __call__(self, operation: Callable[[], T], /) -> Awaitable[T]: ...


#: ``store_behind(operation, failure)``: run ``operation`` later; if it raises StoreError,
#: report ``f"{failure}: {error}"``.
StoreBehind = Callable[[Callable[[], object], str], None]


#: A stored call kept in more bytes than this is read as it is shown when the caller asks for
#: it (``stream``): its turns a block at a time (``polytui.core.long_call``).
LONG_CALL_BYTES = 1 << 20


@dataclass(frozen=True)
class Loaded:
    conversation: Conversation
    text: str | Callable[[], str]  # the JSON as received, or what reads it (a long call)
    agent: str
    host: str
    source: Source
    fetched_at: datetime
    warning: str | None = None
    store_error: StoreError | None = None  # fetched, but the store could not keep it

    @property
    def conversation_id(self) -> str:
        return self.conversation.conversation_id

    @property
    def raw(self) -> str:
        """The JSON text as received (of a long call read as shown, read again: off the event
        loop)."""
        return self.text if isinstance(self.text, str) else self.text()


def describe_age(when: datetime, now: datetime | None = None) -> str:
    """'fetched 2026-11-25 14:03 UTC (3 h ago)' style wording for offline copies."""
    now = now or datetime.now(UTC)
    seconds = max(0, int((now - when).total_seconds()))
    if seconds < 90:
        ago = "just now"
    elif seconds < 90 * 60:
        ago = f"{seconds // 60} min ago"
    elif seconds < 36 * 3600:
        ago = f"{seconds // 3600} h ago"
    else:
        ago = f"{seconds // 86400} days ago"
    return f"{when.astimezone(UTC):%Y-%m-%d %H:%M} UTC ({ago})"


class Loader:
    """Decides cache or network for each load. Use as an async context manager so the HTTP
    client (created on first need) is closed."""

    def __init__(
        self,
        settings: Settings,
        *,
        store: Store | None = None,
        client_factory: Callable[[Settings], ApiClient] | None = None,
        announce: Callable[[str], None] | None = None,
        warn: Callable[[str], None] | None = None,
        run_store: StoreRunner | None = None,
        store_behind: StoreBehind | None = None,
    ) -> None:
        self.settings = settings
        self._warn = warn
        self._store = store
        self._store_lock = threading.Lock()  # the store is opened once, whichever thread asks
        self.run_store = run_store
        self.store_behind = store_behind
        self._client_factory = client_factory
        self._announce = announce
        self._client: ApiClient | None = None
        self._client_lock: asyncio.Lock | None = None
        self._retired: list[ApiClient] = []  # made for settings no longer in force

    # -- resources ----------------------------------------------------------------------------

    @property
    def store(self) -> Store:
        with self._store_lock:
            if self._store is None:
                from .adapters.sqlite import Store

                self._store = Store(
                    self.settings.db_path,
                    warn=self._warn,
                    follow_link=self.settings.follow_store_symlink,
                    say_waiting=self.run_store is None,  # the app says it in its own way
                )
            return self._store

    async def _in_store(self, operation: Callable[[], T]) -> T:
        """``operation()`` through ``run_store`` when there is one, else here and now."""
        if self.run_store is None:
            return operation()
        return await self.run_store(operation)

    async def client(self) -> ApiClient:
        import asyncio

        if self._client_lock is None:
            self._client_lock = asyncio.Lock()
        async with self._client_lock:
            if self._client is not None and self._client.settings != self.settings:
                # The app changed the agent, region or account: a client for them. The old one
                # may still be answering a request; it is closed with the loader.
                self._retired.append(self._client)
                self._client = None
            if self._client is None:
                if self._client_factory is not None:
                    self._client = self._client_factory(self.settings)
                else:
                    from .adapters.http.client import ApiClient

                    self._client = ApiClient(self.settings, announce=self._announce)
            return self._client

    async def lister(self) -> ConversationLister:
        """What lists calls by filter: the API client (it plays ``ConversationLister``)."""
        return await self.client()

    async def aclose(self) -> None:
        clients, self._retired = self._retired, []
        if self._client is not None:
            clients.append(self._client)
            self._client = None
        for client in clients:
            await client.aclose()

    def close_store(self) -> None:
        with self._store_lock:
            store, self._store = self._store, None
        if store is not None:
            store.close()

    async def __aenter__(self) -> Loader:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # -- policy -------------------------------------------------------------------------------

    def stored(self, conversation_id: str, agent: str | None = None) -> StoredConversation | None:
        return self.store.get(conversation_id, agent)

    def load_local(
        self,
        conversation_id: str,
        *,
        agent: str | None = None,
        refresh: bool | None = None,
        offline: bool | None = None,
        stream: bool = False,
    ) -> Loaded | None:
        """The policy's answer when the store suffices (no network, no asyncio): the stored copy,
        or NotFoundError under --offline; None when the network is needed. With ``stream``, a
        long call comes with its first turns read and the rest to read
        (``Conversation.long_turns``)."""
        local, stored = self._consult(conversation_id, agent, refresh, offline)
        return None if local is None else _from_stored(local, "store", stream=stream)

    def local_copy(
        self, conversation_id: str, *, agent: str | None = None
    ) -> StoredConversation | None:
        """The stored copy, unread, when the policy says the store suffices (as
        ``load_local``, without parsing the call: for giving its JSON back as stored)."""
        return self._consult(conversation_id, agent, None, None)[0]

    def _consult(
        self,
        conversation_id: str,
        agent: str | None,
        refresh: bool | None,
        offline: bool | None,
    ) -> tuple[StoredConversation | None, StoredConversation | None]:
        """The stored copy to use (None: the network is needed) and the one looked at (one
        store read); NotFoundError under --offline when nothing is stored."""
        conversation_id = validate_conversation_id(conversation_id)
        agent = agent or self.settings.agent
        refresh = self.settings.refresh if refresh is None else refresh
        offline = self.settings.offline if offline is None else offline
        stored = self.stored(conversation_id, agent)
        if offline:
            if stored is None:
                raise NotFoundError(
                    f"Conversation {conversation_id} is not stored, and --offline keeps "
                    "polytui off the network."
                )
            return stored, stored
        if stored is not None and not refresh and not stored.in_progress:
            return stored, stored
        return None, stored

    async def load(
        self,
        conversation_id: str,
        *,
        agent: str | None = None,
        refresh: bool | None = None,
        offline: bool | None = None,
        allow_stale: bool = True,
        stream: bool = False,
    ) -> Loaded:
        """The call by the policy; ``stream`` as ``load_local``."""
        local, stored = await self._in_store(
            lambda: self._consult(conversation_id, agent, refresh, offline)
        )
        if local is not None:
            return await self._in_store(lambda: _from_stored(local, "store", stream=stream))
        conversation_id = validate_conversation_id(conversation_id)
        agent = agent or self.settings.agent
        fetch_agent = agent or (stored.agent if stored is not None else None)
        if not fetch_agent:
            raise UsageError(
                f"Conversation {conversation_id} is not stored; to fetch it, say which agent it "
                "belongs to with --agent or POLYAI_AGENT_ID."
            )
        try:
            return await self._fetch_and_store(conversation_id, fetch_agent)
        except AuthError as exc:
            # No usable key on this machine (nothing was sent): a stored copy is still worth
            # reading. A key the API refused (401/403) is reported, not worked around.
            if exc.status is not None or stored is None or not allow_stale:
                raise
            warning = (
                f"{exc.message.rstrip('.')}; showing the stored copy fetched "
                f"{describe_age(stored.fetched_at)}."
            )
            return _from_stored(stored, "stale", warning=warning)
        except (NotFoundError, UsageError):
            raise
        except PolytuiError as exc:
            if stored is None or not allow_stale or isinstance(exc, StoreError):
                raise
            warning = (
                f"Could not reach the API ({exc.message.rstrip('.')}); showing the offline copy "
                f"fetched {describe_age(stored.fetched_at)}."
            )
            return _from_stored(stored, "stale", warning=warning)

    async def _fetch_and_store(self, conversation_id: str, agent: str) -> Loaded:
        client = await self.client()
        fetched = await client.get_conversation(conversation_id, agent)
        now = datetime.now(UTC)

        def keep() -> None:  # the store is reached where the operation runs
            self.store.put(agent, fetched.host, fetched.raw, fetched.conversation, fetched_at=now)

        warning, store_error = None, None
        if self.store_behind is not None:
            self.store_behind(keep, "Fetched, but could not keep it for offline review")
        else:
            try:
                await self._in_store(keep)
            except StoreError as exc:
                warning = f"Fetched, but could not keep it for offline review: {exc}"
                store_error = exc
        return Loaded(
            conversation=fetched.conversation,
            text=fetched.raw,
            agent=agent,
            host=fetched.host,
            source="api",
            fetched_at=now,
            warning=warning,
            store_error=store_error,
        )


def _from_stored(
    stored: StoredConversation, source: Source, warning: str | None = None, stream: bool = False
) -> Loaded:
    if stream and stored.size > LONG_CALL_BYTES:
        from .core.long_call import stream_or_none
        from .core.models import Conversation

        opened = stream_or_none(stored.pieces)
        if opened is not None:  # else read whole, as any other
            head, turns = opened

            def whole() -> str:
                return stored.raw

            return Loaded(
                conversation=Conversation.streamed(head, turns, whole),
                text=whole,
                agent=stored.agent,
                host=stored.host,
                source=source,
                fetched_at=stored.fetched_at,
                warning=warning,
            )
    return Loaded(
        conversation=stored.conversation(),
        text=stored.raw,
        agent=stored.agent,
        host=stored.host,
        source=source,
        fetched_at=stored.fetched_at,
        warning=warning,
    )


def unique_ids(values: Iterable[str]) -> list[str]:
    """IDs in first-seen order, blanks and comment lines (# ...) dropped, duplicates removed."""
    seen: dict[str, None] = {}
    for value in values:
        text = value.strip()
        if text and not text.startswith("#"):
            seen.setdefault(text, None)
    return list(seen)
