"""The listing of stored conversations: which ones (agent, words), in what order, a page at a time.

Every order is a walk along one index (migration 5: one per sort key, ties broken by the row's
id), so a page costs the same with 100 calls stored or 100,000: the first page reads its rows
and stops, and a next page starts where the last one ended (``ListingCursor``, keyset paging)
instead of skipping what came before. Empty values come last either way: a listing is the
rows with a value, in order, then those without, by id. The note count is a column of the
conversation (kept in step by the notes' code), never counted row by row.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any, NamedTuple

from polytui.core.errors import UsageError
from polytui.core.ports import ConversationKey, ConversationRow, ListingCursor, ListingPage

from .fts import words_query
from .index import DOC_BITS
from .matches import TABLE as MATCHES
from .matches import matching
from .records import from_db_time

# The value each listing sorts by (the expression of its index, so that the index is walked).
ORDER_COLUMNS = {
    "started_at": "c.start_key",
    "conversation_id": "c.conversation_id COLLATE NOCASE",
    "channel": "c.channel COLLATE NOCASE",
    "duration": "c.duration",
    "turn_count": "c.turn_count",
    "handoff": "c.handoff",
    "poly_score": "c.poly_score",
    "max_latency": "c.max_latency",
    "tags": "c.tag_key COLLATE NOCASE",
    "fetched_at": "c.fetched_at",
    "note_count": "c.note_count",
}
_NEVER_EMPTY = frozenset({"conversation_id", "turn_count", "fetched_at", "note_count"})  # NOT NULL

_ROW_COLUMNS = (
    "c.agent, c.conversation_id, c.started_at, c.channel, c.duration, c.turn_count, c.handoff, "
    "c.poly_score, c.tags, c.summary, c.fetched_at, c.host, c.in_progress, c.max_latency, "
    "c.note_count, c.start_key"
)
_FILTER_COLUMNS = ("listing", "summary")  # of the calls' index (records.search_documents)
_KEYS_PER_QUERY = 300  # 3 parameters each: well under SQLite's smallest variable limit


class _Spec(NamedTuple):
    """One listing: its order and its filters."""

    order_by: str
    descending: bool
    agent: str | None
    text_filter: str | None

    @property
    def value(self) -> str:
        if self.order_by not in ORDER_COLUMNS:
            choices = ", ".join(ORDER_COLUMNS)
            raise UsageError(
                f"Cannot sort conversations by {self.order_by!r}: use one of {choices}."
            )
        return ORDER_COLUMNS[self.order_by]

    @property
    def way(self) -> str:
        return "DESC" if self.descending else "ASC"

    @property
    def beyond(self) -> str:
        """The comparison that means "later in this listing"."""
        return "<" if self.descending else ">"


def _where(
    conn: sqlite3.Connection, agent: str | None, text_filter: str | None, *, walk: bool = False
) -> tuple[list[str], list[Any]]:
    """``text_filter``'s words must each begin a word of the ID, summary, tags, channel, start
    time or agent: looked up in the calls' index (its "listing" and "summary" columns), never
    by reading every row, once per filter (``matches.py``). ``walk``: the order's index is
    walked and each call checked against the matches (best when many match), instead of the
    matches being read and sorted."""
    where: list[str] = []
    params: list[Any] = []
    if agent is not None:
        where.append("c.agent = ?")
        params.append(agent)
    expression = words_query(text_filter or "", _FILTER_COLUMNS)
    if expression is not None:
        check = "+c.id" if walk else "c.id"  # "+": not a lookup by id, a check of each row
        if matching(conn, expression) is not None:
            where.append(f"{check} IN {MATCHES}")
        else:  # the matches could not be kept: the index is asked in the query itself
            where.append(
                f"{check} IN (SELECT rowid >> {DOC_BITS} FROM search_index "
                "WHERE search_index MATCH ?)"
            )
            params.append(expression)
    return where, params


def _row(r: Sequence[Any]) -> ConversationRow:
    return ConversationRow(
        agent=r[0],
        conversation_id=r[1],
        started_at=r[2],
        channel=r[3],
        duration=r[4],
        turn_count=r[5],
        handoff=None if r[6] is None else bool(r[6]),
        poly_score=r[7],
        tags=tuple(json.loads(r[8])),
        summary=r[9],
        fetched_at=from_db_time(r[10]),
        host=r[11],
        in_progress=bool(r[12]),
        max_latency=r[13],
        note_count=r[14],
        started=None if r[15] is None else from_db_time(r[15]),
    )


def _select(
    conn: sqlite3.Connection,
    spec: _Spec,
    *,
    empty: bool,
    after: tuple[Any, Any] | None,
    limit: int,
    offset: int,
) -> list[tuple[ConversationRow, tuple[Any, Any]]]:
    """Rows of one part of the listing (those with a value, or with ``empty``, those without),
    each with its place (value, id); ``after`` such a place, the rows beyond it."""
    value = spec.value
    walk = _many_match(conn, spec.text_filter)
    where, params = _where(conn, spec.agent, spec.text_filter, walk=walk)
    if empty:
        where.insert(0, f"({value}) IS NULL")
        order = f"c.id {spec.way}"
        if after is not None:
            where.append(f"c.id {spec.beyond} ?")
            params.append(after[1])
    else:
        if spec.order_by not in _NEVER_EMPTY:
            where.insert(0, f"({value}) IS NOT NULL")
        order = f"{value} {spec.way}, c.id {spec.way}"
        if after is not None:
            where.append(f"({value}, c.id) {spec.beyond} (?, ?)")
            params.extend(after)
    sql = (
        f"SELECT {_ROW_COLUMNS}, {value}, c.id FROM conversations AS c "
        f"WHERE {' AND '.join(where) or '1'} ORDER BY {order} LIMIT ? OFFSET ?"
    )
    params.extend([limit, offset])
    return [(_row(r), (r[-2], r[-1])) for r in conn.execute(sql, params)]


WALK_FROM = 2000  # calls matching a filter from which a page walks the order's index


def _many_match(conn: sqlite3.Connection, text_filter: str | None) -> bool:
    """So many calls match ``text_filter`` that a page of them is found soonest by walking the
    order's index (a few rows each); with fewer, the matches are read and sorted."""
    expression = words_query(text_filter or "", _FILTER_COLUMNS)
    if expression is None:
        return False
    found = matching(conn, expression)
    if found is None:
        sql = "SELECT count(*) FROM search_index WHERE search_index MATCH ?"
        found = int(conn.execute(sql, (expression,)).fetchone()[0])
    return found >= WALK_FROM


def _count(conn: sqlite3.Connection, spec: _Spec, *, empty: bool) -> int:
    where, params = _where(conn, spec.agent, spec.text_filter)
    where.insert(0, f"({spec.value}) IS {'' if empty else 'NOT '}NULL")
    sql = f"SELECT count(*) FROM conversations AS c WHERE {' AND '.join(where)}"
    return int(conn.execute(sql, params).fetchone()[0])


def read_page(
    conn: sqlite3.Connection,
    *,
    agent: str | None,
    order_by: str,
    descending: bool,
    text_filter: str | None,
    after: ListingCursor | None,
    offset: int,
    limit: int | None,
) -> ListingPage:
    """Up to ``limit`` rows (None: all), ``offset`` rows beyond ``after`` (None: the start)."""
    spec = _Spec(order_by, descending, agent, text_filter or None)
    spec.value  # noqa: B018 - an unknown order is a UsageError before anything is read
    if (limit is not None and limit < 0) or offset < 0:
        raise UsageError("The limit and offset of a listing must not be negative.")
    if after is not None and (after.order_by, after.descending) != (order_by, descending):
        raise UsageError("A listing's cursor belongs to the order it was read in.")
    wanted = -1 if limit is None else limit
    if wanted == 0:
        return ListingPage([], after)
    place: tuple[Any, Any] | None = None if after is None else (after.value, after.id)
    in_empty_part = after is not None and after.value is None
    found: list[tuple[ConversationRow, tuple[Any, Any]]] = []
    if not in_empty_part:
        found = _select(conn, spec, empty=False, after=place, limit=wanted, offset=offset)
    short = wanted < 0 or len(found) < wanted
    if short and order_by not in _NEVER_EMPTY:
        skip = 0
        if not in_empty_part and not found and offset:
            skip = max(0, offset - _count_beyond(conn, spec, place))
        elif in_empty_part:
            skip = offset
        rest = -1 if wanted < 0 else wanted - len(found)
        tail_place = place if in_empty_part else None
        found += _select(conn, spec, empty=True, after=tail_place, limit=rest, offset=skip)
    if not found:
        return ListingPage([], after)
    value, row_id = found[-1][1]
    end = ListingCursor(order_by, descending, value, row_id)
    return ListingPage([row for row, _ in found], end)


def _count_beyond(conn: sqlite3.Connection, spec: _Spec, place: tuple[Any, Any] | None) -> int:
    """How many rows with a value lie beyond ``place`` (all of them when None)."""
    if place is None:
        return _count(conn, spec, empty=False)
    where, params = _where(conn, spec.agent, spec.text_filter)
    where.insert(0, f"({spec.value}) IS NOT NULL")
    where.append(f"({spec.value}, c.id) {spec.beyond} (?, ?)")
    params.extend(place)
    sql = f"SELECT count(*) FROM conversations AS c WHERE {' AND '.join(where)}"
    return int(conn.execute(sql, params).fetchone()[0])


def list_rows(
    conn: sqlite3.Connection,
    *,
    agent: str | None,
    order_by: str,
    descending: bool,
    limit: int | None,
    offset: int,
    text_filter: str | None,
) -> list[ConversationRow]:
    page = read_page(
        conn,
        agent=agent,
        order_by=order_by,
        descending=descending,
        text_filter=text_filter,
        after=None,
        offset=offset,
        limit=limit,
    )
    return page.rows


def position(
    conn: sqlite3.Connection,
    key: ConversationKey,
    *,
    agent: str | None,
    order_by: str,
    descending: bool,
    text_filter: str | None,
) -> int | None:
    """The 0-based line of ``key`` in the listing; None when it is not listed."""
    spec = _Spec(order_by, descending, agent, text_filter or None)
    where, params = _where(conn, agent, spec.text_filter)
    where.append("c.agent = ? AND c.conversation_id = ?")
    params.extend(key)
    sql = f"SELECT {spec.value}, c.id FROM conversations AS c WHERE {' AND '.join(where)}"
    found = conn.execute(sql, params).fetchone()
    if found is None:
        return None
    value, row_id = found
    before = _Spec(order_by, not descending, agent, spec.text_filter)  # "beyond" turned round
    if value is not None:
        return _count_beyond(conn, before, (value, row_id))
    where, params = _where(conn, agent, spec.text_filter)
    where.insert(0, f"({spec.value}) IS NULL")
    where.append(f"c.id {before.beyond} ?")
    params.append(row_id)
    sql = f"SELECT count(*) FROM conversations AS c WHERE {' AND '.join(where)}"
    return _count(conn, spec, empty=False) + int(conn.execute(sql, params).fetchone()[0])


def rows_for(conn: sqlite3.Connection, keys: Sequence[ConversationKey]) -> list[ConversationRow]:
    rows: list[ConversationRow] = []
    for start in range(0, len(keys), _KEYS_PER_QUERY):
        chunk = keys[start : start + _KEYS_PER_QUERY]
        values = ", ".join("(?, ?, ?)" for _ in chunk)
        params = [value for i, (agent, cid) in enumerate(chunk) for value in (i, agent, cid)]
        # Joining from the VALUES list makes SQLite look each key up by its unique index.
        sql = (
            f"SELECT {_ROW_COLUMNS} FROM (VALUES {values}) AS k "
            "CROSS JOIN conversations AS c ON c.agent = k.column2 AND c.conversation_id = k.column3 "
            "ORDER BY k.column1"
        )
        rows.extend(_row(r) for r in conn.execute(sql, params).fetchall())
    return rows


def count_rows(conn: sqlite3.Connection, *, agent: str | None, text_filter: str | None) -> int:
    expression = words_query(text_filter or "", _FILTER_COLUMNS)
    if agent is None and expression is not None:
        found = matching(conn, expression)  # the calls matching, counted as they were found
        if found is not None:
            return found
    where, params = _where(conn, agent, text_filter)
    sql = f"SELECT count(*) FROM conversations AS c WHERE {' AND '.join(where) or '1'}"
    return int(conn.execute(sql, params).fetchone()[0])
