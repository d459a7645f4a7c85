"""The ``ListingStore`` role: listings kept to reopen offline, the filters last used, and which
listed calls are stored; ``ListingMethods`` gives ``Store`` the role, running the SQL below
inside its transactions."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from polytui.core.ports import ConversationKey

from .records import from_db_time, to_db_time, utc_now

if TYPE_CHECKING:  # the listing's values load where a listing is read (not for every store)
    from polytui.core.listed import ListedCall
    from polytui.core.listing import KeptListing, ListFilter, PageToken

T = TypeVar("T")
_CHUNK = 400  # keys per statement (SQLite allows 32,766 variables; keep statements small)


def _summary_text(call: ListedCall) -> str:
    return json.dumps(call.raw, ensure_ascii=False, default=str)


def _append(conn: sqlite3.Connection, name: str, calls: Sequence[ListedCall]) -> None:
    start = conn.execute(
        "SELECT coalesce(max(position) + 1, 0) FROM listed_calls WHERE name = ?", (name,)
    ).fetchone()[0]
    conn.executemany(
        "INSERT INTO listed_calls (name, position, conversation_id, raw) VALUES (?, ?, ?, ?)",
        [
            (name, start + number, call.conversation_id, _summary_text(call))
            for number, call in enumerate(calls)
        ],
    )


def _position(following: PageToken | None) -> tuple[str | None, int | None, int]:
    if following is None:
        return None, None, 1
    return following.cursor, following.offset, 0


def keep(conn: sqlite3.Connection, listing: KeptListing) -> None:
    conn.execute("DELETE FROM listings WHERE name = ?", (listing.name,))
    cursor, offset, complete = _position(listing.next)
    conn.execute(
        "INSERT INTO listings (name, agent, host, filters, made_at, next_cursor, next_offset, "
        "page_size, complete, unapplied) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            listing.name,
            listing.agent,
            listing.host,
            listing.filters.to_json(),
            to_db_time(listing.made_at),
            cursor,
            offset,
            listing.page_size,
            complete,
            json.dumps(list(listing.unapplied)),
        ),
    )
    _append(conn, listing.name, listing.calls)


def extend(
    conn: sqlite3.Connection,
    name: str,
    calls: Sequence[ListedCall],
    following: PageToken | None,
) -> None:
    cursor, offset, complete = _position(following)
    changed = conn.execute(
        "UPDATE listings SET next_cursor = ?, next_offset = ?, complete = ? WHERE name = ?",
        (cursor, offset, complete, name),
    ).rowcount
    if changed:
        _append(conn, name, calls)


def _read_calls(rows: list[tuple[Any, ...]]) -> tuple[ListedCall, ...]:
    from polytui.core.listed import ListedCall

    calls = []
    for conversation_id, raw in rows:
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            data = None
        # A summary that no longer reads (edited by hand) still lists under its ID.
        call = ListedCall.read(data) or ListedCall.read({"id": conversation_id})
        if call is not None:
            calls.append(call)
    return tuple(calls)


def read(conn: sqlite3.Connection, name: str) -> KeptListing | None:
    head = conn.execute(
        "SELECT agent, host, filters, made_at, next_cursor, next_offset, page_size, complete, "
        "unapplied FROM listings WHERE name = ?",
        (name,),
    ).fetchone()
    if head is None:
        return None
    agent, host, filters, made_at, cursor, offset, page_size, complete, unapplied = head
    from polytui.core.listing import (
        DEFAULT_PAGE_SIZE,
        MAX_PAGE_SIZE,
        KeptListing,
        ListFilter,
        PageToken,
    )

    rows = conn.execute(
        "SELECT conversation_id, raw FROM listed_calls WHERE name = ? ORDER BY position", (name,)
    ).fetchall()
    try:
        names = tuple(str(n) for n in json.loads(unapplied))
    except (ValueError, TypeError):
        names = ()
    following = None
    if not complete and (cursor is not None or offset is not None):
        following = PageToken(cursor=cursor, offset=offset)
    return KeptListing(
        name=name,
        agent=agent,
        host=host,
        filters=ListFilter.from_json(filters),
        made_at=from_db_time(made_at),
        calls=_read_calls(rows),
        next=following,
        unapplied=names,
        page_size=page_size if 1 <= page_size <= MAX_PAGE_SIZE else DEFAULT_PAGE_SIZE,
    )


def remember(conn: sqlite3.Connection, name: str, filters: ListFilter) -> None:
    conn.execute(
        "INSERT INTO remembered_filters (name, filters, saved_at) VALUES (?, ?, ?) "
        "ON CONFLICT (name) DO UPDATE SET filters = excluded.filters, saved_at = excluded.saved_at",
        (name, filters.to_json(), to_db_time(utc_now())),
    )


def remembered(conn: sqlite3.Connection, name: str) -> ListFilter | None:
    row = conn.execute("SELECT filters FROM remembered_filters WHERE name = ?", (name,)).fetchone()
    if row is None:
        return None
    from polytui.core.listing import ListFilter

    return ListFilter.from_json(row[0])


def stored_among(conn: sqlite3.Connection, keys: Sequence[ConversationKey]) -> set[ConversationKey]:
    found: set[ConversationKey] = set()
    wanted = list(dict.fromkeys(keys))
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        pairs = ", ".join("(?, ?)" for _ in chunk)
        values = [part for key in chunk for part in key]
        rows = conn.execute(
            f"SELECT agent, conversation_id FROM conversations "
            f"WHERE (agent, conversation_id) IN (VALUES {pairs})",
            values,
        ).fetchall()
        found.update((agent, cid) for agent, cid in rows)
    return found


class ListingMethods:
    """``ListingStore`` over the Store's connection (``_run`` runs an operation, in an
    IMMEDIATE transaction when it writes)."""

    if TYPE_CHECKING:

        def _run(self, operation: Callable[[sqlite3.Connection], T], *, write: bool) -> T: ...

    def keep_listing(self, listing: KeptListing) -> None:
        self._run(lambda c: keep(c, listing), write=True)

    def extend_listing(
        self, name: str, calls: Sequence[ListedCall], following: PageToken | None
    ) -> None:
        self._run(lambda c: extend(c, name, calls, following), write=True)

    def kept_listing(self, name: str) -> KeptListing | None:
        return self._run(lambda c: read(c, name), write=False)

    def remember_filters(self, name: str, filters: ListFilter) -> None:
        self._run(lambda c: remember(c, name, filters), write=True)

    def remembered_filters(self, name: str) -> ListFilter | None:
        return self._run(lambda c: remembered(c, name), write=False)

    def stored_among(self, keys: Sequence[ConversationKey]) -> set[ConversationKey]:
        wanted = list(keys)
        return self._run(lambda c: stored_among(c, wanted), write=False)
