"""`polytui fetch`: store many conversations for offline review, concurrently: the IDs (or
Studio links) given, or with ``--list`` every call a listing selects (the filters of
``polytui list``)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TextIO

from polytui.core.config import Settings
from polytui.core.errors import UsageError
from polytui.core.text import clean_line

from .batch import Batch, BatchReport, progress_bar
from .filters import add_filter_options
from .inputs import read_bounded
from .targets import targets

DEFAULT_CONCURRENCY = 16  # requests at once: the HTTP client's connection pool holds 16
MAX_ID_FILE_BYTES = 16 << 20  # 16 MiB: some 200,000 IDs
MAX_IDS = 100_000


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
    fetch.add_argument(
        "--list",
        action="store_true",
        help="fetch every call the filters below select (as `polytui list` lists them)",
    )
    add_filter_options(fetch)


def read_ids(args: argparse.Namespace) -> list[str]:
    values: list[str] = list(args.conversation_ids)
    source = args.from_file
    if source:
        data = read_bounded(source, limit=MAX_ID_FILE_BYTES, what="IDs")
        try:
            values.extend(data.decode("utf-8-sig").splitlines())  # a byte-order mark is no ID
        except UnicodeDecodeError:
            shown = "standard input" if source == "-" else source
            raise UsageError(f"Cannot read IDs from {shown}: it is not UTF-8 text.") from None
    if len(values) > MAX_IDS:
        raise UsageError(f"{len(values):,} IDs given; polytui fetches at most {MAX_IDS:,} at once.")
    from polytui.loader import unique_ids  # the loader (and the models) only when fetching

    ids = unique_ids(values)
    if not ids:
        raise UsageError(
            "No conversation IDs given: pass IDs, or --from-file FILE (or - for stdin)."
        )
    return ids


def check_concurrency(value: int) -> int:
    if value < 1 or value > 64:
        raise UsageError("--concurrency must be between 1 and 64.")
    return value


def run_fetch(args: argparse.Namespace, settings: Settings) -> int:
    concurrency = check_concurrency(args.concurrency)
    if args.list:
        if args.conversation_ids or args.from_file:
            raise UsageError("Give conversation IDs or --list with filters, not both.")
        from .listing import run_listing

        return run_listing(args, settings, show=False, fetch=True)
    ids, settings = targets(read_ids(args), settings)
    from . import run_async

    return run_async(fetch_ids(ids, concurrency, settings))


async def fetch_ids(
    ids: list[str], concurrency: int, settings: Settings, *, out: TextIO | None = None
) -> int:
    """Load every ID through the one policy: stored finished calls are not fetched again
    unless --refresh. The summary line goes to ``out`` (standard output by default)."""
    from polytui.batching import BatchedStoreRunner
    from polytui.loader import Loader

    bar, advance, announce = progress_bar("fetching", len(ids), settings)
    report = BatchReport(verb="fetched")

    # Storing runs on a thread of its own, many calls to a transaction, while requests go on.
    loader = Loader(settings, announce=announce)
    async with BatchedStoreRunner(lambda: loader.store) as runner, loader:
        loader.run_store = runner

        async def fetch_one(conversation_id: str) -> None:
            loaded = await loader.load(conversation_id, allow_stale=False)
            if loaded.store_error is not None:  # keeping it is what fetch is for: a failure
                raise loaded.store_error
            (report.done if loaded.source == "api" else report.already).append(conversation_id)
            if loaded.warning:
                report.warnings.append(f"{clean_line(conversation_id)}: {loaded.warning}")

        with bar:
            await Batch(report, fetch_one, str, concurrency=concurrency, advance=advance).run(ids)
    report.print_problems()
    print(report.summary(len(ids)) + ".", file=out or sys.stdout)
    return report.exit_code
