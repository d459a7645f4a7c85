"""`polytui fetch`: store many conversations for offline review, concurrently."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Settings
from ..errors import (
    EXIT_API,
    EXIT_AUTH,
    EXIT_NOT_FOUND,
    EXIT_UNEXPECTED,
    EXIT_USAGE,
    AuthError,
    PolytuiError,
    UsageError,
)
from ..loader import Loader, unique_ids
from ..text import clean_line

DEFAULT_CONCURRENCY = 8
# When failures differ, the exit code is the most telling one: a bad key first.
_SEVERITY = (EXIT_AUTH, EXIT_API, EXIT_NOT_FOUND, EXIT_USAGE, EXIT_UNEXPECTED)


def register(add: Callable[[str, str], argparse.ArgumentParser]) -> None:
    fetch = add("fetch", "fetch conversations and keep them for offline review")
    fetch.add_argument("conversation_ids", nargs="*", metavar="ID", help="conversation IDs")
    fetch.add_argument(
        "--from-file",
        metavar="FILE",
        help="read IDs from FILE, one per line ('-' for standard input)",
    )
    fetch.add_argument(
        "-j",
        "--concurrency",
        type=int,
        default=DEFAULT_CONCURRENCY,
        metavar="N",
        help=f"requests at once (default {DEFAULT_CONCURRENCY})",
    )


@dataclass
class FetchReport:
    fetched: list[str] = field(default_factory=list)
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
        parts = [f"fetched {len(self.fetched)}"]
        if self.already:
            parts.append(f"already stored {len(self.already)}")
        if self.failed:
            parts.append(f"failed {len(self.failed)}")
        skipped = total - len(self.fetched) - len(self.already) - len(self.failed)
        if skipped > 0:
            parts.append(f"not tried {skipped}")
        return ", ".join(parts).capitalize() + f" (of {total})."


def read_ids(args: argparse.Namespace) -> list[str]:
    values: list[str] = list(args.conversation_ids)
    source = args.from_file
    if source == "-":
        values.extend(sys.stdin.read().splitlines())
    elif source:
        try:
            values.extend(Path(source).read_text(encoding="utf-8").splitlines())
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            raise UsageError(f"Cannot read IDs from {source}: {reason}.") from None
    ids = unique_ids(values)
    if not ids:
        raise UsageError(
            "No conversation IDs given: pass IDs, or --from-file FILE (or - for stdin)."
        )
    return ids


async def fetch_all(
    loader: Loader,
    ids: list[str],
    concurrency: int,
    progress: Callable[[str, str], None] | None = None,
) -> FetchReport:
    """Load every ID through the one policy (stored finished calls are not fetched again unless
    --refresh). A rejected key stops the batch: every other request would fail the same way."""
    report = FetchReport()
    queue: asyncio.Queue[str] = asyncio.Queue()
    for conversation_id in ids:
        queue.put_nowait(conversation_id)
    stop = asyncio.Event()

    async def worker() -> None:
        while not stop.is_set():
            try:
                conversation_id = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            outcome = "failed"
            try:
                loaded = await loader.load(conversation_id, allow_stale=False)
            except AuthError as exc:
                report.failed.append((conversation_id, exc))
                if not stop.is_set():
                    stop.set()
                    report.stopped = str(exc)
            except PolytuiError as exc:
                report.failed.append((conversation_id, exc))
            else:
                if loaded.source == "api":
                    report.fetched.append(conversation_id)
                    outcome = "fetched"
                else:
                    report.already.append(conversation_id)
                    outcome = "stored"
                if loaded.warning:
                    report.warnings.append(f"{conversation_id}: {loaded.warning}")
            if progress is not None:
                progress(conversation_id, outcome)

    workers = [asyncio.create_task(worker()) for _ in range(max(1, min(concurrency, len(ids))))]
    await asyncio.gather(*workers)
    return report


def run_fetch(args: argparse.Namespace, settings: Settings) -> int:
    if args.concurrency < 1 or args.concurrency > 64:
        raise UsageError("--concurrency must be between 1 and 64.")
    ids = read_ids(args)
    return asyncio.run(_run(ids, args.concurrency, settings))


async def _run(ids: list[str], concurrency: int, settings: Settings) -> int:
    show_bar = sys.stderr.isatty() and not settings.debug
    announce: Callable[[str], None] | None = None
    bar = None
    if show_bar:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        console = Console(stderr=True, highlight=False)
        bar = Progress(
            TextColumn("fetching"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )

        def announce(message: str) -> None:
            console.print(f"polytui: {message}", markup=False, highlight=False)

    async with Loader(settings, announce=announce) as loader:
        if bar is None:
            report = await fetch_all(loader, ids, concurrency)
        else:
            with bar:
                task = bar.add_task("fetch", total=len(ids))
                report = await fetch_all(
                    loader, ids, concurrency, progress=lambda _id, _outcome: bar.advance(task)
                )
    for conversation_id, error in report.failed:
        print(f"polytui: {clean_line(conversation_id)}: {error}", file=sys.stderr)
    for warning in report.warnings:
        print(f"polytui: {warning}", file=sys.stderr)
    if report.stopped:
        print("polytui: stopped early: the API refused the key.", file=sys.stderr)
    print(report.summary(len(ids)))
    return report.exit_code
