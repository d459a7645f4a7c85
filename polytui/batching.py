"""Store work from many coroutines, many operations to a transaction: ``BatchedStoreRunner``.

``polytui fetch`` stores hundreds of calls a second from up to 64 requests at once. Storing
each in a transaction of its own, on the event loop, cost a commit per call and held up every
request while it ran. The runner is the loader's ``run_store``: each operation is queued and
awaited; one thread of its own takes whatever has queued up (at most ``size``), runs it all
inside one ``store.batch()`` and then answers each waiter with its own result or error. While
a batch runs, the next one queues, so batches grow with the rate of arrivals and nothing
waits for a timer. A write that fails fails alone; a commit that fails fails its whole batch
(each waiter gets the StoreError, and none of the batch is kept).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import deque
from collections.abc import Callable
from typing import Any, TypeVar

from .core.errors import StoreError
from .core.ports import CallCache

T = TypeVar("T")

BATCH_SIZE = 200  # operations per transaction at most

_Job = tuple[Callable[[], Any], asyncio.AbstractEventLoop, "asyncio.Future[Any]"]


class BatchedStoreRunner:
    """``await runner(operation)``: ``operation()`` run on the runner's thread inside a batch
    of ``store()``'s. ``close()`` (or ``async with``) stops the thread once the queue is
    empty."""

    def __init__(self, store: Callable[[], CallCache], *, size: int = BATCH_SIZE) -> None:
        self._store = store
        self._size = size
        self._jobs: deque[_Job] = deque()
        self._ready = threading.Condition()
        self._closing = False
        self._thread: threading.Thread | None = None

    async def __call__(self, operation: Callable[[], T]) -> T:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        with self._ready:
            if self._closing:
                raise StoreError("The store is closed.")
            self._jobs.append((operation, loop, future))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._work, name="polytui-store-batches", daemon=True
                )
                self._thread.start()
            self._ready.notify()
        return await future

    def close(self) -> None:
        """Let the queued operations run, then stop the thread (blocking)."""
        with self._ready:
            self._closing = True
            self._ready.notify()
            thread = self._thread
        if thread is not None:
            thread.join()

    async def __aenter__(self) -> BatchedStoreRunner:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await asyncio.to_thread(self.close)

    def _next_batch(self) -> list[_Job] | None:
        with self._ready:
            while not self._jobs and not self._closing:
                self._ready.wait()
            if not self._jobs:
                return None
            count = min(self._size, len(self._jobs))
            return [self._jobs.popleft() for _ in range(count)]

    def _work(self) -> None:
        while (batch := self._next_batch()) is not None:
            outcomes: list[tuple[bool, Any]] = []
            try:
                store = self._store()
                with store.batch():
                    for operation, _, _ in batch:
                        try:
                            outcomes.append((True, operation()))
                        except Exception as exc:  # noqa: BLE001 - handed to its waiter
                            outcomes.append((False, exc))
            except Exception as exc:  # noqa: BLE001 - opening or committing the batch failed
                outcomes = [(False, exc)] * len(batch)
            for (_, loop, future), (ok, value) in zip(batch, outcomes, strict=True):
                with contextlib.suppress(RuntimeError):  # its event loop is gone: nobody waits
                    loop.call_soon_threadsafe(_settle, future, ok, value)


def _settle(future: asyncio.Future[Any], ok: bool, value: Any) -> None:
    if future.done():  # its waiter was cancelled: the work was done all the same
        return
    if ok:
        future.set_result(value)
    else:
        future.set_exception(value)
