"""Reviewer notes: checks and SQL (run inside the Store's transactions)."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from polytui.core.errors import NotFoundError, UsageError

from .index import drop_notes, index_note
from .records import from_db_time, to_db_time, utc_now

if TYPE_CHECKING:  # the notes' model loads where a note is read or written
    from polytui.core.note import Note

SELECT = "SELECT id, agent, conversation_id, turn, text, label, created_at, updated_at FROM notes"


def check(turn: int | None, text: str, label: str | None) -> str:
    """The note's text as stored (stripped); UsageError for a bad turn, label or empty note."""
    from polytui.core.note import NOTE_LABELS

    if turn is not None and (isinstance(turn, bool) or not isinstance(turn, int) or turn < 1):
        raise UsageError(f"A note's turn must be a turn number from 1 up, not {turn!r}.")
    if label is not None and label not in NOTE_LABELS:
        choices = ", ".join(NOTE_LABELS)
        raise UsageError(f"Unknown note label {label!r}: use one of {choices}.")
    text = text.strip()
    if not text and label is None:
        raise UsageError("A note needs some text or a label.")
    return text


def from_row(row: tuple[Any, ...]) -> Note:
    from polytui.core.note import Note

    note_id, agent, conversation_id, turn, text, label, created, updated = row
    return Note(
        id=note_id,
        agent=agent,
        conversation_id=conversation_id,
        turn=turn,
        text=text,
        label=label,
        created_at=from_db_time(created),
        updated_at=from_db_time(updated),
    )


def get(conn: sqlite3.Connection, note_id: int | None) -> Note:
    row = conn.execute(f"{SELECT} WHERE id = ?", (note_id,)).fetchone()
    if row is None:
        raise NotFoundError(f"There is no note with the id {note_id}.")
    return from_row(row)


def add(
    conn: sqlite3.Connection,
    agent: str,
    conversation_id: str,
    turn: int | None,
    text: str,
    label: str | None,
) -> Note:
    now = to_db_time(utc_now())
    cursor = conn.execute(
        "INSERT INTO notes (agent, conversation_id, turn, text, label, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (agent, conversation_id, turn, check(turn, text, label), label, now, now),
    )
    note = get(conn, cursor.lastrowid)
    index_note(conn, note)
    recount(conn, agent, conversation_id)
    return note


def add_once(
    conn: sqlite3.Connection,
    agent: str,
    conversation_id: str,
    new: list[tuple[int | None, str | None, str]],
) -> tuple[int, int]:
    """Add each (turn, label, text) of ``new`` that the call does not hold yet, inside the
    caller's write transaction (so a second import at the same time sees the first's notes);
    returns (added, already there)."""
    rows = conn.execute(
        "SELECT turn, label, text FROM notes WHERE agent = ? AND conversation_id = ?",
        (agent, conversation_id),
    ).fetchall()
    held = {(turn, label, text) for turn, label, text in rows}
    added = already = 0
    for turn, label, text in new:
        key = (turn, label, check(turn, text, label))
        if key in held:
            already += 1
            continue
        add(conn, agent, conversation_id, turn, text, label)
        held.add(key)
        added += 1
    return added, already


def update(conn: sqlite3.Connection, note_id: int, text: str, label: str | None) -> Note:
    old = get(conn, note_id)
    conn.execute(
        "UPDATE notes SET text = ?, label = ?, updated_at = ? WHERE id = ?",
        (check(old.turn, text, label), label, to_db_time(utc_now()), note_id),
    )
    note = get(conn, note_id)
    index_note(conn, note)
    return note


def delete(conn: sqlite3.Connection, note_id: int) -> None:
    note = get(conn, note_id)
    drop_notes(conn, "id = ?", (note_id,))
    conn.execute("DELETE FROM notes WHERE id = ?", (note_id,))
    recount(conn, note.agent, note.conversation_id)


def prune(conn: sqlite3.Connection, cutoff: str) -> int:
    """Delete the notes last changed before ``cutoff`` (a stored time); returns how many."""
    drop_notes(conn, "updated_at < ?", (cutoff,))
    removed = conn.execute("DELETE FROM notes WHERE updated_at < ?", (cutoff,)).rowcount
    if removed:
        conn.execute(f"UPDATE conversations SET note_count = {_COUNT} WHERE note_count > 0")
    return int(removed)


# The notes on the conversations row being updated (the listing's note count).
_COUNT = (
    "(SELECT count(*) FROM notes AS n "
    "WHERE n.conversation_id = conversations.conversation_id AND n.agent = conversations.agent)"
)


def recount(conn: sqlite3.Connection, agent: str, conversation_id: str) -> None:
    """Set the stored call's note count (if it is stored) to the notes it has now."""
    conn.execute(
        f"UPDATE conversations SET note_count = {_COUNT} WHERE agent = ? AND conversation_id = ?",
        (agent, conversation_id),
    )
