"""Finding calls to review: the filters of a listing, its pages, and the rules of paging.

- ``ListFilter``: what a reviewer asks for (a time window as typed, environment, channels,
  variant, in progress or finished, a transcript query, a random sample, handed off, a limit).
  It is plain data: checked on construction, written to JSON and read back tolerantly (the
  remembered filters), described in one line. Times stay as typed (``yesterday``) until a
  listing starts, so remembered filters mean the same thing tomorrow.
- ``ListPage``: one page as a source answered it, with the position of the next page
  (``PageToken``: an opaque cursor, or the legacy offset) and the filters it could not apply.
- ``ListingRun``: one listing under way, the same for the command line and the app: the window
  is fixed once (every page is asked with identical filters), calls are de-duplicated across
  pages, filters the API lacks (``handoff``) are applied here, ``limit``/``sample`` are counted
  across pages, an empty page with a cursor goes on, and a cursor sent twice stops the listing
  instead of looping.
- ``KeptListing``: a listing kept by a store, to reopen offline.

Built for what comes next without changing it: following calls in progress is a run with
``in_progress=True`` asked again every few seconds (each run a fresh window), then the calls
fetched by ID; a team store keeps listings and filters through the same ``ListingStore`` role.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .dates import parse_datetime
from .errors import ApiError, UsageError
from .listed import ListedCall
from .moments import api_time, is_day, resolve
from .text import clean_line

if TYPE_CHECKING:
    from .ports import ConversationLister

CLIENT_ENVS = ("sandbox", "pre-release", "live")
TURN_TYPES = ("user", "agent")
MAX_PAGE_SIZE = 1000  # the API's own bound for ``limit``
DEFAULT_PAGE_SIZE = 200
MAX_SAMPLE = 10_000
MAX_LIMIT = 1_000_000
MAX_TEXT = 500  # a query, a channel or a variant longer than this is refused
# Pages in a row that bring nothing new before a listing is taken to be over (a random sample
# answered with calls already seen, an API that keeps sending empty pages with a cursor).
MAX_BARREN_PAGES = 20

#: Names of the filters the API applies, as the command line spells its options (without --).
API_FILTERS = ("since", "until", "env", "channel", "variant", "in-progress", "query", "sample")
#: Those polytui can apply itself to a summary, when a source could not (the Data API).
SUMMARY_FILTERS = ("since", "until", "env", "channel", "variant", "in-progress")


def split_unapplied(names: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Filters a source could not apply, as (those polytui applies to each summary instead,
    those dropped: a transcript query and a random sample need the API)."""
    here = tuple(name for name in names if name in SUMMARY_FILTERS)
    return here, tuple(name for name in names if name not in SUMMARY_FILTERS)


def _channel_matches(wanted: tuple[str, ...], channel: str | None) -> bool:
    """As the API matches channels: ignoring case, ``voice`` also matching ``VOICE-SIP``."""
    text = (channel or "").lower()
    return any(w.lower() in (text, text.split("-")[0]) for w in wanted)


def _moment_text(text: str) -> str:
    """A moment as a reviewer reads it: as typed (``7d``), or an absolute one in short UTC."""
    moment = parse_datetime(text) if "T" in text else None
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC" if moment else text


def _text(value: Any, what: str) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    if len(text) > MAX_TEXT:
        raise UsageError(f"The {what} is {len(text):,} characters long; at most {MAX_TEXT}.")
    if clean_line(text) != text:
        raise UsageError(f"The {what} {clean_line(text)[:40]!r} contains control characters.")
    return text


_KINDS = {
    "channels": list,
    "in_progress": bool,
    "semantic": bool,
    "handoff": bool,
    "sample": int,
    "limit": int,
}


@dataclass(frozen=True)
class ListFilter:
    """What to list. Construction checks every value and combination (UsageError, one
    sentence); ``None`` and empty mean "not filtered"."""

    since: str | None = None  # a moment as typed (``polytui.core.moments``)
    until: str | None = None
    environment: str | None = None  # sandbox | pre-release | live; None: the API's default (live)
    channels: tuple[str, ...] = ()
    variant: str | None = None  # a variant's name
    variant_id: str | None = None
    in_progress: bool | None = None  # True: only calls in progress; False: only finished
    query: str | None = None  # words said in the call (transcript search)
    semantic: bool = False  # the query by meaning instead of words
    turn: str | None = None  # the query in user or agent turns only
    sample: int | None = None  # a random sample of this many calls in the window
    handoff: bool | None = None  # applied by polytui: the API has no such filter
    limit: int | None = None  # at most this many calls, across pages

    def __post_init__(self) -> None:
        norm = object.__setattr__
        norm(self, "since", _text(self.since, "start of the window"))
        norm(self, "until", _text(self.until, "end of the window"))
        norm(self, "variant", _text(self.variant, "variant"))
        norm(self, "variant_id", _text(self.variant_id, "variant ID"))
        norm(self, "query", _text(self.query, "query"))
        channels = (_text(c, "channel") for c in self.channels)
        norm(self, "channels", tuple(dict.fromkeys(c for c in channels if c)))
        if self.environment is not None:
            env = str(self.environment).strip().lower()
            if env not in CLIENT_ENVS:
                raise UsageError(
                    f"Unknown environment {clean_line(env)[:40]!r}: use {', '.join(CLIENT_ENVS)}."
                )
            norm(self, "environment", env)
        if self.turn is not None:
            turn = str(self.turn).strip().lower()
            if turn not in TURN_TYPES:
                raise UsageError(f"The turn to search must be user or agent, not {turn[:20]!r}.")
            norm(self, "turn", turn)
        self._check_combinations()

    def _check_combinations(self) -> None:
        if self.variant and self.variant_id:
            raise UsageError("Give a variant's name or its ID, not both.")
        if self.sample is not None and not 1 <= self.sample <= MAX_SAMPLE:
            raise UsageError(f"A sample is 1 to {MAX_SAMPLE:,} calls.")
        if self.limit is not None and not 1 <= self.limit <= MAX_LIMIT:
            raise UsageError(f"A limit is 1 to {MAX_LIMIT:,} calls.")
        if self.query and self.sample is not None:
            raise UsageError("A transcript query and a random sample cannot be combined.")
        if not self.query and (self.semantic or self.turn):
            what = "--semantic" if self.semantic else "--turn"
            raise UsageError(f"{what} needs a query (--query TEXT).")
        if self.semantic and self.turn:
            raise UsageError("--turn applies to a transcript query, not a semantic one.")
        if (self.query or self.sample is not None) and not self.since:
            what = "A query" if self.query else "A random sample"
            raise UsageError(f"{what} needs a time window: give --since (and --until).")
        start, end = self.window(datetime.now(UTC))
        if start is not None and end is not None and start >= end:
            raise UsageError("The window ends before it starts: --until must be after --since.")

    # -- the window ----------------------------------------------------------------------------

    def window(self, now: datetime) -> tuple[datetime | None, datetime | None]:
        """The window's start and end seen from ``now`` (UsageError when a time is unreadable)."""
        start = resolve(self.since, now) if self.since else None
        end = resolve(self.until, now, end=True) if self.until else None
        return start, end

    def resolved(self, now: datetime) -> ListFilter:
        """This filter with its window fixed as absolute UTC times seen from ``now`` (the end is
        ``now`` when a query or a sample needs one): what every page of one listing sends."""
        start, end = self.window(now)
        if end is None and (self.query or self.sample is not None):
            end = now
        return replace(
            self,
            since=api_time(start) if start else None,
            until=api_time(end) if end else None,
        )

    # -- what it asks for ------------------------------------------------------------------------

    def api_filters(self) -> tuple[str, ...]:
        """The names (``API_FILTERS``) of the filters set that only an API can apply."""
        given = {
            "since": self.since,
            "until": self.until,
            "env": self.environment,
            "channel": self.channels,
            "variant": self.variant or self.variant_id,
            "in-progress": self.in_progress is not None,
            "query": self.query,
            "sample": self.sample is not None,
        }
        return tuple(name for name in API_FILTERS if given[name])

    def describe(self) -> str:
        """One plain line: ``since yesterday until yesterday · live · VOICE-SIP · handed off``."""
        parts: list[str] = []
        if self.since or self.until:
            window = []
            if self.since:
                window.append(f"since {_moment_text(self.since)}")
            if self.until:
                window.append(
                    f"until {_moment_text(self.until)}"
                    + (" (whole day)" if is_day(self.until) else "")
                )
            parts.append(" ".join(window))
        parts.append(self.environment or "live")
        if self.channels:
            parts.append(", ".join(self.channels))
        if self.variant or self.variant_id:
            parts.append(f"variant {self.variant or self.variant_id}")
        if self.in_progress is not None:
            parts.append("in progress" if self.in_progress else "finished")
        if self.handoff is not None:
            parts.append("handed off" if self.handoff else "not handed off")
        if self.query:
            how = "meaning" if self.semantic else "words"
            where = f" in {self.turn} turns" if self.turn else ""
            parts.append(f"{how} “{self.query}”{where}")
        if self.sample is not None:
            parts.append(f"random sample of {self.sample}")
        if self.limit is not None:
            parts.append(f"at most {self.limit}")
        return clean_line(" · ".join(parts))

    def matches_locally(self, call: ListedCall, names: tuple[str, ...] = ()) -> bool:
        """Whether ``call`` passes the filters polytui applies itself: ``handoff`` always (no
        API has it), and the ``SUMMARY_FILTERS`` named in ``names`` (a source could not apply
        them); a value the summary does not say fails a filter on it."""
        if self.handoff is not None and (call.handoff is True) != self.handoff:
            return False
        if not names:
            return True
        start = call.start
        since, until = self.window(datetime.now(UTC))
        checks = {
            "since": lambda: start is not None and since is not None and start >= since,
            "until": lambda: start is not None and until is not None and start < until,
            "env": lambda: (call.environment or "").lower() == self.environment,
            "channel": lambda: _channel_matches(self.channels, call.channel),
            "variant": lambda: (
                (self.variant or self.variant_id) in (call.variant_name, call.variant_id)
            ),
            "in-progress": lambda: (
                call.in_progress is self.in_progress
                or (call.in_progress is None and self.in_progress is False)
            ),
        }
        return all(
            checks[name]() for name in names if name in checks and name in self.api_filters()
        )

    # -- remembered ------------------------------------------------------------------------------

    def to_json(self) -> str:
        data = {k: v for k, v in asdict(self).items() if v not in (None, (), False)}
        data["channels"] = list(self.channels)
        return json.dumps(data, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | None) -> ListFilter:
        """A filter from ``to_json``'s text; what cannot be read (a damaged or older file, a
        value no longer valid) is left out rather than refused."""
        try:
            data = json.loads(text or "{}")
        except (ValueError, RecursionError):
            data = {}
        if not isinstance(data, Mapping):
            data = {}
        known = {f.name for f in fields(cls)}
        values: dict[str, Any] = {
            name: value
            for name, value in data.items()
            if name in known and (value is None or type(value) is _KINDS.get(name, str))
        }
        if "channels" in values:
            channels = values["channels"]
            values["channels"] = (
                tuple(c for c in channels if isinstance(c, str))
                if isinstance(channels, list)
                else ()
            )
        trials = [values] + [{k: v for k, v in values.items() if k != name} for name in values]
        for trial in trials:  # all of it, else all but the one value that spoils it
            try:
                return cls(**trial)
            except (UsageError, TypeError, ValueError):
                continue
        return cls()


@dataclass(frozen=True)
class PageToken:
    """Where the next page starts: the API's opaque ``cursor``, or the legacy ``offset``."""

    cursor: str | None = None
    offset: int | None = None


@dataclass(frozen=True)
class ListPage:
    """One page as a source answered it."""

    calls: tuple[ListedCall, ...]
    next: PageToken | None  # None: this was the last page
    unapplied: tuple[str, ...] = ()  # API_FILTERS this source could not apply
    skipped: int = 0  # summaries without an ID (they cannot be opened)
    host: str = ""


@dataclass(frozen=True)
class KeptListing:
    """A listing a store keeps so it reopens offline: what was asked, when, and what came."""

    name: str  # which listing ("find": the app's Find view)
    agent: str
    host: str
    filters: ListFilter  # as resolved when it was made (absolute window)
    made_at: datetime  # aware, UTC
    calls: tuple[ListedCall, ...] = ()
    next: PageToken | None = None  # where it would go on; None: complete
    unapplied: tuple[str, ...] = ()
    page_size: int = DEFAULT_PAGE_SIZE  # what every page was asked with


@dataclass
class ListingRun:
    """One listing under way (see the module docstring). Ask ``list_page`` with ``filters``,
    ``token`` and ``page_size``; hand each answer to ``accept``; stop when ``done``."""

    filters: ListFilter
    page_size: int = DEFAULT_PAGE_SIZE
    token: PageToken | None = None
    done: bool = False
    listed: int = 0
    skipped: int = 0
    unapplied: tuple[str, ...] = ()
    pages: int = 0
    _seen: set[str] = field(default_factory=set, repr=False)
    _tokens: set[PageToken] = field(default_factory=set, repr=False)
    _barren: int = 0

    @classmethod
    def start(
        cls, filters: ListFilter, *, now: datetime, page_size: int = DEFAULT_PAGE_SIZE
    ) -> ListingRun:
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise UsageError(f"A page is 1 to {MAX_PAGE_SIZE:,} calls.")
        wanted = filters.sample if filters.sample is not None else filters.limit
        if wanted is not None and filters.handoff is None:
            page_size = min(page_size, wanted)  # fewer calls asked (a source that cannot
            # filter pages on until enough pass)
        return cls(filters.resolved(now), page_size)

    @classmethod
    def resume(cls, kept: KeptListing) -> ListingRun:
        """The run that goes on where ``kept`` stopped: the same filters and page size, the
        calls already listed not listed again."""
        run = cls(kept.filters, kept.page_size, token=kept.next, done=kept.next is None)
        run.listed = len(kept.calls)
        run.unapplied = kept.unapplied
        run._seen = {call.conversation_id for call in kept.calls}
        return run

    def kept(self, name: str, agent: str, host: str, made_at: datetime) -> KeptListing:
        """This run as a store keeps it (its calls are added page by page)."""
        return KeptListing(
            name=name,
            agent=agent,
            host=host,
            filters=self.filters,
            made_at=made_at,
            next=None if self.done else self.token,
            unapplied=self.unapplied,
            page_size=self.page_size,
        )

    @property
    def wanted(self) -> int | None:
        """How many calls in all (``sample`` or ``limit``); None: every one."""
        sample, limit = self.filters.sample, self.filters.limit
        if sample is not None and limit is not None:
            return min(sample, limit)
        return sample if sample is not None else limit

    def accept(self, page: ListPage) -> tuple[ListedCall, ...]:
        """The calls of ``page`` to show: new ones, passing the local filters, up to ``wanted``.
        Moves ``token`` on (or sets ``done``). ApiError when the API sends back a position it
        has already sent (it would loop)."""
        self.pages += 1
        self.skipped += page.skipped
        self.unapplied = tuple(dict.fromkeys(self.unapplied + page.unapplied))
        fresh = []
        for call in page.calls:
            if call.conversation_id in self._seen:
                continue
            self._seen.add(call.conversation_id)
            fresh.append(call)
        here, _ = split_unapplied(page.unapplied)
        kept = [call for call in fresh if self.filters.matches_locally(call, here)]
        wanted = self.wanted
        if wanted is not None:
            kept = kept[: max(0, wanted - self.listed)]
        self.listed += len(kept)
        self._barren = 0 if fresh else self._barren + 1
        following = page.next
        if following is not None and following in self._tokens | {self.token}:
            self.done, self.token = True, None
            raise ApiError(
                "The API sent the same page position twice; polytui stopped listing there "
                f"after {self.listed:,} calls."
            )
        if (
            following is None
            or (wanted is not None and self.listed >= wanted)
            or self._barren >= MAX_BARREN_PAGES
        ):
            self.done, self.token = True, None
        else:
            if self.token is not None:
                self._tokens.add(self.token)
            self.token = following
        return tuple(kept)


async def run_pages(
    lister: ConversationLister, run: ListingRun, *, agent: str | None = None
) -> AsyncIterator[tuple[ListPage, tuple[ListedCall, ...]]]:
    """Each page of ``run`` in turn, with the calls it adds, until the run is done."""
    while not run.done:
        page = await lister.list_page(run.filters, run.token, agent=agent, page_size=run.page_size)
        yield page, run.accept(page)
