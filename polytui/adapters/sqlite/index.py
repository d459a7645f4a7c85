"""Keeping the full-text indexes in step with what they index.

search_index is an FTS5 table over search_docs ("external content"), the documents of stored
conversations: every change to search_docs goes through these functions, which tell FTS5
about it in the same transaction. note_index holds the reviewer notes' text itself, under the
note's id."""

from __future__ import annotations

import sqlite3
from typing import Any

from polytui.core.note import Note
from polytui.core.text import clean_line

from .records import Document

FTS_COLUMNS = "caller, agent, translation, summary, note"


def _drop_documents(conn: sqlite3.Connection, where: str, params: tuple[Any, ...]) -> None:
    """Remove the documents matching ``where`` from the index and from search_docs."""
    conn.execute(
        f"INSERT INTO search_index (search_index, rowid, {FTS_COLUMNS}) "
        f"SELECT 'delete', id, {FTS_COLUMNS} FROM search_docs WHERE {where}",
        params,
    )
    conn.execute(f"DELETE FROM search_docs WHERE {where}", params)


def drop_conversations(conn: sqlite3.Connection, where: str, params: tuple[Any, ...]) -> int:
    """Remove the conversations matching ``where`` with their documents (not their notes);
    returns how many conversations went."""
    _drop_documents(
        conn,
        "(agent_id, conversation_id) IN "
        f"(SELECT agent, conversation_id FROM conversations WHERE {where})",
        params,
    )
    return conn.execute(f"DELETE FROM conversations WHERE {where}", params).rowcount


def drop_all_conversation_documents(conn: sqlite3.Connection) -> None:
    """Forget every conversation's documents at once (reviewer notes stay indexed)."""
    conn.execute("DELETE FROM search_docs")
    conn.execute("INSERT INTO search_index (search_index) VALUES ('delete-all')")


def index_conversation(
    conn: sqlite3.Connection, agent: str, conversation_id: str, docs: list[Document]
) -> None:
    conn.executemany(
        f"INSERT INTO search_docs (agent_id, conversation_id, turn, kind, {FTS_COLUMNS}) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(agent, conversation_id, *doc) for doc in docs],
    )
    conn.execute(
        f"INSERT INTO search_index (rowid, {FTS_COLUMNS}) SELECT id, {FTS_COLUMNS} "
        "FROM search_docs WHERE conversation_id = ? AND agent_id = ?",
        (conversation_id, agent),
    )


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
