"""Keeping the full-text index in step with the documents it indexes.

search_index is an FTS5 table over search_docs ("external content"): every change to
search_docs goes through these functions, which tell FTS5 about it in the same transaction."""

from __future__ import annotations

import sqlite3
from typing import Any

from polytui.core.note import Note
from polytui.core.text import clean_line

from .records import Document

FTS_COLUMNS = "caller, agent, translation, summary, note"


def drop_documents(conn: sqlite3.Connection, where: str, params: tuple[Any, ...]) -> None:
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
    drop_documents(
        conn,
        "note_id IS NULL AND (agent_id, conversation_id) IN "
        f"(SELECT agent, conversation_id FROM conversations WHERE {where})",
        params,
    )
    return conn.execute(f"DELETE FROM conversations WHERE {where}", params).rowcount


def drop_all_conversation_documents(conn: sqlite3.Connection) -> None:
    """Forget every conversation's documents at once (reviewer notes stay indexed)."""
    conn.execute("DELETE FROM search_docs WHERE note_id IS NULL")
    conn.execute("INSERT INTO search_index (search_index) VALUES ('rebuild')")


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
        "FROM search_docs WHERE conversation_id = ? AND agent_id = ? AND note_id IS NULL",
        (conversation_id, agent),
    )


def index_note(conn: sqlite3.Connection, note: Note) -> None:
    drop_documents(conn, "note_id = ?", (note.id,))
    cursor = conn.execute(
        "INSERT INTO search_docs (agent_id, conversation_id, turn, kind, note_id, note) "
        "VALUES (?, ?, ?, 'note', ?, ?)",
        (note.agent, note.conversation_id, note.turn, note.id, clean_line(note.text)),
    )
    conn.execute(
        f"INSERT INTO search_index (rowid, {FTS_COLUMNS}) "
        f"SELECT id, {FTS_COLUMNS} FROM search_docs WHERE id = ?",
        (cursor.lastrowid,),
    )
