"""The Store: every conversation fetched, the reviewers' notes and review queues, listings kept
to reopen offline, and full-text indexes, in one SQLite file. All SQL of polytui lives in this
package, behind this one class (its queue methods in ``queues.py``, its listings' in
``kept.py``)."""

from __future__ import annotations

import builtins
import contextlib
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from polytui.core.errors import PolytuiError, StoreError, StoreInterrupted
from polytui.core.ids import exact_id
from polytui.core.ports import (
    ConversationKey,
    ConversationRow,
    ListingCursor,
    ListingPage,
    NewCall,
    PreparedCall,
    StoredConversation,
)

from . import notes
from .connection import (
    RETRY_SECONDS,
    is_corrupt,
    move_aside,
    open_database,
    refuse_afresh,
    refuse_write,
    retry_busy,
    store_error,
)
from .index import drop_all_conversation_documents, drop_conversations
from .kept import ListingMethods
from .listing import count_rows, list_rows, position, read_page, rows_for
from .queues import QueueMethods
from .records import from_db_time, payload_pieces, to_db_time, utc_now
from .writes import Prepared, prepare, prepare_new, write

if TYPE_CHECKING:  # the pydantic models load only where a call is read or stored
    from polytui.core.hits import CallHits, SearchHit  # and a search's values where one runs
    from polytui.core.models import Conversation
    from polytui.core.note import Note

T = TypeVar("T")


CHECKPOINT_PAGES = 1000  # SQLite's default: the WAL is copied into the database past 4 MiB
BATCH_CHECKPOINT_PAGES = 16384  # after a batch's commit: past 64 MiB (4 KiB pages)


def _default_warn(message: str) -> None:
    print(f"polytui: {message}", file=sys.stderr)


class Store(QueueMethods, ListingMethods):
    """The local store at ``path`` (normally ``Settings.db_path``).

    Safe to share between threads (one connection, serialised) and between processes (WAL,
    a busy timeout, IMMEDIATE transactions, retries). A damaged file is moved aside, ``warn``
    is told, and a new store starts; other failures raise StoreError with one sentence.
    """

    def __init__(
        self,
        path: Path,
        *,
        warn: Callable[[str], None] | None = None,
        follow_link: bool = False,
        say_waiting: bool = False,
    ) -> None:
        self.path = Path(path)
        self._warn = warn or _default_warn
        self._follow_link = follow_link
        # Tell ``warn`` once when another process keeps the store locked (a front end that
        # shows its own waiting notice leaves this off).
        self._say_waiting = say_waiting
        self._lock = threading.RLock()
        self._batching = False  # a batch's transaction is open: writes join it
        self._conn: sqlite3.Connection | None = open_database(
            self.path, self._warn, follow_link=follow_link
        )

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    # -- plumbing -------------------------------------------------------------------------

    def _run(self, operation: Callable[[sqlite3.Connection], T], *, write: bool) -> T:
        """Run ``operation`` (in an IMMEDIATE transaction when ``write``), retrying while
        another process holds the lock and starting afresh once if the file turns out damaged."""
        with self._lock:
            if self._batching:
                return self._in_batch(operation, write=write)
            for attempt in (1, 2):
                conn = self._conn
                if conn is None:
                    raise StoreError(f"The store at {self.path} is closed.")
                waiting = self._waiting if self._say_waiting else None
                try:
                    if write:
                        refuse_write(conn, self.path)
                        return retry_busy(
                            lambda: self._transaction(conn, operation),  # noqa: B023
                            waiting,
                        )
                    return retry_busy(lambda: operation(conn), waiting)  # noqa: B023
                except sqlite3.DatabaseError as exc:
                    if attempt == 1 and is_corrupt(exc):
                        self._start_afresh(conn)
                        continue
                    raise store_error(self.path, "write to" if write else "read", exc) from None
                except UnicodeEncodeError as exc:
                    raise store_error(self.path, "write to" if write else "read", exc) from None
            raise AssertionError("unreachable: the second attempt returns or raises")

    def _in_batch(self, operation: Callable[[sqlite3.Connection], T], *, write: bool) -> T:
        """``operation`` inside the open batch: a write under a savepoint of its own, so that
        one that fails is undone alone and the batch goes on."""
        conn = self._conn
        if conn is None:
            raise StoreError(f"The store at {self.path} is closed.")
        try:
            if not write:
                return operation(conn)
            conn.execute("SAVEPOINT one_write")
            try:
                result = operation(conn)
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK TO one_write")
                    conn.execute("RELEASE one_write")
                raise
            conn.execute("RELEASE one_write")
            return result
        except (sqlite3.DatabaseError, UnicodeEncodeError) as exc:
            raise store_error(self.path, "write to" if write else "read", exc) from None

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Every store call made inside (by this thread) joins one transaction, committed when
        the block ends: storing thousands of calls costs one commit, not one each. A write
        that fails is undone alone (it raises as usual, and the batch goes on); an exception
        out of the block, or a failed commit (StoreError), undoes the whole batch. Other
        threads wait for the batch to end."""
        with self._lock:
            if self._batching:  # nested: part of the batch already open
                yield
                return
            conn = self._conn
            if conn is None:
                raise StoreError(f"The store at {self.path} is closed.")
            refuse_write(conn, self.path)  # a store opened read-only says why, at once
            try:
                retry_busy(lambda: conn.execute("BEGIN IMMEDIATE"))
            except sqlite3.DatabaseError as exc:
                raise store_error(self.path, "write to", exc) from None
            self._batching = True
            try:
                yield
            except BaseException:
                self._batching = False
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                raise
            self._batching = False
            try:
                # A batch's commit copies the WAL into the database (a checkpoint, which syncs
                # it) only past BATCH_CHECKPOINT_PAGES, not SQLite's 1,000: an import or fetch
                # of many batches rewrites the same index pages far less often. Each commit is
                # as safe as before (WAL; synchronous NORMAL), and the WAL grows to 64 MiB.
                conn.execute(f"PRAGMA wal_autocheckpoint = {BATCH_CHECKPOINT_PAGES:d}")
                conn.execute("COMMIT")
            except sqlite3.DatabaseError as exc:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                raise store_error(self.path, "write to", exc) from None
            finally:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute(f"PRAGMA wal_autocheckpoint = {CHECKPOINT_PAGES:d}")

    @staticmethod
    def _transaction(conn: sqlite3.Connection, operation: Callable[[sqlite3.Connection], T]) -> T:
        conn.execute("BEGIN IMMEDIATE")
        try:
            result = operation(conn)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                # If ROLLBACK itself fails, SQLite rolls the journal back on the next open;
                # the error worth reporting is the one that got us here.
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
            raise
        return result

    def _waiting(self) -> None:
        self._say_waiting = False  # once
        self._warn(
            f"Waiting for the store at {self.path}: another process is writing to it "
            f"(up to {RETRY_SECONDS:g} s; Ctrl+C stops)."
        )

    def _start_afresh(self, conn: sqlite3.Connection) -> None:
        refuse_afresh(conn, self.path)  # a read-only or linked store is not polytui's to move
        self._conn = None
        move_aside(self.path, self._warn)  # before close(), which would delete the -wal
        conn.close()
        self._conn = open_database(self.path, self._warn, follow_link=self._follow_link)

    # -- conversations ----------------------------------------------------------------------

    def get(self, conversation_id: str, agent: str | None = None) -> StoredConversation | None:
        """The stored copy of a conversation; with ``agent`` None, the newest fetched of any."""
        sql = (
            "SELECT c.agent, c.conversation_id, c.host, p.body, c.fetched_at, c.in_progress "
            "FROM conversations AS c JOIN payloads AS p ON p.id = c.id "
            "WHERE c.conversation_id = ? AND (? IS NULL OR c.agent = ?) "
            "ORDER BY c.fetched_at DESC LIMIT 1"
        )
        row = self._run(
            lambda c: c.execute(sql, (conversation_id, agent, agent)).fetchone(), write=False
        )
        if row is None:
            return None
        body = row[3]
        return StoredConversation(
            agent=row[0],
            conversation_id=row[1],
            host=row[2],
            fetched_at=from_db_time(row[4]),
            in_progress=bool(row[5]),
            pieces=lambda: payload_pieces(body),  # damaged: as conversation() will say
            size=len(body) if isinstance(body, bytes) else 0,
        )

    def put(
        self,
        agent: str,
        host: str,
        raw: str | bytes,
        conversation: Conversation,
        fetched_at: datetime | None = None,
    ) -> None:
        """Store ``raw`` (the API's JSON text, kept exactly) as the copy of ``conversation``,
        replacing any older copy and its search entries in one transaction."""
        call = prepare(agent, host, raw, conversation, fetched_at or utc_now())
        self._run(lambda conn: write(conn, call), write=True)

    def put_many(
        self, calls: Sequence[NewCall | PreparedCall]
    ) -> builtins.list[PolytuiError | None]:
        """Store each of ``calls`` as ``put`` would, all in one transaction (inside a batch: one
        savepoint) rather than one each; returns what each came to, in order (None: kept).
        When writing them together fails, each is written again alone, so that only those
        that cannot be kept are refused."""
        now = utc_now()
        results: builtins.list[PolytuiError | None] = [None] * len(calls)
        ready: builtins.list[tuple[int, Prepared]] = []
        for number, call in enumerate(calls):
            try:
                if isinstance(call, NewCall):
                    ready.append((number, prepare_new(call, now)))
                elif isinstance(call, Prepared):
                    ready.append((number, call))
                else:
                    raise TypeError(f"not a call to store: {type(call).__name__}")
            except PolytuiError as exc:
                results[number] = exc
        if not ready:
            return results

        def together(conn: sqlite3.Connection) -> None:
            for _, prepared in ready:
                write(conn, prepared)

        try:
            self._run(together, write=True)
        except StoreInterrupted:  # the command is stopping: not one call's failure
            raise
        except StoreError:
            for number, prepared in ready:
                try:
                    self._run(lambda conn, p=prepared: write(conn, p), write=True)  # type: ignore[misc]
                except StoreInterrupted:
                    raise
                except StoreError as exc:
                    results[number] = exc
        return results

    def list(
        self,
        *,
        agent: str | None = None,
        order_by: str = "started_at",
        descending: bool = True,
        limit: int | None = None,
        offset: int = 0,
        text_filter: str | None = None,
    ) -> list[ConversationRow]:
        """Listing rows. Empty values sort last either way; ``text_filter``'s words must each
        appear (case-insensitively) in the ID, summary, tags, channel, start time or agent."""
        return self._run(
            lambda c: list_rows(
                c,
                agent=agent,
                order_by=order_by,
                descending=descending,
                limit=limit,
                offset=offset,
                text_filter=text_filter,
            ),
            write=False,
        )

    def page(
        self,
        *,
        agent: str | None = None,
        order_by: str = "started_at",
        descending: bool = True,
        text_filter: str | None = None,
        after: ListingCursor | None = None,
        offset: int = 0,
        limit: int = 100,
    ) -> ListingPage:
        """Up to ``limit`` listing rows, ``offset`` rows past ``after`` (the ``end`` of an
        earlier page of this order; None: from the first row). Following ``after`` walks on
        along the order's index: the cost of a page does not grow with the calls stored."""
        return self._run(
            lambda c: read_page(
                c,
                agent=agent,
                order_by=order_by,
                descending=descending,
                text_filter=text_filter,
                after=after,
                offset=offset,
                limit=limit,
            ),
            write=False,
        )

    def position(
        self,
        key: ConversationKey,
        *,
        agent: str | None = None,
        order_by: str = "started_at",
        descending: bool = True,
        text_filter: str | None = None,
    ) -> int | None:
        """The 0-based line of the call ``key`` in that listing; None when it is not listed."""
        return self._run(
            lambda c: position(
                c,
                key,
                agent=agent,
                order_by=order_by,
                descending=descending,
                text_filter=text_filter,
            ),
            write=False,
        )

    def rows_for(self, keys: Sequence[ConversationKey]) -> builtins.list[ConversationRow]:
        """Listing rows of the conversations ``keys`` name, in that order; keys of copies no
        longer stored are left out."""
        return self._run(lambda c: rows_for(c, keys), write=False)

    def count(self, *, agent: str | None = None, text_filter: str | None = None) -> int:
        """How many stored conversations ``list`` would return with the same filters."""
        return self._run(lambda c: count_rows(c, agent=agent, text_filter=text_filter), write=False)

    def search(
        self,
        query: str,
        *,
        limit: int = 20,
        agent: str | None = None,
        per_call: int = 3,
        cancelled: Callable[[], bool] | None = None,
    ) -> builtins.list[CallHits]:
        """The best ``limit`` calls for ``query`` (polytui's syntax, ``polytui.core.search``;
        a query that is not that syntax is searched word for word), best first, each with its
        ``per_call`` best hits (turns, summaries, the API's notes, reviewers' notes). Calls are
        ranked in SQL from how many of their turns match; snippets are cut for the hits shown
        only. ``cancelled()`` turning true stops it with SearchCancelled."""
        from .search import run_search  # a command that only lists calls never loads search

        query = _valid_text(query)
        return self._run(
            lambda c: run_search(
                c, query, limit=limit, agent=agent, per_call=per_call, cancelled=cancelled
            ),
            write=False,
        )

    def search_call(
        self,
        query: str,
        agent: str,
        conversation_id: str,
        *,
        limit: int = 200,
        cancelled: Callable[[], bool] | None = None,
    ) -> builtins.list[SearchHit]:
        """Every hit of ``query`` in one stored call (the first ``limit``), the whole call's
        (summary, notes) first, then by turn."""
        from .search import run_search_call

        query = _valid_text(query)
        return self._run(
            lambda c: run_search_call(
                c, query, agent, conversation_id, limit=limit, cancelled=cancelled
            ),
            write=False,
        )

    def query_problem(self, query: str) -> str | None:
        """Why ``query`` is not polytui's search syntax, in one plain sentence (None when it
        is): ``search`` then takes its words as typed, and a user may want to know."""
        from polytui.core.search import problem  # the query syntax only where a search runs

        return problem(_valid_text(query))

    def delete(self, conversation_ids: Iterable[str], agent: str | None = None) -> int:
        """Remove stored conversations (of every agent when ``agent`` is None); notes stay.
        Returns how many stored copies were removed."""
        ids = list(dict.fromkeys(conversation_ids))

        def operation(conn: sqlite3.Connection) -> int:
            where = "conversation_id = ? AND (? IS NULL OR agent = ?)"
            return sum(drop_conversations(conn, where, (cid, agent, agent)) for cid in ids)

        return self._run(operation, write=True)

    def clear(self) -> int:
        """Remove every stored conversation (notes stay); returns how many were removed."""

        def operation(conn: sqlite3.Connection) -> int:
            removed = conn.execute("DELETE FROM conversations").rowcount
            drop_all_conversation_documents(conn)
            return removed

        return self._run(operation, write=True)

    def prune(self, older_than: datetime, *, include_notes: bool = False) -> int:
        """Remove conversations fetched before ``older_than`` and, with ``include_notes``, notes
        last changed before it. Returns how many conversations and notes were removed."""
        cutoff = (to_db_time(older_than),)

        def operation(conn: sqlite3.Connection) -> int:
            removed = drop_conversations(conn, "fetched_at < ?", cutoff)
            if include_notes:
                removed += notes.prune(conn, cutoff[0])
            return removed

        return self._run(operation, write=True)

    # -- reviewer notes ---------------------------------------------------------------------

    def add_note(
        self,
        agent: str,
        conversation_id: str,
        turn: int | None,
        text: str,
        label: str | None = None,
    ) -> Note:
        """Add a note on turn ``turn`` (1-based) or, with None, on the whole call. The label
        must be one of ``models.NOTE_LABELS`` or None; a note needs text or a label."""
        exact_id(agent, "agent ID")
        exact_id(conversation_id)
        notes.check(turn, text, label)
        return self._run(
            lambda c: notes.add(c, agent, conversation_id, turn, text, label), write=True
        )

    def update_note(self, note_id: int, *, text: str, label: str | None) -> Note:
        """Change a note's text and label (NotFoundError when there is no such note)."""
        return self._run(lambda c: notes.update(c, note_id, text, label), write=True)

    def delete_note(self, note_id: int) -> None:
        """Delete a note (NotFoundError when there is no such note)."""
        self._run(lambda c: notes.delete(c, note_id), write=True)

    def add_notes_once(
        self,
        agent: str,
        conversation_id: str,
        new: Sequence[tuple[int | None, str | None, str]],
    ) -> tuple[int, int]:
        """Add each (turn, label, text) the call does not hold yet, in one transaction;
        returns (added, already there)."""
        exact_id(agent, "agent ID")
        exact_id(conversation_id)
        for turn, label, text in new:
            notes.check(turn, text, label)
        wanted = list(new)
        return self._run(lambda c: notes.add_once(c, agent, conversation_id, wanted), write=True)

    def notes_for(self, conversation_id: str, agent: str | None = None) -> builtins.list[Note]:
        """Notes on one conversation: whole-call notes first, then by turn, then oldest first."""
        sql = (
            f"{notes.SELECT} WHERE conversation_id = ? AND (? IS NULL OR agent = ?) "
            "ORDER BY turn, created_at, id"
        )
        return self._notes(sql, (conversation_id, agent, agent))

    def all_notes(self) -> builtins.list[Note]:
        """Every note, by agent, conversation, turn, then oldest first."""
        order = "ORDER BY agent, conversation_id, turn, created_at, id"
        return self._notes(f"{notes.SELECT} {order}", ())

    def _notes(self, sql: str, params: tuple[Any, ...]) -> builtins.list[Note]:
        rows = self._run(lambda c: c.execute(sql, params).fetchall(), write=False)
        return [notes.from_row(row) for row in rows]


def _valid_text(query: str) -> str:
    """``query`` with lone surrogates (from undecodable bytes on the command line) as U+FFFD
    and NUL as a space: SQLite's query syntax cannot take them, and no stored text holds them
    (it is sanitised), so they match nothing."""
    query = query.replace("\x00", " ")
    try:
        query.encode("utf-8")
    except UnicodeEncodeError:
        return query.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return query
