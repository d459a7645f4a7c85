"""Keeping the full-text indexes in step with what they index.

search_index (migration 6) is a *contentless* FTS5 index over the calls: it keeps the words,
not the text, so no call's text is stored twice. Each searchable unit of a call (``Document``:
the whole call, or one turn) is an index row whose rowid says which call and which unit:
``call id << DOC_BITS | number`` (0 for the whole call, else the turn number), so the hits of a
call are a range of rowids and hits group by call without a join. The text each unit was
indexed with is kept, compressed, in search_texts (one row per call): snippets are cut from
it, and FTS5, which must be told exactly what it indexed to forget it, is told from it when
the call goes. note_index holds the reviewer notes' text itself, under the note's id.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from polytui.core.text import clean_line

from .records import CALL_COLUMNS, Document, pack_bytes

if TYPE_CHECKING:
    from polytui.core.note import Note

DOC_BITS = 24  # units per call: the whole call and turns 1 .. 16,777,215
DOC_MASK = (1 << DOC_BITS) - 1
FTS_COLUMNS = ", ".join(CALL_COLUMNS)
_MARKS = ", ".join("?" for _ in CALL_COLUMNS)


def pack(docs: Iterable[Document]) -> bytes:
    """The documents as search_texts keeps them: zlib-compressed JSON."""
    text = json.dumps([list(doc) for doc in docs], ensure_ascii=False, separators=(",", ":"))
    return pack_bytes(text.encode("utf-8"))


def unpack(blob: bytes) -> list[Document]:
    return [tuple(doc) for doc in json.loads(zlib.decompress(blob))]


def rowid(call_id: int, number: int) -> int:
    return (call_id << DOC_BITS) | number


def _rows(call_id: int, docs: Iterable[Document]) -> list[tuple[Any, ...]]:
    return [(rowid(call_id, doc[0]), *doc[1:]) for doc in docs if 0 <= doc[0] <= DOC_MASK]


def index_conversation(
    conn: sqlite3.Connection, call_id: int, docs: list[Document], packed: bytes | None = None
) -> None:
    """Index the call stored under ``call_id`` (its row was just inserted); ``packed`` is
    ``pack(docs)`` when the caller has it already."""
    conn.executemany(
        f"INSERT INTO search_index (rowid, {FTS_COLUMNS}) VALUES (?, {_MARKS})",
        _rows(call_id, docs),
    )
    documents = pack(docs) if packed is None else packed
    conn.execute("INSERT INTO search_texts (id, documents) VALUES (?, ?)", (call_id, documents))


def forget_conversation(conn: sqlite3.Connection, call_id: int, blob: bytes | None) -> None:
    """Take the call ``call_id`` out of the index, telling FTS5 what it indexed (``blob``,
    its search_texts row); its search_texts row goes with its conversations row."""
    if blob is None:
        return
    conn.executemany(
        f"INSERT INTO search_index (search_index, rowid, {FTS_COLUMNS}) "
        f"VALUES ('delete', ?, {_MARKS})",
        _rows(call_id, unpack(blob)),
    )


def drop_conversations(conn: sqlite3.Connection, where: str, params: tuple[Any, ...]) -> int:
    """Remove the conversations matching ``where`` (over conversations) with their JSON and
    index entries (not their notes); returns how many conversations went."""
    found = conn.execute(
        f"SELECT c.id, t.documents FROM conversations AS c "
        f"LEFT JOIN search_texts AS t ON t.id = c.id WHERE {where}",
        params,
    ).fetchall()
    for call_id, blob in found:
        forget_conversation(conn, call_id, blob)
    removed = 0
    for start in range(0, len(found), 500):
        ids = [call_id for call_id, _ in found[start : start + 500]]
        marks = ", ".join("?" for _ in ids)
        removed += conn.execute(f"DELETE FROM conversations WHERE id IN ({marks})", ids).rowcount
    return removed


def drop_all_conversation_documents(conn: sqlite3.Connection) -> None:
    """Forget every conversation's index entries at once (reviewer notes stay indexed)."""
    conn.execute("INSERT INTO search_index (search_index) VALUES ('delete-all')")
    conn.execute("DELETE FROM search_texts")


def index_note(conn: sqlite3.Connection, note: Note) -> None:
    """Index ``note``'s text (as one sanitised line), replacing what was indexed for it."""
    drop_notes(conn, "id = ?", (note.id,))
    conn.execute(
        "INSERT INTO note_index (rowid, note) VALUES (?, ?)", (note.id, clean_line(note.text))
    )


def drop_notes(conn: sqlite3.Connection, where: str, params: tuple[Any, ...]) -> None:
    """Take the notes matching ``where`` (over the notes table) out of the notes' index."""
    conn.execute(
        f"DELETE FROM note_index WHERE rowid IN (SELECT id FROM notes WHERE {where})", params
    )
