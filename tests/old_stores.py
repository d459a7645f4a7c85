"""Stores as older polytui versions wrote them, written here with plain SQL (not with today's
Store, whose SQL speaks the current schema), to test that migrations carry them forward.

- Version 2: migrations 1 and 2; each call's documents in search_docs and search_index, and
  each reviewer note as a document of its own in the same index.
- Version 3: migrations 1 to 3; reviewer notes in note_index instead.

The listing columns and documents are derived the way the store derived them at those
versions (``_listing`` and ``_documents`` are frozen copies; the store's own derivation moves
on). Checked once against stores written by polytui at commits 1797f49 (version 2) and
34bc8c2 (version 3): every table held the same rows, FTS5's shadow tables included (but for
how the notes' index lays out its segments, which follows the order of the writes)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from polytui.adapters.sqlite.records import to_db_time
from polytui.adapters.sqlite.schema import MIGRATIONS
from polytui.core.facts import handoff_state
from polytui.core.models import Conversation
from polytui.core.numbers import finite
from polytui.core.text import clean_line

COLUMNS = "caller, agent, translation, summary, note"
WHEN = to_db_time(datetime(2025, 6, 1, tzinfo=UTC))

Note = tuple[str, str, int | None, str, str | None]  # (agent, conversation, turn, text, label)


def _listing(conv: Conversation) -> dict[str, Any]:
    start = conv.start
    summary = conv.summary
    latencies = [v for v in map(finite, conv.latencies()) if v is not None]
    return {
        "started_at": clean_line(conv.started_at or conv.created_at) or None,
        "start_key": to_db_time(start) if start else None,
        "channel": clean_line(conv.channel) or None,
        "duration": finite(conv.call_seconds),
        "turn_count": len(conv.turn_list),
        "handoff": None if (state := handoff_state(conv)) is None else int(state),
        "poly_score": finite(conv.poly_score),
        "tags": json.dumps([clean_line(tag) for tag in conv.tag_list], ensure_ascii=False),
        "summary": clean_line(summary.one_line) if summary else "",
        "max_latency": max(latencies) if latencies else None,
        "in_progress": int(conv.live),
    }


def _join(*parts: str | None) -> str:
    return " ".join(clean_line(part) for part in parts if part)


def _documents(conv: Conversation) -> list[tuple[Any, ...]]:
    docs: list[tuple[Any, ...]] = []
    for number, turn in enumerate(conv.turn_list, start=1):
        caller = _join(turn.user_input, turn.user_input_dtmf, turn.asr_corrected)
        agent = _join(turn.agent_response)
        translation = _join(turn.translated_user_input, turn.english_agent_response)
        if caller or agent or translation:
            docs.append((number, "turn", caller, agent, translation, "", ""))
    summary = conv.summary
    if summary and summary.one_line.strip():
        docs.append((None, "summary", "", "", "", _join(summary.heading, summary.content), ""))
    if conv.note and conv.note.strip():
        docs.append((None, "api_note", "", "", "", "", _join(conv.note)))
    return docs


def write_old_store(
    path: Path,
    version: int,
    calls: Iterable[tuple[str, dict[str, Any]]],
    notes: Sequence[Note] = (),
    *,
    raw: Any = json.dumps,
) -> None:
    """A store at schema ``version`` (2 or 3) holding ``calls`` ((agent, payload) pairs, each
    stored as ``raw(payload)``) and ``notes``."""
    assert version in (2, 3)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    for statements in MIGRATIONS[:version]:
        for statement in statements:
            conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {version}")
    for agent, data in calls:
        conv = Conversation.from_data(data)
        values = {
            **_listing(conv),
            "agent": agent,
            "conversation_id": conv.conversation_id,
            "host": "api.us.poly.ai",
            "fetched_at": WHEN,
            "raw": raw(data),
        }
        names = ", ".join(values)
        marks = ", ".join(f":{name}" for name in values)
        conn.execute(f"INSERT INTO conversations ({names}) VALUES ({marks})", values)
        conn.executemany(
            f"INSERT INTO search_docs (agent_id, conversation_id, turn, kind, {COLUMNS}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(agent, conv.conversation_id, *doc) for doc in _documents(conv)],
        )
        conn.execute(
            f"INSERT INTO search_index (rowid, {COLUMNS}) SELECT id, {COLUMNS} FROM search_docs "
            "WHERE conversation_id = ? AND agent_id = ?",
            (conv.conversation_id, agent),
        )
    for agent, cid, turn, text, label in notes:
        note_id = conn.execute(
            "INSERT INTO notes (agent, conversation_id, turn, text, label, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (agent, cid, turn, text, label, WHEN, WHEN),
        ).lastrowid
        if version == 3:
            conn.execute(
                "INSERT INTO note_index (rowid, note) VALUES (?, ?)", (note_id, clean_line(text))
            )
            continue
        doc = conn.execute(
            "INSERT INTO search_docs (agent_id, conversation_id, turn, kind, note_id, note) "
            "VALUES (?, ?, ?, 'note', ?, ?)",
            (agent, cid, turn, note_id, clean_line(text)),
        ).lastrowid
        conn.execute(
            f"INSERT INTO search_index (rowid, {COLUMNS}) "
            f"SELECT id, {COLUMNS} FROM search_docs WHERE id = ?",
            (doc,),
        )
    conn.execute("COMMIT")
    conn.close()
