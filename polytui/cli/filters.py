"""The filters of a listing as command-line options, shared by every command that lists calls
(``polytui list``, ``polytui fetch --list``): ``add_filter_options`` adds them to a parser,
``filters_from`` turns the parsed options into the ``ListFilter`` the listing runs with."""

from __future__ import annotations

import argparse

from polytui.core.listing import CLIENT_ENVS, MAX_LIMIT, MAX_SAMPLE, TURN_TYPES, ListFilter

from .args import bounded_int

#: The destinations of the options ``add_filter_options`` adds, but --limit.
FILTER_DESTS = (
    "since", "until", "env", "channel", "variant", "variant_id", "in_progress", "handoff",
    "query", "semantic", "turn", "sample",
)  # fmt: skip
WHEN = "24h, 7d, 2w, yesterday, today, an ISO date or date-time"


def add_filter_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "filters (applied by the API; without an account only --handoff and --limit apply)"
    )
    group.add_argument("--since", metavar="WHEN", help=f"calls started from then on: {WHEN}")
    group.add_argument(
        "--until",
        metavar="WHEN",
        help="calls started before then (a day means its end: --since yesterday --until "
        "yesterday is the whole of yesterday)",
    )
    group.add_argument(
        "--env",
        choices=CLIENT_ENVS,
        help="environment (default: the API's, live)",
    )
    group.add_argument(
        "--channel",
        action="append",
        default=[],
        metavar="NAME",
        help="channel, e.g. VOICE-SIP or WEBCHAT (repeat for several)",
    )
    variant = group.add_mutually_exclusive_group()
    variant.add_argument("--variant", metavar="NAME", help="variant by name")
    variant.add_argument("--variant-id", metavar="ID", help="variant by ID")
    progress = group.add_mutually_exclusive_group()
    progress.add_argument(
        "--in-progress",
        dest="in_progress",
        action="store_const",
        const=True,
        help="only calls in progress",
    )
    progress.add_argument(
        "--finished", dest="in_progress", action="store_const", const=False, help="only finished"
    )
    handoff = group.add_mutually_exclusive_group()
    handoff.add_argument(
        "--handoff",
        dest="handoff",
        action="store_const",
        const=True,
        help="only calls handed off to a person (applied by polytui)",
    )
    handoff.add_argument(
        "--no-handoff",
        dest="handoff",
        action="store_const",
        const=False,
        help="only calls not handed off",
    )
    group.add_argument("--query", metavar="TEXT", help="words said in the call (needs --since)")
    group.add_argument(
        "--semantic", action="store_true", help="search --query by meaning, not words"
    )
    group.add_argument("--turn", choices=TURN_TYPES, help="--query in user or agent turns only")
    group.add_argument(
        "--sample",
        type=bounded_int(1, MAX_SAMPLE),
        metavar="N",
        help="a random sample of N calls in the window (needs --since)",
    )
    group.add_argument(
        "--limit",
        "-n",
        type=bounded_int(1, MAX_LIMIT),
        metavar="N",
        help="at most N calls (across pages)",
    )


def filters_from(args: argparse.Namespace) -> ListFilter:
    """The ``ListFilter`` the options ask for (UsageError, one sentence, when they cannot go
    together)."""
    return ListFilter(
        since=args.since,
        until=args.until,
        environment=args.env,
        channels=tuple(args.channel or ()),
        variant=args.variant,
        variant_id=args.variant_id,
        in_progress=args.in_progress,
        query=args.query,
        semantic=bool(args.semantic),
        turn=args.turn,
        sample=args.sample,
        handoff=args.handoff,
        limit=args.limit,
    )
