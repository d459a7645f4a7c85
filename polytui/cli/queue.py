"""`polytui queue new | ls | show | next | set | export | rm | review`: review queues from the
command line. Making a queue (from a file of IDs or Studio links, a search, or the stored
calls) is here; listing and reports are in ``queue_output.py``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from polytui.core.config import Settings
from polytui.core.errors import NotFoundError, UsageError
from polytui.core.ports import ConversationKey
from polytui.core.queues import (
    MAX_ITEMS,
    STATUS_WORDS,
    ItemChange,
    QueueItem,
    check_name,
    parse_status,
    parse_verdict,
)
from polytui.core.text import clean_line

from .args import output_path
from .filters import FILTER_DESTS, add_filter_options, filters_from
from .inputs import read_bounded

MAX_ID_FILE_BYTES = 16 << 20  # as `polytui fetch --from-file`
SEARCH_CALLS = 100  # calls a queue made from a search holds unless --limit says otherwise
STATUS_NAMES = ", ".join(STATUS_WORDS.values())


def register(add: Callable[[str, str], argparse.ArgumentParser]) -> None:
    queue = add("queue", "review queues: new, ls, show, next, set, export, rm, review")
    sub = queue.add_subparsers(dest="queue_command", metavar="ACTION", required=True)
    new = sub.add_parser(
        "new",
        help="make a queue from a listing's filters, a file of IDs or Studio links, a search "
        "or stored calls",
    )
    new.add_argument("name", metavar="NAME")
    source = new.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--list",
        action="store_true",
        help="the calls the filters below select, in the API's order (as `polytui list` "
        "lists them; the agent's calls, through the API)",
    )
    source.add_argument(
        "--from-file",
        metavar="FILE",
        help="IDs or Studio links, one per line ('-' for standard input; # starts a comment)",
    )
    source.add_argument(
        "--search",
        metavar="QUERY",
        help="the stored calls with the best hits for QUERY, best first (as `cache search`)",
    )
    source.add_argument(
        "--stored",
        metavar="WORDS",
        nargs="?",
        const="",
        help="the stored calls, newest first (only those holding every word, as "
        "`cache list --filter`)",
    )
    new.add_argument(
        "--fetch",
        action="store_true",
        help="with --list: fetch and store the calls not stored yet, for review offline",
    )
    add_filter_options(new)  # --limit among them: at most N calls, whatever the source

    listing = sub.add_parser("ls", help="every queue with its progress, newest first")
    listing.add_argument("--json", action="store_true", help="print JSON")

    show = sub.add_parser("show", help="a queue's progress and calls (or one call's history)")
    show.add_argument("name", metavar="NAME")
    show.add_argument(
        "conversation_id", nargs="?", metavar="ID", help="one call: its status and every change"
    )
    show.add_argument(
        "--status",
        action="append",
        type=parse_status,
        metavar="STATUS",
        help=f"only calls with this status ({STATUS_NAMES}); repeat for several",
    )
    show.add_argument("--json", action="store_true", help="print JSON")

    sub.add_parser(
        "next", help="take the next call to review (it is then in review by you) and print its ID"
    ).add_argument("name", metavar="NAME")

    change = sub.add_parser("set", help="set a call's status, verdict or category")
    change.add_argument("name", metavar="NAME")
    change.add_argument("conversation_id", metavar="ID", help="conversation ID or Studio link")
    change.add_argument("--status", type=parse_status, metavar="STATUS", help=STATUS_NAMES)
    change.add_argument(
        "--verdict",
        type=parse_verdict,
        metavar="VERDICT",
        help="pass, fail, or none to remove it (a verdict alone makes the call done)",
    )
    change.add_argument("--category", metavar="TEXT", help="why: free text ('' removes it)")

    export = sub.add_parser(
        "export", help="one row per call: status, verdict, category, reviewer, notes"
    )
    export.add_argument("name", metavar="NAME")
    export.add_argument(
        "-f", "--format", default="csv", choices=("csv", "json", "html"), help="default csv"
    )
    export.add_argument(
        "-o", "--output", metavar="FILE", type=output_path, help="write to FILE (mode 0600)"
    )

    remove = sub.add_parser("rm", help="remove a queue (the calls and their notes stay)")
    remove.add_argument("name", metavar="NAME")
    remove.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")

    sub.add_parser(
        "review", help="open the app on the queue, at the first call not reviewed yet"
    ).add_argument("name", metavar="NAME")


def run_queue(args: argparse.Namespace, settings: Settings) -> int:
    from contextlib import closing

    from polytui.stores import open_store

    action = args.queue_command
    if action == "review":
        with closing(open_store(settings)) as store:
            if store.get_queue(args.name) is None:
                store.queue_items(args.name)  # NotFoundError, worded by the store
        from polytui.tui.launch import run_app

        return run_app(settings, queue=args.name)
    from . import queue_output

    if action == "new":
        check_name(args.name)  # before reading anything
    with closing(open_store(settings)) as store:
        if action == "new":
            return new_queue(store, args, settings)
        if action == "ls":
            return queue_output.list_queues(store, as_json=args.json)
        if action == "show":
            if args.conversation_id:
                return queue_output.show_history(store, args.name, find_item(store, args))
            return queue_output.show_queue(store, args.name, args.status, as_json=args.json)
        if action == "next":
            return next_call(store, args.name, settings)
        if action == "set":
            return set_item(store, args, settings)
        if action == "export":
            return queue_output.export_queue(store, args, settings)
        return remove_queue(store, args.name, assume_yes=args.yes)


# -- new ----------------------------------------------------------------------------------------


def new_queue(store, args: argparse.Namespace, settings: Settings) -> int:
    given = [dest for dest in FILTER_DESTS if getattr(args, dest) not in (None, False, [])]
    if not args.list and given:
        raise UsageError(
            f"--{given[0].replace('_', '-')} filters a listing: it goes with --list "
            "(--limit goes with any source)."
        )
    if args.fetch and not args.list:
        raise UsageError("--fetch goes with --list (the other sources name stored calls or IDs).")
    if args.limit is not None and args.limit > MAX_ITEMS:
        raise UsageError(
            f"A queue holds at most {MAX_ITEMS:,} calls: --limit {MAX_ITEMS:,} or less."
        )
    if args.list:
        calls, source = listed_calls(args, settings)
    elif args.from_file is not None:
        shown = "standard input" if args.from_file == "-" else args.from_file
        calls = resolve_agents(store, read_references(args.from_file), settings)
        source = f"file {shown}"
    elif args.search is not None:
        calls = searched_calls(store, args.search, args.limit or SEARCH_CALLS)
        source = f"search '{args.search}'"
    else:
        words = args.stored.strip()
        rows = store.list(agent=getattr(args, "agent", None), text_filter=words or None)
        calls = [(row.agent, row.conversation_id) for row in rows]
        if not calls:
            raise NotFoundError(
                f"No stored call matches '{clean_line(words)}'."
                if words
                else "No calls stored yet."
            )
        source = f"stored calls matching '{words}'" if words else "stored calls"
    if args.limit is not None:
        calls = calls[: args.limit]
    queue = store.create_queue(args.name, calls, source=source, reviewer=settings.reviewer)
    total = queue.progress.total
    print(
        f"Made the queue '{clean_line(queue.name)}' of {total} call{'s' if total != 1 else ''} "
        f"from the {clean_line(source)}."
    )
    stored = {(row.agent, row.conversation_id) for row in store.rows_for(calls)}
    missing = [key for key in calls if key not in stored]
    if missing and args.fetch:
        from . import run_async
        from .fetch import DEFAULT_CONCURRENCY, fetch_ids

        code = run_async(
            fetch_ids([cid for _, cid in missing], DEFAULT_CONCURRENCY, settings, out=sys.stderr)
        )
        print(f"Review it with: polytui queue review {_quoted(queue.name)}", file=sys.stderr)
        return code
    if missing:
        print(
            f"polytui: {len(missing)} of them not stored yet: the app fetches each as it opens it "
            "(and the next ones ahead of you).",
            file=sys.stderr,
        )
    print(f"Review it with: polytui queue review {_quoted(queue.name)}", file=sys.stderr)
    return 0


def listed_calls(args: argparse.Namespace, settings: Settings) -> tuple[list[ConversationKey], str]:
    """The calls of the configured agent that the filters select (every page), and the words
    naming them as the queue's source."""
    from . import run_async
    from .listing import listed_calls as run_listing

    if not settings.agent:
        raise UsageError("Say whose calls to list: --agent or POLYAI_AGENT_ID.")
    filters = filters_from(args)
    found = run_async(run_listing(filters, settings, cap=MAX_ITEMS))
    agent = settings.agent
    return [(agent, call.conversation_id) for call in found], f"listing {filters.describe()}"


def _quoted(name: str) -> str:
    import shlex

    return shlex.quote(clean_line(name))


def read_references(source: str) -> list[tuple[str | None, str]]:
    """(agent or None, ID) of every line of ``source`` naming a call (an ID or a Studio link),
    first-seen order, blank lines and ``#`` comments left out; UsageError naming a bad line."""
    from polytui.core.ids import parse_call_reference

    shown = "standard input" if source == "-" else source
    data = read_bounded(source, limit=MAX_ID_FILE_BYTES, what="IDs")
    try:
        lines = data.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        raise UsageError(f"Cannot read IDs from {shown}: it is not UTF-8 text.") from None
    found: dict[tuple[str | None, str], None] = {}
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        try:
            found.setdefault(parse_call_reference(text), None)
        except UsageError as exc:
            raise UsageError(f"Line {number} of {shown}: {exc.message}") from None
        if len(found) > MAX_ITEMS:
            raise UsageError(f"{shown} names more than {MAX_ITEMS:,} calls; a queue holds fewer.")
    if not found:
        raise UsageError(f"{shown} names no call: put one ID or Studio link on each line.")
    return list(found)


def resolve_agents(
    store, references: Sequence[tuple[str | None, str]], settings: Settings
) -> list[ConversationKey]:
    """Each call with its agent: the Studio link's project, else the configured agent, else the
    agent of the stored copy; UsageError when some call's agent cannot be known."""
    keys: list[ConversationKey] = []
    unknown: list[str] = []
    for agent, conversation_id in references:
        agent = agent or settings.agent
        if agent is None:
            stored = store.get(conversation_id)
            agent = stored.agent if stored is not None else None
        if agent is None:
            unknown.append(conversation_id)
        else:
            keys.append((agent, conversation_id))
    if unknown:
        shown = ", ".join(clean_line(cid)[:60] for cid in unknown[:3])
        more = f" and {len(unknown) - 3} more" if len(unknown) > 3 else ""
        raise UsageError(
            f"{len(unknown)} call(s) are not stored and no agent is set ({shown}{more}): say "
            "which agent with --agent or POLYAI_AGENT_ID, or use Studio links."
        )
    return list(dict.fromkeys(keys))


def searched_calls(store, query: str, limit: int) -> list[ConversationKey]:
    """The calls that best match ``query``, best first, at most ``limit`` of them."""
    problem = store.query_problem(query)
    if problem:
        print(f"polytui: {clean_line(problem)} Matching the words as typed.", file=sys.stderr)
    found = store.search(query, limit=limit, per_call=1)  # calls, best first
    calls = [(call.agent, call.conversation_id) for call in found]
    if not calls:
        raise NotFoundError(f"Nothing stored matches '{clean_line(query)}'.")
    return calls


# -- next / set / rm ----------------------------------------------------------------------------


def next_call(store, name: str, settings: Settings) -> int:
    item = store.claim_next(name, reviewer=settings.reviewer)
    if item is None:
        queue = store.get_queue(name)
        line = clean_line(queue.progress.line(queue.name)) if queue else clean_line(name)
        raise NotFoundError(
            f"Nothing left for you to review in {line} (calls others have open are theirs)."
        )
    print(item.conversation_id)
    return 0


def find_item(store, args: argparse.Namespace) -> QueueItem:
    """The item of the queue ``args.name`` that ``args.conversation_id`` (an ID or a Studio
    link; ``--agent`` typed here narrows it) names."""
    from polytui.core.ids import parse_call_reference

    agent, conversation_id = parse_call_reference(args.conversation_id)
    agent = agent or getattr(args, "agent", None)
    items = [
        item
        for item in store.queue_items(args.name)
        if item.conversation_id == conversation_id and agent in (None, item.agent)
    ]
    if not items:
        raise NotFoundError(
            f"Conversation {clean_line(conversation_id)[:80]} is not in the queue "
            f"'{clean_line(args.name)[:80]}'."
        )
    if len(items) > 1:
        agents = ", ".join(clean_line(item.agent) for item in items)
        raise UsageError(
            f"Conversation {clean_line(conversation_id)[:80]} is in the queue for several "
            f"agents ({agents}): say which with --agent."
        )
    return items[0]


def set_item(store, args: argparse.Namespace, settings: Settings) -> int:
    if args.status is None and args.verdict is None and args.category is None:
        raise UsageError("Say what to set: --status, --verdict or --category.")
    item = find_item(store, args)
    change = ItemChange(status=args.status, verdict=args.verdict, category=args.category)
    new = store.change_item(args.name, item.key, change, reviewer=settings.reviewer)
    print(
        f"{clean_line(new.conversation_id)} in '{clean_line(new.queue)}': {clean_line(new.describe())}"
    )
    return 0


def remove_queue(store, name: str, *, assume_yes: bool) -> int:
    queue = store.get_queue(name)
    if queue is None:
        store.delete_queue(name)  # NotFoundError, worded by the store
    line = clean_line(queue.progress.line(queue.name))
    if not assume_yes:
        if not sys.stdin.isatty():
            raise UsageError(f"Refusing to remove the {line} without --yes.")
        answer = input(f"Remove the {line}? The calls and their notes stay. [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("Nothing removed.")
            return 0
    removed = store.delete_queue(queue.name)
    print(f"Removed the queue '{clean_line(queue.name)}' ({removed} calls); calls and notes stay.")
    return 0
