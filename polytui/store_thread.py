"""The one thread a front end's store work runs on (``Workspace`` is one), off the event loop.

SQLite connections are happiest on the thread that uses them, and one thread keeps the calls
in the order they were made. A call that takes longer than ``patience`` seconds (another
process holds the database's write lock, say) sets ``waiting``, and ``waiting(True)`` /
``waiting(False)`` are called on the event loop as it starts and stops. A write, once asked
for, always runs to its end (success or the store's one-sentence error after its busy
timeout), even when whoever awaited it goes away.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from .core.errors import StoreError

T = TypeVar("T")

PATIENCE = 0.4  # seconds a store call may take before the app says it is waiting


class StoreThread:
    """``warn`` hears what went wrong in work run behind (``run_behind``); ``waiting`` hears
    when work has been slow for ``patience`` seconds, and when none is slow any more."""

    def __init__(
        self,
        *,
        warn: Callable[[str], None],
        waiting: Callable[[bool], None] | None = None,
        patience: float = PATIENCE,
    ) -> None:
        self._warn = warn
        self._waiting = waiting
        self.patience = patience
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="polytui-store")
        self._pending: set[asyncio.Future[Any]] = set()
        self._slow: set[asyncio.Future[Any]] = set()
        self._closed = False

    @property
    def waiting(self) -> bool:
        """Store work has been slow for ``patience`` seconds and is not over yet."""
        return bool(self._slow)

    async def settled(self) -> None:
        """Wait until every store call asked for so far (writes in the background too) ran."""
        while self._pending:
            await asyncio.wait(set(self._pending))

    def _submit(self, operation: Callable[[], T]) -> asyncio.Future[T]:
        if self._closed:
            raise StoreError("The store is closed.")
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._executor, operation)
        self._pending.add(future)
        timer = loop.call_later(self.patience, self._slow_started, future)

        def finished(done: asyncio.Future[T]) -> None:
            timer.cancel()
            self._pending.discard(done)
            if done in self._slow:
                self._slow.discard(done)
                if not self._slow and self._waiting is not None:
                    self._waiting(False)

        future.add_done_callback(finished)
        return future

    def _slow_started(self, future: asyncio.Future[Any]) -> None:
        if future.done():
            return
        self._slow.add(future)
        if len(self._slow) == 1 and self._waiting is not None:
            self._waiting(True)

    async def run(self, operation: Callable[[], T]) -> T:
        """``operation()`` on the store's thread. Cancelling the caller does not cancel it: a
        write asked for is never lost half-way (nor left unrun in the queue)."""
        return await asyncio.shield(self._submit(operation))

    def run_behind(self, operation: Callable[[], object], failure: str) -> None:
        """Queue ``operation`` without waiting for it; a StoreError is reported to ``warn`` as
        ``"<failure>: <error>"``."""
        future = self._submit(operation)

        def report(done: asyncio.Future[object]) -> None:
            if done.cancelled():
                return
            error = done.exception()
            if isinstance(error, StoreError):
                self._warn(f"{failure}: {error}")
            elif error is not None:
                self._warn(f"{failure}: {type(error).__name__}.")

        future.add_done_callback(report)

    def _shut_down(self) -> None:
        """No more work is taken; the thread ends once the work it has is done."""
        self._closed = True
        self._executor.shutdown(wait=False)
