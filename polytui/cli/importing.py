"""`polytui import`: conversations and their notes from JSON files (polytui's json export or the
API's own JSON), stored a batch at a time.

Each file is read and parsed once. A file holding one conversation and nothing of polytui's
(no notes, no review items) is kept as its own text, as a fetched call is kept as the API's;
a conversation inside a list, or one that carried notes, is kept as its JSON written anew
without them. Calls are stored ``IMPORT_BATCH`` at a time, each batch one transaction of the
store (``CallCache.put_many``).

Many files on a computer with several cores are read in worker processes (``_Readers``): each
reads its files, checks each call and works out what the store keeps of it (its listing
columns, search documents and compressed text: ``polytui.stores.prepare_call``), while this
process writes, in the order the files were given. A named pipe or standard input is read
here, in its place."""

from __future__ import annotations

import argparse
import json
import os
import stat
import sys
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from polytui.core import jsontext
from polytui.core.config import Settings
from polytui.core.errors import BadPayloadError, PolytuiError, StoreInterrupted, UsageError
from polytui.core.note import MAX_TURN, NOTE_LABELS, NOTES_KEY, REVIEWS_KEY
from polytui.core.ports import NewCall, PreparedCall
from polytui.core.text import clean_line

from .batch import BatchReport
from .inputs import read_upto

IMPORT_HOST = "import"  # stored as the host of imported conversations
MAX_IMPORT_BYTES = 256 * 1024 * 1024
IMPORT_BATCH = 500  # calls stored per transaction: one commit (one sync) per batch, not per call
POOL_FROM = 200  # regular files: fewer are read in this process (workers would cost more)
POOL_FILES = 16  # files a worker reads at a time
POOL_AHEAD = 8  # sets of files read ahead of the writer, at most (bounds the memory held)
MAX_JOBS = 64

Notes = list[tuple[int | None, str | None, str]]


@dataclass
class ImportReport:
    conversations: int = 0
    notes_added: int = 0
    notes_already: int = 0
    failed: list[tuple[str, PolytuiError]] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return BatchReport(failed=self.failed).exit_code

    def summary(self) -> str:
        parts = [
            f"Imported {self.conversations} conversation(s)",
            f"{self.notes_added} new note(s)",
        ]
        if self.notes_already:
            parts.append(f"{self.notes_already} note(s) already stored")
        if self.failed:
            parts.append(f"{len(self.failed)} failed")
        return ", ".join(parts) + "."


def run_import(args: argparse.Namespace, settings: Settings) -> int:
    from contextlib import closing

    from polytui.stores import open_store

    names = list(args.files)
    if names.count("-") > 1:
        raise UsageError("Standard input ('-') can be imported only once.")
    jobs = getattr(args, "jobs", None)
    if jobs is not None and not 0 <= jobs <= MAX_JOBS:
        raise UsageError(f"--jobs must be between 0 and {MAX_JOBS}.")
    report = ImportReport()
    # The workers are forked once the store is open, so its code is loaded once; they never
    # touch its connection, and nothing of SQLite's runs as they end (the pool stops them with
    # SIGTERM, or they leave through os._exit).
    with closing(open_store(settings)) as store, _Readers(names, settings.agent, jobs) as readers:
        batches = _Batches(store, report)
        try:
            for where, outcome in readers:
                if isinstance(outcome, _Ready):
                    batches.add(where, outcome)
                else:
                    report.failed.append((where, outcome))
        except BaseException:  # Ctrl+C, SIGTERM: the batch not yet stored is dropped
            batches.abort()
            raise
        batches.close()
    for where, error in report.failed:
        print(f"polytui: {where}: {error}", file=sys.stderr)
    print(report.summary())
    return report.exit_code


@dataclass(frozen=True)
class _Ready:
    """A call read and worked out, ready for the store (it pickles: a worker sends it)."""

    call: PreparedCall
    agent: str
    conversation_id: str
    notes: Notes


Outcome = tuple[str, _Ready | PolytuiError]  # where it came from, and what it came to


def read_file(name: str, agent: str | None) -> list[Outcome]:
    """What each conversation of file ``name`` ('-': standard input) came to, in order."""
    from polytui.stores import prepare_call

    shown = "standard input" if name == "-" else clean_line(name)
    try:
        items = read_items(name)
    except PolytuiError as exc:
        return [(shown, exc)]
    outcomes: list[Outcome] = []
    for index, (item, text) in enumerate(items, start=1):
        where = shown if len(items) == 1 else f"{shown} (item {index})"
        try:
            call, notes = conversation_to_store(item, text, agent)
            ready = _Ready(prepare_call(call), call.agent, call.conversation.conversation_id, notes)
        except PolytuiError as exc:
            outcomes.append((where, exc))
        else:
            outcomes.append((where, ready))
    del items
    return outcomes


def _read_files(names: list[str], agent: str | None) -> list[Outcome]:
    return [outcome for name in names for outcome in read_file(name, agent)]


def _regular(name: str) -> bool:
    """``name`` is a file a worker can read (not standard input, a named pipe or a device);
    one that cannot be looked at goes to a worker too, which says why it cannot be read."""
    if name == "-":
        return False
    try:
        return stat.S_ISREG(os.stat(name).st_mode)
    except (OSError, ValueError):
        return True


def _workers(names: list[str], jobs: int | None = None) -> int:
    """How many worker processes read ``names``: ``jobs`` when given, else one a core (up to
    4) for ``POOL_FROM`` regular files or more; none where processes cannot be forked."""
    if jobs == 0:
        return 0
    if jobs is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        if (cores or 1) < 2 or len(names) < POOL_FROM or sum(map(_regular, names)) < POOL_FROM:
            return 0
        jobs = min(cores or 1, 4)
    import multiprocessing

    return jobs if "fork" in multiprocessing.get_all_start_methods() else 0  # Windows: none


def _worker_start() -> None:
    """A worker: Ctrl+C is its parent's to handle (which ends the workers), SIGTERM and SIGHUP
    end it at once. When its parent is gone (``kill -9``), the pool's task pipe closes and it
    ends after the files in hand."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


class _Readers:
    """The outcomes of reading ``names``, in order: in this process, or in a pool of worker
    processes reading ahead of the writer (``POOL_AHEAD`` sets of ``POOL_FILES`` files at
    most), a named pipe or standard input read here in its place."""

    def __init__(self, names: list[str], agent: str | None, jobs: int | None = None) -> None:
        self.names = names
        self.agent = agent
        self.jobs = jobs
        self._pool: Any = None

    def __enter__(self) -> _Readers:
        workers = _workers(self.names, self.jobs)
        if workers:
            import multiprocessing

            import polytui.core.models  # noqa: F401  (once here, not once in each worker)

            context = multiprocessing.get_context("fork")
            try:
                self._pool = context.Pool(workers, _worker_start)
            except OSError:  # no processes to be had (a limit reached): read them here
                self._pool = None
        return self

    def __exit__(self, *exc_info: object) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.terminate()
            pool.join()

    def __iter__(self) -> Iterator[Outcome]:
        if self._pool is None:
            for name in self.names:
                yield from read_file(name, self.agent)
            return
        pending: deque[Any] = deque()
        sets = iter(self._sets())
        for _ in range(POOL_AHEAD):
            self._ask(pending, next(sets, None))
        while pending:
            job = pending.popleft()
            self._ask(pending, next(sets, None))
            yield from (read_file(job, self.agent) if isinstance(job, str) else job.get())

    def _sets(self) -> Iterator[str | list[str]]:
        """Sets of regular files for the workers, and each other name alone (read here)."""
        run: list[str] = []
        for name in self.names:
            if _regular(name):
                run.append(name)
                if len(run) == POOL_FILES:
                    yield run
                    run = []
                continue
            if run:
                yield run
                run = []
            yield name
        if run:
            yield run

    def _ask(self, pending: deque[Any], job: str | list[str] | None) -> None:
        if isinstance(job, list):
            pending.append(self._pool.apply_async(_read_files, (job, self.agent)))
        elif job is not None:
            pending.append(job)


class _Batches:
    """Imports items in batches of ``IMPORT_BATCH``, each one transaction of the store. An item
    that fails (bad JSON, not a conversation, a store write refused) fails alone; a batch
    whose transaction fails (a full disk) fails every item in it, and nothing of it is
    kept. An interruption (``abort``) keeps the batches already committed, whole."""

    def __init__(self, store: Any, report: ImportReport) -> None:
        self.store = store
        self.report = report
        self._pending: list[tuple[str, _Ready]] = []

    def add(self, where: str, ready: _Ready) -> None:
        self._pending.append((where, ready))
        if len(self._pending) >= IMPORT_BATCH:
            self.close()

    def abort(self) -> None:
        self._pending = []

    def close(self) -> None:
        """Store the pending items in one transaction; they count as imported only once it is
        kept."""
        items, self._pending = self._pending, []
        if not items:
            return
        done: list[tuple[int, int]] = []
        failed: list[tuple[str, PolytuiError]] = []
        try:
            with self.store.batch():
                results = self.store.put_many([ready.call for _, ready in items])
                for (where, ready), error in zip(items, results, strict=True):
                    if error is None:
                        error = self._add_notes(ready, done)
                    if isinstance(error, StoreInterrupted):
                        raise error
                    if error is not None:
                        failed.append((where, error))
        except StoreInterrupted:  # Ctrl+C or SIGTERM stopped a statement: the batch is undone
            raise
        except PolytuiError as exc:  # the batch could not begin, or not be kept
            self.report.failed.extend((where, exc) for where, _ in items)
            return
        self.report.failed.extend(failed)
        for added, already in done:
            self.report.conversations += 1
            self.report.notes_added += added
            self.report.notes_already += already

    def _add_notes(self, ready: _Ready, done: list[tuple[int, int]]) -> PolytuiError | None:
        added = already = 0
        if ready.notes:
            try:
                added, already = self.store.add_notes_once(
                    ready.agent, ready.conversation_id, ready.notes
                )
            except PolytuiError as exc:
                return exc
        done.append((added, already))
        return None


def read_items(name: str) -> list[tuple[Any, str | None]]:
    """The conversation objects a file holds (one object, or a list of them), unchecked, each
    with the file's text when it is the whole file (else None); UsageError with the reason
    when the file cannot be read or is not such JSON."""
    try:
        data = read_upto(name, MAX_IMPORT_BYTES)
    except OSError as exc:
        raise UsageError(f"cannot read it ({exc.strerror or exc}).") from None
    if len(data) > MAX_IMPORT_BYTES:
        raise UsageError(f"it is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB.")
    if not data.strip():
        raise UsageError("it is empty.")
    try:
        text = data.decode(json.detect_encoding(data))
        parsed = jsontext.loads(text)
    except RecursionError:
        raise UsageError("its JSON is nested too deeply to read.") from None
    except ValueError as exc:  # UnicodeDecodeError is a ValueError
        raise UsageError(f"it is not JSON ({_short(exc)}).") from None
    if isinstance(parsed, dict):
        return [(parsed, text)]
    if isinstance(parsed, list) and parsed:
        return [(item, None) for item in parsed]
    raise UsageError("it holds no conversation (expected a JSON object or a list of them).")


def conversation_to_store(item: Any, text: str | None, agent: str | None) -> tuple[NewCall, Notes]:
    """What storing ``item`` takes (host ``import``; ``text``, its JSON text when known, kept
    as it is unless it carries notes under NOTES_KEY or review-queue items under REVIEWS_KEY,
    which are left out) and the notes it carries (the review items belong to the exporter's
    queues: not imported). UsageError when it is not a conversation."""
    from polytui.core.ids import exact_id
    from polytui.core.models import Conversation

    if not isinstance(item, dict):
        raise UsageError("it is not a conversation object.")
    payload = item
    if NOTES_KEY in item or REVIEWS_KEY in item:
        payload = {key: value for key, value in item.items() if key not in (NOTES_KEY, REVIEWS_KEY)}
        text = None
    notes = parse_notes(item.get(NOTES_KEY))
    try:
        conversation = Conversation.from_data(payload)
    except BadPayloadError as exc:
        detail = exc.message.partition(": ")[2].rstrip(".") or exc.message.rstrip(".")
        raise UsageError(f"not a conversation: {detail}.") from None
    exact_id(conversation.conversation_id, "conversationId")
    owner = agent or exact_id(conversation.project_id, "agent ID (projectId)")
    raw = text if text is not None else _dumps(payload)
    return NewCall(owner, IMPORT_HOST, raw, conversation, parsed=payload), notes


def parse_notes(value: Any) -> Notes:
    """(turn, label, text) of each note in an export's NOTES_KEY list; UsageError naming the
    first bad one."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise UsageError(f"{NOTES_KEY} is not a list of notes.")
    notes: Notes = []
    for number, entry in enumerate(value, start=1):
        if not isinstance(entry, dict):
            raise UsageError(f"note {number} under {NOTES_KEY} is not an object.")
        turn, label, text = entry.get("turn"), entry.get("label"), entry.get("text")
        if turn is not None and (
            isinstance(turn, bool) or not isinstance(turn, int) or not 1 <= turn <= MAX_TURN
        ):
            raise UsageError(
                f"note {number} under {NOTES_KEY} has a bad turn number "
                f"(turns are numbered from 1 to {MAX_TURN:,})."
            )
        if label is not None and label not in NOTE_LABELS:
            raise UsageError(
                f"note {number} under {NOTES_KEY} has an unknown label {clean_line(label)[:40]!r}."
            )
        if text is not None and not isinstance(text, str):
            raise UsageError(f"note {number} under {NOTES_KEY} has text that is not a string.")
        text = (text or "").strip()
        if not text and label is None:
            raise UsageError(f"note {number} under {NOTES_KEY} has neither text nor a label.")
        notes.append((turn, label, text))
    return notes


def _dumps(payload: dict[str, Any]) -> str:
    """The conversation's JSON text as stored: compact, non-ASCII kept unless it cannot be
    encoded (lone surrogates), then escaped."""
    try:
        text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return json.dumps(payload, separators=(",", ":"))
    except RecursionError:
        raise UsageError("its JSON is nested too deeply to store.") from None


def _short(exc: BaseException) -> str:
    text = clean_line(exc)
    return text if len(text) <= 80 else text[:77] + "..."
