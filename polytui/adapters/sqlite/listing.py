"""The listing of stored conversations: which ones (agent, words), in what order, as rows.

Filtering and ordering happen in SQL. A browser over 10,000 calls asks for the order once
(``keys``: only (agent, conversation_id) pairs, read off the covering index
``conversations_listing``) and then for the rows of the few keys on screen (``rows_for``: one
primary-key lookup each), so scrolling anywhere costs the same.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from polytui.core.errors import UsageError
from polytui.core.ports import ConversationKey, ConversationRow

from .records import from_db_time

_NOTE_COUNT = (
    "(SELECT count(*) FROM notes AS n "
    "WHERE n.conversation_id = c.conversation_id AND n.agent = c.agent)"
)

ORDER_COLUMNS = {
    "started_at": "c.start_key",
    "conversation_id": "c.conversation_id COLLATE NOCASE",
    "channel": "c.channel COLLATE NOCASE",
    "duration": "c.duration",
    "turn_count": "c.turn_count",
    "handoff": "c.handoff",
    "poly_score": "c.poly_score",
    "max_latency": "c.max_latency",
    "tags": "nullif(c.tags, '[]') COLLATE NOCASE",
    "fetched_at": "c.fetched_at",
    "note_count": "note_count",
}

_ROW_COLUMNS = (
    "c.agent, c.conversation_id, c.started_at, c.channel, c.duration, c.turn_count, c.handoff, "
    "c.poly_score, c.tags, c.summary, c.fetched_at, c.host, c.in_progress, c.max_latency, "
    f"{_NOTE_COUNT} AS note_count"
)
_FILTER_COLUMNS = (
    "c.conversation_id",
    "c.summary",
    "c.tags",
    "c.channel",
    "c.started_at",
    "c.agent",
)
_KEYS_PER_QUERY = 300  # 3 parameters each: well under SQLite's smallest variable limit


def _like(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _where(agent: str | None, text_filter: str | None) -> tuple[str, list[Any]]:
    """``text_filter``'s words must each appear (case-insensitively) in the ID, summary, tags,
    channel, start time or agent."""
    where, params = ["(? IS NULL OR c.agent = ?)"], [agent, agent]
    for word in (text_filter or "").split():
        matches = (f"{col} LIKE ? ESCAPE '\\'" for col in _FILTER_COLUMNS)
        where.append(f"({' OR '.join(matches)})")
        params.extend([_like(word)] * len(_FILTER_COLUMNS))
    return " AND ".join(where), params


def _order(order_by: str, descending: bool) -> str:
    """ORDER BY text for ``order_by``: empty values last either way, then a stable tie-break."""
    if order_by not in ORDER_COLUMNS:
        choices = ", ".join(ORDER_COLUMNS)
        raise UsageError(f"Cannot sort conversations by {order_by!r}: use one of {choices}.")
    column, way = ORDER_COLUMNS[order_by], "DESC" if descending else "ASC"
    return f"({column}) IS NULL, {column} {way}, c.conversation_id {way}, c.agent {way}"


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
    )


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
    order = _order(order_by, descending)
    if (limit is not None and limit < 0) or offset < 0:
        raise UsageError("The limit and offset of a listing must not be negative.")
    where, params = _where(agent, text_filter)
    sql = (
        f"SELECT {_ROW_COLUMNS} FROM conversations AS c WHERE {where} "
        f"ORDER BY {order} LIMIT ? OFFSET ?"
    )
    params.extend([-1 if limit is None else limit, offset])
    return [_row(r) for r in conn.execute(sql, params).fetchall()]


def list_keys(
    conn: sqlite3.Connection,
    *,
    agent: str | None,
    order_by: str,
    descending: bool,
    text_filter: str | None,
) -> list[ConversationKey]:
    order = _order(order_by, descending)
    where, params = _where(agent, text_filter)
    # The note count costs a lookup per conversation: only when it is the order.
    extra = f", {_NOTE_COUNT} AS note_count" if order_by == "note_count" else ""
    sql = (
        f"SELECT c.agent, c.conversation_id{extra} FROM conversations AS c "
        f"WHERE {where} ORDER BY {order}"
    )
    return [(r[0], r[1]) for r in conn.execute(sql, params)]


def rows_for(conn: sqlite3.Connection, keys: Sequence[ConversationKey]) -> list[ConversationRow]:
    rows: list[ConversationRow] = []
    for start in range(0, len(keys), _KEYS_PER_QUERY):
        chunk = keys[start : start + _KEYS_PER_QUERY]
        values = ", ".join("(?, ?, ?)" for _ in chunk)
        params = [value for i, (agent, cid) in enumerate(chunk) for value in (i, agent, cid)]
        # Joining from the VALUES list makes SQLite look each key up by the primary key
        # (an IN over row values would scan the table).
        sql = (
            f"SELECT {_ROW_COLUMNS} FROM (VALUES {values}) AS k "
            "CROSS JOIN conversations AS c ON c.agent = k.column2 AND c.conversation_id = k.column3 "
            "ORDER BY k.column1"
        )
        rows.extend(_row(r) for r in conn.execute(sql, params).fetchall())
    return rows


def count_rows(conn: sqlite3.Connection, *, agent: str | None, text_filter: str | None) -> int:
    where, params = _where(agent, text_filter)
    return conn.execute(
        f"SELECT count(*) FROM conversations AS c WHERE {where}", params
    ).fetchone()[0]
