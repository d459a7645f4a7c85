"""The one policy for recordings, shared by the CLI and the app: kept or fetched.

- A recording kept on this computer (``RecordingCache``) is used as it is: a finished call's
  recording does not change, so it plays offline, on a train.
- One not kept is fetched through the media source (the loader's HTTP client) into the place
  the cache gives it, and kept there.
- ``refresh`` fetches again; a failure leaves the kept file exactly as it was.
- ``offline`` never touches the network: a recording not kept is "not found" (exit 3).

Which agent a call belongs to: the one asked for, else the configured one, else the agent of
the stored copy of the call.

Cache calls block: the CLI makes them in place, the app's workspace hands ``run`` (its store
thread) so that none runs on the event loop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from .core.errors import NotFoundError, UsageError
from .core.ids import validate_conversation_id
from .core.ports import Direction, Recording, RecordingCache, RecordingKey
from .core.text import clean_line

if TYPE_CHECKING:
    from .loader import Loader, StoreRunner

T = TypeVar("T")


async def _here(operation: Callable[[], T]) -> T:
    return operation()


class Recordings:
    """Recordings by the policy above, over ``cache`` and the loader's source and store."""

    def __init__(
        self,
        loader: Loader,
        cache: RecordingCache,
        *,
        run: StoreRunner | None = None,
    ) -> None:
        self.loader = loader
        self.cache = cache
        self._run: StoreRunner = run or _here

    def key(
        self,
        conversation_id: str,
        *,
        agent: str | None = None,
        direction: Direction = "combined",
        redacted: bool = False,
    ) -> RecordingKey:
        """The key of a call's recording; the agent found by the rule above (blocking: it may
        read the store). UsageError when no agent is known."""
        cid = validate_conversation_id(conversation_id)
        agent = agent or self.loader.settings.agent
        if not agent:
            stored = self.loader.stored(cid)
            agent = stored.agent if stored is not None else None
        if not agent:
            raise UsageError(
                f"Conversation {clean_line(cid)} is not stored; to fetch its recording, say "
                "which agent it belongs to with --agent or POLYAI_AGENT_ID."
            )
        return RecordingKey(agent, cid, direction, redacted)

    async def obtain(
        self, key: RecordingKey, *, refresh: bool | None = None, offline: bool | None = None
    ) -> tuple[Recording, bool]:
        """The recording, and whether it was fetched now (False: it was kept already)."""
        settings = self.loader.settings
        refresh = settings.refresh if refresh is None else refresh
        offline = settings.offline if offline is None else offline
        if not refresh or offline:
            kept = await self._run(lambda: self.cache.get(key))
            if kept is not None:
                return kept, False
        if offline:
            raise NotFoundError(
                f"{key.describe().capitalize()} of conversation {clean_line(key.conversation_id)} "
                "is not kept on this computer, and --offline keeps polytui off the network."
            )
        target = await self._run(lambda: self.cache.path_for(key))
        client = await self.loader.client()
        await client.fetch_recording(key, target)
        kept = await self._run(lambda: self.cache.get(key))
        if kept is None:  # removed, or damaged, between the download and now
            raise NotFoundError(
                f"{key.describe().capitalize()} was saved to {target} but is gone or damaged "
                "already; try again."
            )
        return kept, True
