"""Full-text search over the store: polytui's query syntax (``polytui.core.search``) written as
FTS5, calls ranked in SQL (not every matching turn), and the best hits of the calls shown, in
polytui's terms (plain snippet, highlight spans, a score where higher is better).

Every query FTS5 runs is built here from the parsed tree, each word a quoted FTS5 string, so
FTS5 never sees the user's syntax and never refuses it: what is not polytui's syntax is found
by ``polytui.core.search`` and searched word for word. Each term matches the words it begins
(``"refund"*``: refund, refunds, refunded), as the in-call search finds text inside words.

Ranking (``_ranked_calls``): the index gives the rows (turns, the whole call) that match; they are
counted per call in SQL (a call's rows are one range of rowids, ``index.py``), and each call is
scored like a document of BM25 whose "terms" are its matching turns: more matching turns score
higher, with diminishing returns and relative to the call's length against the median length of
the calls found (3 hits in 12 turns beat 99 in 5,000), and a match in the summary or the API's
note adds ``WHOLE_CALL``. The matches leave SQLite as one text of call ids, counted in Python
(an SQL GROUP BY sorts every matching row: several times slower), and only the best ``limit``
calls are read (a bounded top-k); snippets are cut for their few best hits only (``polytui.core.snippets``), from the indexed text kept in search_texts. Reviewer notes
have their own index; a call with a matching note gains ``REVIEWER_NOTE``, and notes on calls no
longer stored are found too.
"""

from __future__ import annotations

import heapq
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import Enum

from polytui.core import search as syntax
from polytui.core.errors import SearchCancelled
from polytui.core.ports import CallHits, SearchHit
from polytui.core.snippets import Words, snippet

from .fts import has_words, term
from .index import DOC_BITS, DOC_MASK, unpack
from .records import CALL_COLUMNS, SEARCHED_COLUMNS

K1, B = 1.2, 0.75  # BM25's usual saturation and length normalisation, over matching turns
WHOLE_CALL = 2.0  # a match in the summary or the API's note
REVIEWER_NOTE = 2.0  # a reviewer's note on the call matches
CANDIDATES = 200  # a call's matching turns looked at for its best hits
_NOTE_COLUMNS = ("note",)
_FIELD_WEIGHT = {"caller": 1.0, "agent": 0.9, "summary": 1.2, "note": 1.1}  # ties between hits

MATCHES_RANKED = 300_000  # places ranked at most: a word found more often ranks the newest

# Where the query matches, as one text of call ids (one per matching row; a call's rows come
# together, in rowid order, newest call first): grouping them in Python costs a fraction of an
# SQL GROUP BY, which sorts every row.
_MATCHES_SQL = f"""
SELECT group_concat(r >> {DOC_BITS}), group_concat(CASE WHEN r & {DOC_MASK} = 0 THEN r >> {DOC_BITS} END)
FROM (SELECT rowid AS r FROM search_index WHERE search_index MATCH ? ORDER BY rowid DESC LIMIT ?)
"""

_NOTES_SQL = """
SELECT n.agent, n.conversation_id, n.turn, n.id, note_index.note
FROM note_index JOIN notes AS n ON n.id = note_index.rowid
WHERE note_index MATCH :query AND (:agent IS NULL OR n.agent = :agent)
ORDER BY n.agent, n.conversation_id, n.turn, n.id
"""


# -- polytui's query as FTS5 ----------------------------------------------------------------------


class _Void(Enum):
    EMPTY = "no words"  # a term of punctuation only: it leaves the rest of the query as it is
    NOTHING = "nothing"  # a field this index does not have: nothing here can match


def fts5_query(node: syntax.Node | None, columns: tuple[str, ...] = SEARCHED_COLUMNS) -> str | None:
    """``node`` as an FTS5 MATCH expression over ``columns`` of an index; None when nothing in
    that index can match (no words at all, or only fields it does not have)."""
    if node is None:
        return None
    expression = _fts5(node, columns)
    if not isinstance(expression, str):
        return None
    if len(columns) == 1:
        return expression
    inner = expression if expression.startswith("(") else f"({expression})"
    return "{" + " ".join(columns) + "} : " + inner


def _fts5(node: syntax.Node, columns: tuple[str, ...]) -> str | _Void:
    # Every compound comes back in brackets and every term as a quoted string, so a part can
    # be put anywhere without reading its precedence again.
    if isinstance(node, syntax.Term):
        if not has_words(node.text):  # FTS5 would take it as a phrase no row holds
            return _Void.EMPTY
        # A word finds the words it begins, unless too short to say much ("a", "to").
        return term(node.text, syntax.finds_longer_words(node.text, node.prefix))
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


# -- running a search ------------------------------------------------------------------------------


@contextmanager
def _stoppable(conn: sqlite3.Connection, cancelled: Callable[[], bool] | None) -> Iterator[None]:
    """SQLite asks ``cancelled`` every few thousand steps of a query and stops when it says so;
    so does the Python work between queries (``_check``)."""
    if cancelled is None:
        yield
        return
    conn.set_progress_handler(lambda: 1 if cancelled() else 0, 2000)
    try:
        yield
    except sqlite3.OperationalError as exc:
        if "interrupted" in str(exc) and cancelled():
            raise SearchCancelled("The search was stopped.") from None
        raise
    finally:
        conn.set_progress_handler(None, 0)


def _check(cancelled: Callable[[], bool] | None) -> None:
    if cancelled is not None and cancelled():
        raise SearchCancelled("The search was stopped.")


@dataclass
class _Call:
    id: int | None  # None: not stored (found by a reviewer's note only)
    agent: str
    conversation_id: str
    started_at: str | None = None
    summary: str = ""
    score: float = 0.0
    count: int = 0
    notes: list[tuple[int | None, int, str]] = field(default_factory=list)  # (turn, id, text)


def run_search(
    conn: sqlite3.Connection,
    query: str,
    *,
    limit: int,
    agent: str | None,
    per_call: int,
    cancelled: Callable[[], bool] | None = None,
) -> list[CallHits]:
    """The best ``limit`` calls for ``query`` with their ``per_call`` best hits (see the
    module's docstring for the ranking)."""
    node, _ = syntax.read(query)
    if node is None or limit <= 0:
        return []
    words = Words.of(node)
    expression = fts5_query(node)
    _check(cancelled)
    with _stoppable(conn, cancelled):
        noted = _note_hits(conn, node, agent)
        calls = _ranked_calls(conn, expression, limit, agent, list(noted))
        by_key = {(call.agent, call.conversation_id): call for call in calls}
        for key, notes in noted.items():  # the note's bonus on the call's own score
            call = by_key.get(key) or _stored_call(conn, key)
            call.notes = notes
            call.count += len(notes)
            call.score += REVIEWER_NOTE
            by_key[key] = call
        _check(cancelled)
        best = sorted(by_key.values(), key=lambda c: (-c.score, -(c.id or 0)))[:limit]
        stored = [call.id for call in best if call.id is not None]
        rows = _matching_rows(conn, expression, stored)
        texts = _texts(conn, stored)
        found = []
        for call in best:
            _check(cancelled)
            numbers = rows.get(call.id or -1, [])
            blob = texts.get(call.id or -1)
            hits = _hits(call, numbers, blob, words, per_call, best_first=True)
            found.append(
                CallHits(
                    agent=call.agent,
                    conversation_id=call.conversation_id,
                    started_at=call.started_at,
                    summary=call.summary,
                    score=call.score,
                    count=call.count,
                    hits=tuple(hits),
                )
            )
    return found


def run_search_call(
    conn: sqlite3.Connection,
    query: str,
    agent: str,
    conversation_id: str,
    *,
    limit: int,
    cancelled: Callable[[], bool] | None = None,
) -> list[SearchHit]:
    """Every hit of ``query`` in one call (the first ``limit``), the whole call's first."""
    node, _ = syntax.read(query)
    if node is None or limit <= 0:
        return []
    expression = fts5_query(node)
    _check(cancelled)
    with _stoppable(conn, cancelled):
        call = _stored_call(conn, (agent, conversation_id))
        call.notes = _note_hits(conn, node, agent).get((agent, conversation_id), [])
        numbers: list[int] = []
        blob = None
        if call.id is not None and expression is not None:
            low = call.id << DOC_BITS
            found = conn.execute(
                "SELECT rowid FROM search_index WHERE search_index MATCH ? "
                "AND rowid BETWEEN ? AND ? LIMIT ?",
                (expression, low, low | DOC_MASK, limit),
            ).fetchall()
            numbers = [row[0] & DOC_MASK for row in found]
            blob = _texts(conn, [call.id]).get(call.id)
        return _hits(call, numbers, blob, Words.of(node), limit, best_first=False)


def _ranked_calls(
    conn: sqlite3.Connection,
    expression: str | None,
    limit: int,
    agent: str | None,
    also: list[tuple[str, str]],
) -> list[_Call]:
    """The best ``limit`` calls where ``expression`` matches, and those of ``also`` (the calls
    of reviewers' notes found) where it does, with their scores."""
    if expression is None:
        return []
    every, wholes = conn.execute(_MATCHES_SQL, (expression, MATCHES_RANKED)).fetchone()
    if not every:
        return []
    places = Counter(every.split(","))  # call id (text) -> matching rows
    whole = set(wholes.split(",")) if wholes else set()
    listed = ",".join(places)  # whole numbers, from SQLite itself
    where = "" if agent is None else "AND agent = ?"
    lengths = conn.execute(
        f"SELECT group_concat(id), group_concat(turn_count) FROM conversations "
        f"WHERE id IN ({listed}) {where}",
        () if agent is None else (agent,),
    ).fetchone()
    if not lengths[0]:
        return []
    ids = lengths[0].split(",")
    turns = [int(value) for value in lengths[1].split(",")]
    # The typical length: the median of the calls found (one very long call cannot move it).
    typical = max(1, sorted(turns)[len(turns) // 2])
    scale, base = K1 * B / typical, K1 * (1 - B)
    # BM25 over matching turns (a call's places less its whole-call row), plus WHOLE_CALL.
    scores = [
        (WHOLE_CALL if call_id in whole else 0.0)
        + (m := places[call_id] - (call_id in whole)) * (K1 + 1) / (m + base + scale * max(t, 1))
        for call_id, t in zip(ids, turns, strict=True)
    ]
    ranked = heapq.nlargest(limit, zip(scores, map(int, ids), ids, strict=True))
    best = [(call_id, score) for score, _, call_id in ranked]
    extra = {str(row[0]) for row in _ids_of(conn, also)} - {call_id for call_id, _ in best}
    if extra:
        best += [(ids[i], scores[i]) for i, call_id in enumerate(ids) if call_id in extra]
    marks = ", ".join(call_id for call_id, _ in best)
    rows = conn.execute(
        f"SELECT id, agent, conversation_id, started_at, summary FROM conversations "
        f"WHERE id IN ({marks})"
    ).fetchall()
    details = {str(row[0]): row for row in rows}
    return [
        _Call(
            id=int(call_id),
            agent=details[call_id][1],
            conversation_id=details[call_id][2],
            started_at=details[call_id][3],
            summary=details[call_id][4],
            score=score,
            count=places[call_id],
        )
        for call_id, score in best
        if call_id in details
    ]


def _ids_of(conn: sqlite3.Connection, keys: list[tuple[str, str]]) -> list[tuple[int]]:
    found: list[tuple[int]] = []
    for key in keys:
        found.extend(
            conn.execute(
                "SELECT id FROM conversations WHERE agent = ? AND conversation_id = ?", key
            ).fetchall()
        )
    return found


def _note_hits(
    conn: sqlite3.Connection, node: syntax.Node, agent: str | None
) -> dict[tuple[str, str], list[tuple[int | None, int, str]]]:
    """Reviewers' notes matching, by call: (turn, note id, text as indexed)."""
    expression = fts5_query(node, _NOTE_COLUMNS)
    found: dict[tuple[str, str], list[tuple[int | None, int, str]]] = {}
    if expression is None:
        return found
    for note_agent, call_id, turn, note_id, text in conn.execute(
        _NOTES_SQL, {"query": expression, "agent": agent}
    ):
        found.setdefault((note_agent, call_id), []).append((turn, note_id, text))
    return found


def _stored_call(conn: sqlite3.Connection, key: tuple[str, str]) -> _Call:
    row = conn.execute(
        "SELECT id, started_at, summary FROM conversations WHERE agent = ? AND conversation_id = ?",
        key,
    ).fetchone()
    if row is None:
        return _Call(None, *key)
    return _Call(row[0], *key, started_at=row[1], summary=row[2])


def _matching_rows(
    conn: sqlite3.Connection, expression: str | None, call_ids: list[int]
) -> dict[int, list[int]]:
    """The numbers of the rows where ``expression`` matches in each of ``call_ids``, in order
    (one pass over the matches, whatever the number of calls)."""
    if expression is None or not call_ids:
        return {}
    wanted = ", ".join(str(call_id) for call_id in call_ids)
    (text,) = conn.execute(
        f"SELECT group_concat(rowid) FROM search_index WHERE search_index MATCH ? "
        f"AND (rowid >> {DOC_BITS}) IN ({wanted})",
        (expression,),
    ).fetchone()
    found: dict[int, list[int]] = {}
    for value in map(int, text.split(",") if text else ()):
        found.setdefault(value >> DOC_BITS, []).append(value & DOC_MASK)
    return found


def _texts(conn: sqlite3.Connection, call_ids: list[int]) -> dict[int, bytes]:
    if not call_ids:
        return {}
    wanted = ", ".join(str(call_id) for call_id in call_ids)
    rows = conn.execute(f"SELECT id, documents FROM search_texts WHERE id IN ({wanted})")
    return dict(rows.fetchall())


def _hits(
    call: _Call,
    numbers: list[int],
    blob: bytes | None,
    words: Words,
    limit: int,
    *,
    best_first: bool,
) -> list[SearchHit]:
    """Hits in ``call``: its reviewers' notes and the rows ``numbers`` (cut from ``blob``, its
    indexed texts). ``best_first``: the ``limit`` best, looking at ``CANDIDATES`` rows at most
    and cutting snippets for the chosen only; else the first ``limit``, by turn."""
    numbers = numbers[:CANDIDATES] if best_first else numbers[:limit]
    docs: dict[int, tuple[str, ...]] = {}
    if blob is not None and numbers:
        wanted = set(numbers)
        docs = {doc[0]: doc[1:] for doc in unpack(blob) if doc[0] in wanted}
    hits = [
        _note_hit(call, turn, text, words)
        for turn, _, text in sorted(call.notes, key=lambda n: (n[0] or 0, n[1]))
    ]
    chosen = [number for number in numbers if number in docs]
    if best_first and len(chosen) > limit:
        chosen = heapq.nlargest(limit, chosen, key=lambda n: (_promise(n, docs[n], words), -n))
    hits.extend(_doc_hit(call, number, docs[number], words) for number in chosen)
    if best_first:
        hits.sort(key=lambda hit: (-hit.score, hit.turn or 0))
    else:
        hits.sort(key=lambda hit: hit.turn or 0)
    return hits[:limit]


def _promise(number: int, texts: tuple[str, ...], words: Words) -> float:
    """How good a row's snippet will be, cheaply: the query's words found in its texts (a
    regex scan each), the whole call's row first."""
    found = 0
    for name, text in zip(CALL_COLUMNS, texts, strict=True):
        if text and name != "listing":
            found += words.for_field(name).count(text)
    return (100.0 if number == 0 else 0.0) + min(found, 20)


def _doc_hit(call: _Call, number: int, texts: tuple[str, ...], words: Words) -> SearchHit:
    """The hit of one indexed row: its field is the column where most words show."""
    best = None
    for name, text in zip(CALL_COLUMNS, texts, strict=True):
        if not text or name == "listing":
            continue
        field_words = words.for_field(name)
        if not field_words:
            continue
        cut = snippet(text, field_words)
        if best is None or cut.found > best[1].found:
            best = (name, cut)
    if best is None:  # a match our reading of words does not see: show the first text
        name, text = next(
            ((n, t) for n, t in zip(CALL_COLUMNS, texts, strict=True) if t and n != "listing"),
            ("summary" if number == 0 else "caller", ""),
        )
        best = (name, snippet(text, words.for_field(name)))
    name, cut = best
    score = _hit_score(name, cut.found, number == 0)
    turn = number or None
    return _make_hit(call, turn, name, cut.text, cut.highlights, score)


def _note_hit(call: _Call, turn: int | None, text: str, words: Words) -> SearchHit:
    cut = snippet(text, words.for_field("note"))
    score = _hit_score("note", cut.found, True) + 1.0  # a reviewer's own words come first
    return _make_hit(call, turn, "note", cut.text, cut.highlights, score)


def _hit_score(name: str, found: int, whole: bool) -> float:
    return (2.0 if whole else 0.0) + _FIELD_WEIGHT.get(name, 0.8) * min(found, 5)


def _make_hit(
    call: _Call,
    turn: int | None,
    field_name: str,
    text: str,
    highlights: tuple[tuple[int, int], ...],
    score: float,
) -> SearchHit:
    return SearchHit(
        agent=call.agent,
        conversation_id=call.conversation_id,
        turn=turn,
        field=field_name,
        snippet=text,
        highlights=highlights,
        score=score,
        started_at=call.started_at,
    )
