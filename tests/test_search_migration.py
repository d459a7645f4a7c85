"""Migration 3: a store written at schema version 2 (reviewer notes inside the calls' full-text
index) upgrades in place, its notes moved into their own index, nothing lost.

The version-2 file is written with plain SQL, the way polytui up to schema 2 wrote it
(``tests/old_stores.py``); later migrations carry it on to today's schema."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from polytui.adapters.sqlite import SCHEMA_VERSION, Store
from polytui.core.models import Conversation

from .old_stores import write_old_store

AGENT = "PROJECT-1"

CALL = {
    "conversationId": "CA1",
    "accountId": "ACCOUNT-1",
    "projectId": AGENT,
    "startedAt": "2025-03-01T10:00:00Z",
    "note": "escalated by supervisor",
    "shortSummary": "Refund for the smashed mugs",
    "turns": [
        {"user_input": "my mugs arrived smashed", "agent_response": "Sorry to hear that"},
        {"user_input": "a refund please", "agent_response": "Let me check your postcode"},
    ],
}
OTHER = {
    **CALL,
    "conversationId": "CA2",
    "note": "",
    "shortSummary": "",
    "turns": [{"user_input": "where is my parcel", "agent_response": "On its way"}],
}
NOTES = [  # (agent, conversation, turn, text, label)
    (AGENT, "CA1", 2, "agent ignored the\tzebra question", "bad response"),
    (AGENT, "CA1", None, "whole call quokka\nsecond line", None),
    (AGENT, "CA-gone", 1, "narwhal on a call no longer stored", None),
    ("OTHER", "CA2", 1, "zebra for another agent", "good response"),
]


def write_version_2_store(path: Path) -> None:
    write_old_store(path, 2, [(AGENT, CALL), ("OTHER", OTHER)], NOTES)


def where(store: Store, query: str) -> list[tuple[str, str, int | None, str]]:
    found = store.search(query, per_call=100)
    return sorted((h.agent, h.conversation_id, h.turn or 0, h.field) for c in found for h in c.hits)


def test_a_version_2_store_upgrades_in_place_and_keeps_both_searches(tmp_path: Path) -> None:
    path = tmp_path / "polytui.sqlite3"
    write_version_2_store(path)
    with sqlite3.connect(path) as old:  # as version 2 found it: notes in the calls' index
        assert old.execute("PRAGMA user_version").fetchone() == (2,)
        found = old.execute(
            "SELECT count(*) FROM search_index WHERE search_index MATCH 'zebra'"
        ).fetchone()
        assert found == (2,)

    with Store(path) as store:
        conn = store._conn
        assert conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
        # Nothing lost: the calls, their raw JSON, every note as it was.
        assert store.get("CA1", AGENT).raw == json.dumps(CALL)
        assert store.count() == 2
        kept = [(n.agent, n.conversation_id, n.turn, n.text, n.label) for n in store.all_notes()]
        assert sorted(kept, key=str) == sorted(NOTES, key=str)
        # The calls' search, as before.
        assert where(store, "smashed") == [
            (AGENT, "CA1", 0, "summary"),
            (AGENT, "CA1", 1, "caller"),
        ]
        assert where(store, "postcode") == [(AGENT, "CA1", 2, "agent")]
        assert where(store, "supervisor") == [(AGENT, "CA1", 0, "note")]  # the API's note
        assert where(store, "parcel") == [("OTHER", "CA2", 1, "caller")]
        # The notes' search, from their own index now.
        assert where(store, "zebra") == [("OTHER", "CA2", 1, "note"), (AGENT, "CA1", 2, "note")]
        assert where(store, "quokka") == [(AGENT, "CA1", 0, "note")]
        assert where(store, "narwhal") == [(AGENT, "CA-gone", 1, "note")]
        hit = store.search("zebra", agent=AGENT)[0].hits[0]
        assert hit.snippet == "agent ignored the    zebra question"  # the line as indexed
        assert [hit.snippet[a:b] for a, b in hit.highlights] == ["zebra"]
        # The notes left the calls' index (search_docs is gone since migration 6), and both
        # indexes are sound.
        assert conn.execute(
            "SELECT count(*) FROM search_index WHERE search_index MATCH 'zebra OR quokka'"
        ).fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM note_index").fetchone() == (len(NOTES),)
        for table in ("search_index", "note_index"):
            conn.execute(f"INSERT INTO {table} ({table}) VALUES ('integrity-check')")
        # ...and they keep working: a moved note changes, another goes, a call is refetched.
        zebra = next(n for n in store.all_notes() if n.agent == AGENT and n.turn == 2)
        store.update_note(zebra.id, text="agent ignored the okapi question", label=None)
        narwhal = next(n for n in store.all_notes() if n.conversation_id == "CA-gone")
        store.delete_note(narwhal.id)
        store.put(AGENT, "api.us.poly.ai", json.dumps(CALL), Conversation.from_data(CALL))
        assert where(store, "zebra") == [("OTHER", "CA2", 1, "note")]
        assert where(store, "okapi") == [(AGENT, "CA1", 2, "note")]
        assert where(store, "narwhal") == []
        assert where(store, "postcode") == [(AGENT, "CA1", 2, "agent")]
        for table in ("search_index", "note_index"):
            conn.execute(f"INSERT INTO {table} ({table}) VALUES ('integrity-check')")

    with Store(path) as again:  # opening once more migrates nothing
        assert again._conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
        assert where(again, "quokka") == [(AGENT, "CA1", 0, "note")]


def test_a_new_store_starts_at_the_latest_version_with_both_indexes(tmp_path: Path) -> None:
    with Store(tmp_path / "new.sqlite3") as store:
        names = {
            row[0]
            for row in store._conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        assert {"search_index", "note_index", "search_texts", "notes"} <= names
        assert "search_docs" not in names
        assert store._conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
