"""`polytui cache list | search | path | rm | clear | prune`: the store from the command line."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from polytui.core.config import Settings
from polytui.core.errors import NotFoundError, UsageError
from polytui.core.numbers import format_clock
from polytui.core.text import clean_line

from .args import MAX_ROW_ID, bounded_int, sort_column

MAX_LIMIT = MAX_ROW_ID  # any count a store can hold


def register(add: Callable[[str, str], argparse.ArgumentParser]) -> None:
    cache = add("cache", "the stored conversations: list, search, path, rm, clear, prune")
    sub = cache.add_subparsers(dest="cache_command", metavar="ACTION", required=True)
    listing = sub.add_parser("list", help="stored conversations, newest first")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.add_argument(
        "--sort",
        default="started_at",
        type=sort_column,
        metavar="COLUMN",
        help="a column as the headers name it: started (default), id, channel, length, turns, "
        "handoff, score, max lat, tags, fetched, notes (or its key, such as poly_score); "
        "largest or newest first",
    )
    listing.add_argument("--reverse", action="store_true", help="smallest or oldest first")
    listing.add_argument(
        "--filter",
        metavar="WORDS",
        help="only calls whose ID, summary, tags, channel, start or agent hold every word",
    )
    listing.add_argument(
        "-n", "--limit", type=bounded_int(1, MAX_LIMIT), help="at most this many calls"
    )
    search = sub.add_parser(
        "search",
        help='full-text search, calls ranked best first: words, "phrases", AND / OR / NOT, '
        "(groups) and the fields caller: agent: translation: intent: entity: summary: note:",
    )
    search.add_argument("query", nargs="+", metavar="QUERY")
    search.add_argument("--json", action="store_true", help="print JSON")
    search.add_argument(
        "-n",
        "--limit",
        type=bounded_int(1, MAX_LIMIT),
        default=20,
        help="most calls (default 20)",
    )
    search.add_argument(
        "--hits",
        type=bounded_int(1, 1000),
        default=3,
        metavar="N",
        help="best hits shown per call (default 3)",
    )
    sub.add_parser("path", help="print the store's path")
    remove = sub.add_parser(
        "rm", help="remove stored conversations and their recordings (notes are kept)"
    )
    remove.add_argument("conversation_ids", nargs="+", metavar="ID")
    clear = sub.add_parser(
        "clear", help="remove every stored conversation and recording (notes are kept)"
    )
    clear.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    prune = sub.add_parser(
        "prune",
        help="remove conversations and recordings fetched (or imported) before a cutoff; "
        "notes are kept",
    )
    prune.add_argument(
        "--older-than",
        required=True,
        metavar="AGE",
        help="how old: a whole number of hours, days or weeks (12h, 30d, 2w)",
    )
    prune.add_argument(
        "--notes", action="store_true", help="also remove notes last changed before the cutoff"
    )
    prune.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")


def run_cache(args: argparse.Namespace, settings: Settings) -> int:
    action = args.cache_command
    if action == "path":
        print(settings.db_path)
        return 0
    from contextlib import closing

    from polytui.stores import open_recordings, open_store

    with closing(open_store(settings)) as store:
        agent = getattr(args, "agent", None)  # only an --agent typed here filters
        if action == "list":
            rows = store.list(
                agent=agent,
                order_by=args.sort,
                descending=not args.reverse,
                limit=args.limit,
                text_filter=args.filter,
            )
            reviews = store.reviews_for([(row.agent, row.conversation_id) for row in rows])
            return _list(rows, reviews, settings, as_json=args.json, filtered=bool(args.filter))
        if action == "search":
            query = " ".join(args.query)
            return _search(store, query, args.limit, args.hits, agent, as_json=args.json)
        recordings = open_recordings(settings)  # only where calls are removed
        if action == "rm":
            from .targets import targets

            ids, settings = targets(args.conversation_ids, settings)
            return _remove(store, recordings, ids, settings)
        if action == "prune":
            cutoff = cutoff_before(args.older_than)
            return _prune(store, recordings, cutoff, include_notes=args.notes, assume_yes=args.yes)
        return _clear(store, recordings, assume_yes=args.yes)


def _list(
    rows: Sequence, reviews: dict, settings: Settings, *, as_json: bool, filtered: bool
) -> int:
    """The stored calls; ``reviews``: each call's review-queue items, latest change first."""
    if as_json:
        _print_json(
            [
                {
                    **_row_dict(row),
                    "reviews": [
                        item.to_json_dict()
                        for item in reviews.get((row.agent, row.conversation_id), [])
                    ],
                }
                for row in rows
            ]
        )
        return 0
    if not rows:
        if filtered:
            print("No stored conversation matches the filter.", file=sys.stderr)
        else:
            print(f"No conversations stored yet ({settings.db_path}).", file=sys.stderr)
        return 0
    header = (
        "STARTED",
        "ID",
        "CHANNEL",
        "DURATION",
        "TURNS",
        "HANDOFF",
        "SCORE",
        "TAGS",
        "FETCHED",
        "REVIEW",
    )
    table = [header]
    for row in rows:
        table.append(
            (
                _short_time(row.started_at),
                clean_line(row.conversation_id) + (" (live)" if row.in_progress else ""),
                clean_line(row.channel or "-"),
                _duration(row.duration),
                str(row.turn_count),
                "yes" if row.handoff else "-",
                "-" if row.poly_score is None else f"{row.poly_score:g}",
                clean_line(", ".join(row.tags)) or "-",
                f"{row.fetched_at:%Y-%m-%d %H:%M}",
                review_cell(reviews.get((row.agent, row.conversation_id), [])),
            )
        )
    _print_table(table)
    return 0


def review_cell(items: Sequence) -> str:
    """The latest review of a call (``done fail``, ``in review``), ``+N`` for more queues."""
    if not items:
        return "-"
    from polytui.core.queues import STATUS_WORDS

    latest = items[0]
    text = STATUS_WORDS.get(latest.status, latest.status)
    if latest.verdict:
        text += f" {latest.verdict}"
    return text + (f" +{len(items) - 1}" if len(items) > 1 else "")


def _search(
    store, query: str, limit: int, per_call: int, agent: str | None, *, as_json: bool
) -> int:
    calls = store.search(query, limit=limit, per_call=per_call, agent=agent)
    if as_json:
        _print_json([_call_dict(call) for call in calls])
        return 0 if calls else 3
    problem = store.query_problem(query)
    if problem:
        print(f"polytui: {clean_line(problem)} Matching the words as typed.", file=sys.stderr)
    if not calls:
        print(f"polytui: nothing stored matches {clean_line(query)!r}.", file=sys.stderr)
        return NotFoundError.exit_code
    bold = sys.stdout.isatty()
    colour = bold and not os.environ.get("NO_COLOR")  # https://no-color.org: bold, no colour
    for call in calls:
        places = f"{call.count} {'hit' if call.count == 1 else 'hits'}"
        summary = clean_line(call.summary)
        summary = summary if len(summary) <= 70 else summary[:69] + "…"
        print(
            f"{clean_line(call.conversation_id)}  {_short_time(call.started_at)}  {places}"
            + (f"  {summary}" if summary else "")
        )
        for hit in call.hits:
            where = f"turn {hit.turn}" if hit.turn else hit.field
            label = f"{hit.field}: " if hit.turn else ""
            snippet = highlight(hit.snippet, hit.highlights, bold=bold, colour=colour)
            print(f"  {where:<10} {label}{snippet}")
        if call.count > len(call.hits):
            print(f"  {'':<10} … {call.count - len(call.hits)} more in this call")
    return 0


def _call_dict(call) -> dict[str, object]:
    return {
        "agent": call.agent,
        "conversationId": call.conversation_id,
        "startedAt": call.started_at,
        "summary": call.summary,
        "score": call.score,
        "count": call.count,
        "hits": [
            {
                "turn": h.turn,
                "field": h.field,
                "snippet": h.snippet,
                "highlights": [list(span) for span in h.highlights],
                "score": h.score,
            }
            for h in call.hits
        ],
    }


def highlight(
    snippet: str, spans: Sequence[tuple[int, int]], *, bold: bool, colour: bool = True
) -> str:
    """Clean each piece of API text and show the matched spans: bold (and yellow, unless
    ``colour`` is off) on a terminal, **x** otherwise. Spans out of order, overlapping or out
    of range are left out."""
    if bold:
        start, end = ("\x1b[1;33m" if colour else "\x1b[1m"), "\x1b[0m"
    else:
        start, end = "**", "**"
    pieces: list[str] = []
    done = 0
    for first, last in spans:
        if not done <= first < last <= len(snippet):
            continue
        pieces.append(clean_line(snippet[done:first]))
        pieces.append(start + clean_line(snippet[first:last]) + end)
        done = last
    pieces.append(clean_line(snippet[done:]))
    return "".join(pieces)


def _and_recordings(count: int) -> str:
    return f" and {count} recording(s)" if count else ""


def _remove(store, recordings, ids: Sequence[str], settings: Settings) -> int:
    """Remove the stored copies and their recordings; an ID not stored is named (exit 3)
    after the others go."""
    missing = [cid for cid in dict.fromkeys(ids) if store.get(cid, settings.agent) is None]
    removed = store.delete(ids, agent=settings.agent)
    sounds = recordings.delete(ids, agent=settings.agent)
    if removed == 0 and sounds == 0:
        raise NotFoundError("None of those conversations is stored.")
    print(f"Removed {removed} conversation(s){_and_recordings(sounds)}; their notes are kept.")
    if missing:
        shown = ", ".join(clean_line(cid)[:80] for cid in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        print(f"polytui: not stored, so not removed: {shown}{more}.", file=sys.stderr)
        return NotFoundError.exit_code
    return 0


def _clear(store, recordings, *, assume_yes: bool) -> int:
    count, sounds = store.count(), recordings.count()
    if count == 0 and sounds == 0:
        print("The store holds no conversations.")
        return 0
    what = f"{count} conversation(s){_and_recordings(sounds)}"
    if not assume_yes:
        if not sys.stdin.isatty():
            raise UsageError(f"Refusing to remove {what} without --yes.")
        answer = input(f"Remove all {what}? Notes are kept. [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("Nothing removed.")
            return 0
    removed, sounds = store.clear(), recordings.clear()
    print(f"Removed {removed} conversation(s){_and_recordings(sounds)}; notes are kept.")
    return 0


def cutoff_before(age: str, now: datetime | None = None) -> datetime:
    """The moment ``age`` (12h, 30d, 2w: ``polytui.core.moments``) before ``now``."""
    from polytui.core.moments import before

    return before(age, now or datetime.now(UTC))


def _prune(store, recordings, cutoff: datetime, *, include_notes: bool, assume_yes: bool) -> int:
    when = f"{cutoff:%Y-%m-%d %H:%M} UTC"
    calls = sum(1 for row in store.list() if row.fetched_at < cutoff)
    sounds = recordings.count(older_than=cutoff)
    notes = sum(1 for n in store.all_notes() if n.updated_at < cutoff) if include_notes else 0
    if calls == 0 and notes == 0 and sounds == 0:
        print(f"Nothing to remove: nothing stored before {when}.")
        return 0
    what = f"{calls} conversation(s){_and_recordings(sounds)} fetched before {when}"
    if include_notes:
        what += f" and {notes} note(s) last changed before it"
    if not assume_yes:
        if not sys.stdin.isatty():
            raise UsageError(f"Refusing to remove {what} without --yes.")
        kept = "" if include_notes else " Notes are kept."
        answer = input(f"Remove {what}?{kept} [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("Nothing removed.")
            return 0
    removed_calls = store.prune(cutoff)
    sounds = recordings.prune(cutoff)
    message = (
        f"Removed {removed_calls} conversation(s){_and_recordings(sounds)} fetched before {when}"
    )
    if include_notes:
        removed_notes = store.prune(cutoff, include_notes=True)
        print(f"{message} and {removed_notes} note(s) last changed before it.")
    else:
        print(f"{message}; notes are kept.")
    return 0


def _row_dict(row) -> dict[str, object]:
    return {
        "agent": row.agent,
        "conversationId": row.conversation_id,
        "startedAt": row.started_at,
        "channel": row.channel,
        "duration": row.duration,
        "turns": row.turn_count,
        "handoff": row.handoff,
        "polyScore": row.poly_score,
        "maxLatency": row.max_latency,
        "tags": list(row.tags),
        "summary": row.summary,
        "inProgress": row.in_progress,
        "notes": row.note_count,
        "host": row.host,
        "fetchedAt": row.fetched_at.isoformat(),
    }


def _print_json(data: object) -> None:
    from polytui.export.data import json_text

    sys.stdout.write(json_text(data))


def _print_table(rows: Sequence[tuple[str, ...]]) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())


def _short_time(value: str | None) -> str:
    from polytui.core.dates import parse_datetime

    parsed = parse_datetime(value)
    return f"{parsed:%Y-%m-%d %H:%M}" if parsed else "-"


def _duration(seconds: float | None) -> str:
    return format_clock(seconds) or "-"
