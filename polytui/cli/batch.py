"""Running one action over many conversations (`fetch`, `export`): a pool of workers, a progress
bar on a terminal, failures listed one per line, a summary and the most telling exit code."""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from polytui.core.config import Settings
from polytui.core.errors import (
    EXIT_API,
    EXIT_AUTH,
    EXIT_NOT_FOUND,
    EXIT_UNEXPECTED,
    EXIT_USAGE,
    AuthError,
    PolytuiError,
)
from polytui.core.text import clean_short

# When failures differ, the exit code is the most telling one: a bad key first.
_SEVERITY = (EXIT_AUTH, EXIT_API, EXIT_NOT_FOUND, EXIT_USAGE, EXIT_UNEXPECTED)

Item = TypeVar("Item")


@dataclass
class BatchReport:
    """Outcome of a batch. ``done`` and ``already`` hold IDs; ``verb`` names what was done."""

    verb: str = "fetched"
    done: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    failed: list[tuple[str, PolytuiError]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    stopped: str | None = None

    @property
    def exit_code(self) -> int:
        codes = {error.exit_code for _, error in self.failed}
        for code in _SEVERITY:
            if code in codes:
                return code
        return 0

    def summary(self, total: int) -> str:
        parts = [f"{self.verb} {len(self.done)}"]
        if self.already:
            parts.append(f"already stored {len(self.already)}")
        if self.failed:
            parts.append(f"failed {len(self.failed)}")
        skipped = total - len(self.done) - len(self.already) - len(self.failed)
        if skipped > 0:
            parts.append(f"not tried {skipped}")
        return ", ".join(parts).capitalize() + f" (of {total})"

    def print_problems(self) -> None:
        """Failures and warnings on stderr, one line each."""
        for conversation_id, error in self.failed:
            print(f"polytui: {clean_short(conversation_id, 100)}: {error}", file=sys.stderr)
        for warning in self.warnings:
            print(f"polytui: {warning}", file=sys.stderr)
        if self.stopped:
            print("polytui: stopped early: the API refused the key.", file=sys.stderr)


class Batch(Generic[Item]):
    """``await Batch(...).run(items)``: ``handle(item)`` on ``concurrency`` workers. A
    PolytuiError fails that item; an AuthError also stops the batch, since every other request
    would be refused the same way. ``key(item)`` names an item in the report."""

    def __init__(
        self,
        report: BatchReport,
        handle: Callable[[Item], Awaitable[None]],
        key: Callable[[Item], str],
        *,
        concurrency: int,
        advance: Callable[[], None] = lambda: None,
    ) -> None:
        self.report = report
        self.handle = handle
        self.key = key
        self.concurrency = concurrency
        self.advance = advance

    async def run(self, items: Sequence[Item]) -> BatchReport:
        import asyncio

        queue: asyncio.Queue[Item] = asyncio.Queue()
        for item in items:
            queue.put_nowait(item)
        stop = asyncio.Event()

        async def worker() -> None:
            while not stop.is_set():
                try:
                    item = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                try:
                    await self.handle(item)
                except AuthError as exc:
                    self.report.failed.append((self.key(item), exc))
                    if not stop.is_set():
                        stop.set()
                        self.report.stopped = str(exc)
                except PolytuiError as exc:
                    self.report.failed.append((self.key(item), exc))
                self.advance()

        workers = max(1, min(self.concurrency, len(items)))
        await asyncio.gather(*(worker() for _ in range(workers)))
        return self.report


def progress_bar(
    label: str, total: int, settings: Settings
) -> tuple[AbstractContextManager[Any], Callable[[], None], Callable[[str], None] | None]:
    """(context, advance, announce): a Rich progress bar on stderr when it is a terminal and
    --debug is off; otherwise nothing, and Rich is not even imported. ``announce`` prints
    retry notices above the bar (None: the client's default, plain stderr)."""
    if not sys.stderr.isatty() or settings.debug:
        return nullcontext(), lambda: None, None
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True, highlight=False)
    bar = Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    task = bar.add_task(label, total=total)

    def announce(message: str) -> None:
        console.print(f"polytui: {message}", markup=False, highlight=False)

    return bar, lambda: bar.advance(task), announce
