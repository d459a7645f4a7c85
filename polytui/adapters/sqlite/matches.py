"""The calls a listing's filter matches, found once per filter: the browser asks for a filter's
count, its first page, the next pages and where a call is, and each used to ask the full-text
index again (a word found in every call, such as a channel, has 100,000 places to visit each
time). The ids of the calls matching are kept in a temporary table of the connection instead
(``temp.listing_matches``), which the listing's queries read like an index, and the count with
them; they are found again when the filter changes or anything is written to the store (by this
connection or another: ``total_changes`` and ``PRAGMA data_version``).

What is remembered between calls (which filter the table holds, and for which state of the
store) is kept here, under a token the connection's own temporary table holds: another
connection, even one at the same address, never takes this one's table for its own.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from typing import NamedTuple

from .index import DOC_BITS

TABLE = "temp.listing_matches"
_MAX_KEPT = 64  # connections remembered at most (each a few bytes): the oldest are forgotten


class _Filled(NamedTuple):
    expression: str
    version: tuple[int, int] | None  # (total_changes, data_version) after the fill; None: stale
    found: int


_filled: dict[str, _Filled] = {}


def matching(conn: sqlite3.Connection, expression: str) -> int | None:
    """How many calls ``expression`` (an FTS5 query over the calls' listing columns, which
    only a call's whole-call row has) matches, with their ids in ``TABLE``; None when the
    table cannot be written (no room for temporary files): the caller then asks the index."""
    data_version = int(conn.execute("PRAGMA data_version").fetchone()[0])
    try:
        row = conn.execute("SELECT token FROM temp.listing_filter").fetchone()
    except sqlite3.OperationalError:  # the first filter on this connection
        row = None
    token = None if row is None else str(row[0])
    kept = _filled.get(token) if token is not None else None
    version = (conn.total_changes, data_version)
    if kept is not None and kept.expression == expression and kept.version == version:
        return kept.found
    try:
        if token is None:
            token = os.urandom(8).hex()
            conn.execute("CREATE TEMP TABLE IF NOT EXISTS listing_matches (id INTEGER PRIMARY KEY)")
            conn.execute("CREATE TEMP TABLE IF NOT EXISTS listing_filter (token TEXT NOT NULL)")
            conn.execute("INSERT INTO temp.listing_filter (token) VALUES (?)", (token,))
        conn.execute(f"DELETE FROM {TABLE}")
        count = conn.execute(
            f"INSERT OR IGNORE INTO {TABLE} (id) "
            f"SELECT rowid >> {DOC_BITS} FROM search_index WHERE search_index MATCH ?",
            (expression,),
        ).rowcount
    except sqlite3.OperationalError as exc:
        if "no such table: search_index" in str(exc):
            raise
        _filled.pop(token or "", None)
        return None
    if len(_filled) >= _MAX_KEPT:  # best effort: stores on other threads may change it too
        with contextlib.suppress(StopIteration, KeyError, RuntimeError):
            del _filled[next(iter(_filled))]
    # Inside a transaction (a batch of writes) the fill may yet be rolled back: not kept.
    after = None if conn.in_transaction else (conn.total_changes, data_version)
    _filled[token] = _Filled(expression, after, count)
    return count
