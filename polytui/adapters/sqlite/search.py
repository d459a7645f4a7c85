"""Full-text search over the store: polytui's query syntax (``polytui.core.search``) written as
FTS5, the ranked queries over the two indexes (conversations, reviewer notes), and the hits in
polytui's terms (plain snippet, highlight spans, a score where higher is better).

Every query FTS5 runs is built here from the parsed tree, each word a quoted FTS5 string, so
FTS5 never sees the user's syntax and never refuses it: what is not polytui's syntax is found
by ``polytui.core.search`` and searched word for word."""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from enum import Enum
from typing import Any

from polytui.core import search as syntax
from polytui.core.ports import SearchHit

from .records import FIELDS

SNIPPET_TOKENS = 16  # words of context in a snippet (FTS5's maximum is 64)
RRF_K = 60  # reciprocal rank fusion's usual constant: how much a first place outweighs a tenth

# FTS5's snippet() wraps each match in these; stored text is sanitised to one line (control
# characters become visible pictures), so they can only come from snippet() and are taken out
# again, leaving their positions as the hit's highlights.
_OPEN, _CLOSE = "\x02", "\x03"
_MARKS = re.compile(f"([{_OPEN}{_CLOSE}])")

# The conversation index's columns, in order, are named as the fields: a turn's best column is
# its field. The notes index has one column, "note".
_COLUMNS = FIELDS
_NOTE_COLUMNS = ("note",)
_TURN_COLUMNS = 3  # caller, agent, translation
_KIND_COLUMN = {"summary": 3, "api_note": 4}
_TOKEN_CATEGORIES = ("L", "N", "Co")  # what FTS5's unicode61 tokenizer makes words of


def _weights(column: int) -> str:
    return ", ".join("1" if i == column else "0" for i in range(len(_COLUMNS)))


_CONVERSATION_SQL = f"""
SELECT d.agent_id, d.conversation_id, d.turn, d.kind,
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

_NOTE_SQL = """
SELECT n.agent, n.conversation_id, n.turn,
       snippet(note_index, 0, :open, :close, '…', :tokens), c.started_at
FROM note_index
JOIN notes AS n ON n.id = note_index.rowid
LEFT JOIN conversations AS c ON c.agent = n.agent AND c.conversation_id = n.conversation_id
WHERE note_index MATCH :query AND (:agent IS NULL OR n.agent = :agent)
ORDER BY note_index.rank
LIMIT :limit
"""


# -- polytui's query as FTS5 ----------------------------------------------------------------------


class _Void(Enum):
    EMPTY = "no words"  # a term of punctuation only: it leaves the rest of the query as it is
    NOTHING = "nothing"  # a field this index does not have: nothing here can match


def fts5_query(node: syntax.Node | None, columns: tuple[str, ...] = _COLUMNS) -> str | None:
    """``node`` as an FTS5 MATCH expression over an index with ``columns``; None when nothing
    in that index can match (no words at all, or only fields it does not have)."""
    if node is None:
        return None
    expression = _fts5(node, columns)
    return expression if isinstance(expression, str) else None


def _has_words(text: str) -> bool:
    return any(unicodedata.category(char).startswith(_TOKEN_CATEGORIES) for char in text)


def _fts5(node: syntax.Node, columns: tuple[str, ...]) -> str | _Void:
    # Every compound comes back in brackets and every term as a quoted string, so a part can
    # be put anywhere without reading its precedence again.
    if isinstance(node, syntax.Term):
        if not _has_words(node.text):  # FTS5 would take it as a phrase no row holds
            return _Void.EMPTY
        return '"' + node.text.replace('"', '""') + '"' + ("*" if node.prefix else "")
    if isinstance(node, syntax.Field):
        if node.name not in columns:
            return _Void.NOTHING
        inner = _fts5(node.query, columns)
        if isinstance(inner, _Void) or len(columns) == 1:
            return inner
        if not inner.startswith(('"', "(")):  # a field inside a field needs brackets
            inner = f"({inner})"
        return f"{node.name} : {inner}"
    if isinstance(node, syntax.Without):
        kept = _fts5(node.kept, columns)
        if isinstance(kept, _Void):
            return kept
        dropped = _fts5(syntax.Any(node.dropped), columns) if node.dropped else _Void.EMPTY
        return kept if isinstance(dropped, _Void) else f"({kept} NOT {dropped})"
    parts = [_fts5(part, columns) for part in node.parts]
    words = [part for part in parts if isinstance(part, str)]
    if isinstance(node, syntax.All):
        if _Void.NOTHING in parts:
            return _Void.NOTHING
        operator, void = " AND ", _Void.EMPTY
    else:
        operator, void = " OR ", _Void.EMPTY if _Void.EMPTY in parts else _Void.NOTHING
    if not words:
        return void
    return words[0] if len(words) == 1 else f"({operator.join(words)})"


# -- hits ---------------------------------------------------------------------------------------


def plain_snippet(marked: str) -> tuple[str, tuple[tuple[int, int], ...]]:
    """A snippet with snippet()'s marks taken out, and where they were: (start, end) spans."""
    text: list[str] = []
    spans: list[tuple[int, int]] = []
    position, start = 0, None
    for piece in _MARKS.split(marked):
        if piece == _OPEN:
            start = position
        elif piece == _CLOSE:
            if start is not None and position > start:
                spans.append((start, position))
            start = None
        else:
            text.append(piece)
            position += len(piece)
    return "".join(text), tuple(spans)


def _hit(
    agent: str,
    conversation_id: str,
    turn: int | None,
    field: str,
    marked: str,
    started_at: str | None,
    score: float,
) -> SearchHit:
    snippet, highlights = plain_snippet(marked)
    return SearchHit(
        agent=agent,
        conversation_id=conversation_id,
        turn=turn,
        field=field,
        snippet=snippet,
        highlights=highlights,
        score=score,
        started_at=started_at,
    )


def _conversation_hit(row: tuple[Any, ...], score: float) -> SearchHit:
    agent, conversation_id, turn, kind, *rest = row
    scores, snippets, started_at = rest[:_TURN_COLUMNS], rest[_TURN_COLUMNS:-1], rest[-1]
    if kind == "turn":
        # The column whose own bm25 is best (most negative). A match without a scoring term
        # (rare) falls back to the first column whose snippet shows a match, else has text.
        column = min(range(_TURN_COLUMNS), key=lambda i: scores[i])
        if scores[column] >= 0:
            marked = [i for i in range(_TURN_COLUMNS) if _OPEN in snippets[i]]
            filled = [i for i in range(_TURN_COLUMNS) if snippets[i]]
            column = (marked or filled or [0])[0]
    else:
        column = _KIND_COLUMN[kind]
    field = _COLUMNS[column]
    return _hit(agent, conversation_id, turn, field, snippets[column], started_at, score)


def _note_hit(row: tuple[Any, ...], score: float) -> SearchHit:
    agent, conversation_id, turn, marked, started_at = row
    return _hit(agent, conversation_id, turn, "note", marked, started_at, score)


def run_search(
    conn: sqlite3.Connection, query: str, *, limit: int, agent: str | None
) -> list[SearchHit]:
    """Best ``limit`` hits for ``query`` (polytui's syntax; when it is not, the same words as
    typed) over reviewer notes and conversations, merged, best score first.

    Each index ranks its own hits (bm25); bm25 values of two indexes are not comparable (each
    has its own word statistics: in a store with one note, every note scores almost 0), so the
    two lists are merged by reciprocal rank: a hit's score is 1 / (RRF_K + its place in its
    own list), and on equal scores the note comes first."""
    node, _ = syntax.read(query)
    if node is None or limit <= 0:
        return []
    params = {
        "open": _OPEN,
        "close": _CLOSE,
        "tokens": SNIPPET_TOKENS,
        "agent": agent,
        "limit": limit,
    }
    ranked: list[tuple[float, int, int, SearchHit]] = []
    for source, (sql, columns, make) in enumerate(
        ((_NOTE_SQL, _NOTE_COLUMNS, _note_hit), (_CONVERSATION_SQL, _COLUMNS, _conversation_hit))
    ):
        expression = fts5_query(node, columns)
        if expression is None:
            continue
        rows = conn.execute(sql, {**params, "query": expression}).fetchall()
        for place, row in enumerate(rows, start=1):
            score = 1.0 / (RRF_K + place)
            ranked.append((-score, source, place, make(row, score)))
    ranked.sort(key=lambda entry: entry[:3])
    return [hit for *_, hit in ranked[:limit]]
