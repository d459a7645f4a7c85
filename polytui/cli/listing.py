"""`polytui list`: the calls the filters select, as a table or JSON lines, page after page
(``polytui.core.listing.ListingRun``: the same filters on every page, cursors followed to the
end); ``--fetch`` then stores every listed call with ``polytui fetch``'s concurrent batch.

Standard output holds only the listing (a table, or one JSON object per call); notices, the
progress line of a long listing and the fetch's report go to standard error. No call matching
exits 3, like a call not found."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime

from polytui.core.config import Settings, config_path
from polytui.core.errors import NotFoundError, UsageError
from polytui.core.facts import format_duration, format_number
from polytui.core.listed import ListedCall
from polytui.core.listing import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    ListFilter,
    ListingRun,
    run_pages,
    split_unapplied,
)
from polytui.core.text import clean_short

from .args import bounded_int
from .fetch import DEFAULT_CONCURRENCY, check_concurrency
from .filters import add_filter_options, filters_from

#: (header, width, right-aligned) of the table's columns.
COLUMNS = (
    ("Started (UTC)", 16, False),
    ("ID", 34, False),
    ("Channel", 9, False),
    ("Length", 8, True),
    ("Turns", 5, True),
    ("Handoff", 7, False),
    ("Silences", 8, True),
    ("OOD", 4, True),
    ("Variant", 0, False),
)
# A listed value longer than this is cut (``...``): an ID of 5,000 characters from the API
# would push the rest of its row off any screen (``--json`` keeps it whole).
LONGEST_CELL = 64
PROGRESS_AFTER = 2  # pages before the progress line shows


def register(add: Callable[[str, str], argparse.ArgumentParser]) -> None:
    listing = add(
        "list",
        "find calls by filter through the API (a table, or --json); --fetch stores them",
    )
    add_filter_options(listing)
    listing.add_argument(
        "--json", action="store_true", help="one JSON object per call (with conversationId)"
    )
    listing.add_argument(
        "--fetch", action="store_true", help="then fetch and store every call listed"
    )
    listing.add_argument(
        "-j",
        "--concurrency",
        type=int,
        default=DEFAULT_CONCURRENCY,
        metavar="N",
        help=f"with --fetch: requests at once (default {DEFAULT_CONCURRENCY})",
    )
    listing.add_argument(
        "--page-size",
        type=bounded_int(1, MAX_PAGE_SIZE),
        default=DEFAULT_PAGE_SIZE,
        metavar="N",
        help=f"calls asked per page (default {DEFAULT_PAGE_SIZE}, at most {MAX_PAGE_SIZE})",
    )


def run_list(args: argparse.Namespace, settings: Settings) -> int:
    return run_listing(args, settings, show=True, fetch=args.fetch)


def run_listing(args: argparse.Namespace, settings: Settings, *, show: bool, fetch: bool) -> int:
    """List (printing the calls when ``show``), then store them when ``fetch``."""
    concurrency = check_concurrency(args.concurrency)
    filters = filters_from(args)
    if settings.offline:
        raise UsageError(
            "Listing asks the API, and --offline keeps polytui off the network; the stored "
            "calls are in `polytui cache list`."
        )
    page_size = getattr(args, "page_size", DEFAULT_PAGE_SIZE)
    from . import run_async

    return run_async(
        _run(filters, settings, page_size, args.json if show else None, fetch, concurrency)
    )


async def _run(
    filters: ListFilter,
    settings: Settings,
    page_size: int,
    as_json: bool | None,
    fetch: bool,
    concurrency: int,
) -> int:
    from polytui.loader import Loader

    run = ListingRun.start(filters, now=datetime.now().astimezone(), page_size=page_size)
    progress = _Progress()
    ids: list[str] = []
    async with Loader(settings, announce=progress.announce) as loader:
        lister = await loader.lister()
        unapplied = lister.unapplied(filters)
        if unapplied:
            _say(_unapplied_notice(unapplied))
        async for _page, calls in run_pages(lister, run):
            for call in calls:
                if as_json is False and not ids:
                    _print_header()
                ids.append(call.conversation_id)
                if as_json:
                    sys.stdout.write(json.dumps(call.to_json_dict(), ensure_ascii=False) + "\n")
                elif as_json is False:
                    sys.stdout.write(_row(call) + "\n")
            sys.stdout.flush()
            progress.page(run)
    progress.done()
    if run.skipped:
        _say(
            f"{run.skipped} listed {'summary' if run.skipped == 1 else 'summaries'} had no "
            "conversation ID and could not be listed."
        )
    if not ids:
        what = filters.describe()
        raise NotFoundError(f"No calls match ({what}).")
    if progress.shown or as_json is None:
        _say(f"Listed {len(ids):,} {'call' if len(ids) == 1 else 'calls'} in {run.pages} page(s).")
    if not fetch:
        return 0
    from .fetch import fetch_ids

    return await fetch_ids(
        ids, concurrency, settings, out=sys.stderr if as_json is not None else None
    )


async def listed_calls(
    filters: ListFilter, settings: Settings, *, cap: int, page_size: int = DEFAULT_PAGE_SIZE
) -> list[ListedCall]:
    """Every call ``filters`` select, in the API's order, with the notices and the progress line
    of ``polytui list`` on standard error; UsageError when more than ``cap`` come, NotFoundError
    when none (for ``polytui queue new --list``)."""
    from polytui.loader import Loader

    if settings.offline:
        raise UsageError(
            "Listing asks the API, and --offline keeps polytui off the network; a queue of "
            "stored calls is `polytui queue new NAME --stored`."
        )
    run = ListingRun.start(filters, now=datetime.now().astimezone(), page_size=page_size)
    progress = _Progress()
    found: list[ListedCall] = []
    async with Loader(settings, announce=progress.announce) as loader:
        lister = await loader.lister()
        unapplied = lister.unapplied(filters)
        if unapplied:
            _say(_unapplied_notice(unapplied))
        async for _page, calls in run_pages(lister, run):
            found.extend(calls)
            if len(found) > cap:
                progress.done()
                raise UsageError(
                    f"The filters select more than {cap:,} calls, more than a queue holds: "
                    "narrow them, or take some with --limit or --sample."
                )
            progress.page(run)
    progress.done()
    if not found:
        raise NotFoundError(f"No calls match ({filters.describe()}).")
    return found


def _unapplied_notice(names: tuple[str, ...]) -> str:
    return unapplied_notice(names, f"account in {config_path()} or POLYAI_ACCOUNT_ID")


def unapplied_notice(names: tuple[str, ...], where: str) -> str:
    """What a listing without an account does with the filters the Data API lacks."""
    here, dropped = split_unapplied(names)
    parts = []
    if here:
        parts.append(f"polytui applies {_options(here)} to each call itself")
    if dropped:
        parts.append(f"{_options(dropped)} cannot be applied")
    return (
        "no account is configured, so the older Data API lists every call of the agent, "
        f"without filters: {' and '.join(parts)} (set {where} to the Studio workspace ID)."
    )


def _options(names: tuple[str, ...]) -> str:
    return ", ".join(f"--{name}" for name in names)


def _say(message: str) -> None:
    print(f"polytui: {message}", file=sys.stderr, flush=True)


# -- the table --------------------------------------------------------------------------------


def _cells(call: ListedCall) -> list[str]:
    start = call.start
    started = f"{start.astimezone(UTC):%Y-%m-%d %H:%M}" if start else ""
    if call.in_progress:
        length = "live"
    else:
        length = format_duration(call.total_duration) if call.total_duration is not None else ""
    handoff = "" if call.handoff is None else ("yes" if call.handoff else "no")
    return [
        started,
        clean_short(call.conversation_id, LONGEST_CELL),
        clean_short(call.channel or "", LONGEST_CELL),
        length,
        format_number(call.num_turns),
        handoff,
        format_number(call.num_silences),
        format_number(call.num_ood),
        clean_short(call.variant or "", LONGEST_CELL),
    ]


def _line(values: list[str]) -> str:
    parts = []
    for value, (_, width, right) in zip(values, COLUMNS, strict=True):
        text = value or "-"
        parts.append(text.rjust(width) if right else text.ljust(width))
    return "  ".join(parts).rstrip()


def _print_header() -> None:
    sys.stdout.write(_line([name for name, _, _ in COLUMNS]) + "\n")


def _row(call: ListedCall) -> str:
    return _line(_cells(call))


class _Progress:
    """``listing… 600 calls, 3 pages`` on standard error while a long listing runs (a
    terminal only); retry notices print on their own lines above it."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.shown = False

    def page(self, run: ListingRun) -> None:
        if not self.tty or run.done or run.pages < PROGRESS_AFTER:
            return
        self.shown = True
        sys.stderr.write(f"\rpolytui: listing… {run.listed:,} calls, {run.pages} pages\x1b[K")
        sys.stderr.flush()

    def announce(self, message: str) -> None:
        self._clear()
        print(f"polytui: {message}", file=sys.stderr, flush=True)

    def _clear(self) -> None:
        if self.shown:
            sys.stderr.write("\r\x1b[K")

    def done(self) -> None:
        self._clear()
