"""Full-text search over the store: FTS5 query text, the ranked query, hits from its rows."""

from __future__ import annotations

import sqlite3
from typing import Any

from polytui.core.errors import UsageError
from polytui.core.ports import SNIPPET_CLOSE, SNIPPET_OPEN, SearchHit

from .connection import is_busy, is_corrupt
from .records import FIELDS

SQLITE_ERROR = 1
SNIPPET_TOKENS = 16  # words of context in a snippet (FTS5's maximum is 64)

# The FTS5 columns, in order, are named as the fields: a turn's best column is its field.
_COLUMNS = FIELDS
_TURN_COLUMNS = 3  # caller, agent, translation
_KIND_COLUMN = {"summary": 3, "api_note": 4, "note": 4}


def _weights(column: int) -> str:
    return ", ".join("1" if i == column else "0" for i in range(len(_COLUMNS)))


_SEARCH_SQL = f"""
SELECT d.agent_id, d.conversation_id, d.turn, d.kind, search_index.rank,
       {", ".join(f"bm25(search_index, {_weights(i)})" for i in range(_TURN_COLUMNS))},
       {
    ", ".join(
        f"snippet(search_index, {i}, :open, :close, '…', :tokens)" for i in range(len(_COLUMNS))
    )
},
       c.started_at
FROM search_index
JOIN search_docs AS d ON d.id = search_index.rowid
LEFT JOIN conversations AS c ON c.agent = d.agent_id AND c.conversation_id = d.conversation_id
WHERE search_index MATCH :query AND (:agent IS NULL OR d.agent_id = :agent)
ORDER BY search_index.rank
LIMIT :limit
"""


def literal_query(query: str) -> str:
    """``query`` with each whitespace-separated token quoted as a literal phrase; a trailing
    ``*`` stays a prefix marker."""
    parts = []
    for token in query.split():
        stem = token.rstrip("*")
        prefix = bool(stem) and stem != token
        quoted = '"' + (stem or token).replace('"', '""') + '"'
        parts.append(quoted + ("*" if prefix else ""))
    return " ".join(parts)


def _is_query_error(exc: sqlite3.OperationalError) -> bool:
    """True when SQLite refused the MATCH expression itself (not locking, damage, ...)."""
    code = getattr(exc, "sqlite_errorcode", SQLITE_ERROR)
    return (code & 0xFF) == SQLITE_ERROR and not is_busy(exc) and not is_corrupt(exc)


def _hit(row: tuple[Any, ...]) -> SearchHit:
    agent, conversation_id, turn, kind, rank, *rest = row
    scores, snippets, started_at = rest[:_TURN_COLUMNS], rest[_TURN_COLUMNS:-1], rest[-1]
    if kind == "turn":
        # The column whose own bm25 is best (most negative). A match without a scoring term
        # (rare) falls back to the first column whose snippet shows a match, else has text.
        column = min(range(_TURN_COLUMNS), key=lambda i: scores[i])
        if scores[column] >= 0:
            marked = [i for i in range(_TURN_COLUMNS) if SNIPPET_OPEN in snippets[i]]
            filled = [i for i in range(_TURN_COLUMNS) if snippets[i]]
            column = (marked or filled or [0])[0]
    else:
        column = _KIND_COLUMN[kind]
    return SearchHit(
        agent=agent,
        conversation_id=conversation_id,
        turn=turn,
        field=_COLUMNS[column],
        snippet=snippets[column],
        rank=float(rank),
        started_at=started_at,
    )


def _reason(exc: sqlite3.OperationalError) -> str:
    return str(exc).removeprefix("fts5: ").rstrip(".")


def query_problem(conn: sqlite3.Connection, query: str) -> str | None:
    """Why SQLite refuses ``query`` as FTS5 syntax ("unterminated string", ...); None when it
    takes it as written (``run_search`` takes a refused query's words literally)."""
    if not query.strip():
        return None
    try:
        conn.execute("SELECT 1 FROM search_index WHERE search_index MATCH ? LIMIT 1", (query,))
    except sqlite3.OperationalError as exc:
        if not _is_query_error(exc):
            raise
        return _reason(exc)
    return None


def run_search(
    conn: sqlite3.Connection, query: str, *, limit: int, agent: str | None
) -> list[SearchHit]:
    """Best ``limit`` hits for ``query`` (FTS5 syntax; when SQLite refuses it, the same words
    as literals). Raises UsageError when neither form is a valid query."""
    if not query.strip() or limit <= 0:
        return []
    params = {
        "open": SNIPPET_OPEN,
        "close": SNIPPET_CLOSE,
        "tokens": SNIPPET_TOKENS,
        "agent": agent,
        "limit": limit,
    }
    try:
        rows = conn.execute(_SEARCH_SQL, {**params, "query": query}).fetchall()
    except sqlite3.OperationalError as exc:
        if not _is_query_error(exc):
            raise
        try:
            rows = conn.execute(_SEARCH_SQL, {**params, "query": literal_query(query)}).fetchall()
        except sqlite3.OperationalError as second:
            if not _is_query_error(second):
                raise
            raise UsageError(f"The search query {query!r} is not valid: {_reason(exc)}.") from None
    return [_hit(row) for row in rows]
