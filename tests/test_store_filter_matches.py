"""The browser's filter finds its calls once (``adapters/sqlite/matches.py``): the count, the
pages and the positions of one filter read the calls found, which are found again when the
filter changes or the store does (through this store or another process's). Real SQLite files;
every answer checked against the index asked directly."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from polytui.adapters.sqlite import Store
from polytui.adapters.sqlite.fts import words_query
from polytui.adapters.sqlite.index import DOC_BITS
from polytui.core.models import Conversation

AGENT = "PROJECT-1"


def put(store: Store, cid: str, channel: str, summary: str = "", minute: int = 0) -> None:
    data = {
        "conversationId": cid,
        "accountId": "ACCOUNT-1",
        "projectId": AGENT,
        "channel": channel,
        "startedAt": (datetime(2025, 1, 1, tzinfo=UTC) + timedelta(minutes=minute)).isoformat(),
        "shortSummary": summary,
        "turns": [{"user_input": "voice of the caller", "agent_response": "hi"}],
    }
    store.put(AGENT, "api.us.poly.ai", json.dumps(data), Conversation.from_data(data))


def asked_directly(db: Path, words: str) -> set[str]:
    """The calls the index holds for ``words`` in the listing's columns, asked without polytui."""
    expression = words_query(words, ("listing", "summary"))
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            f"SELECT conversation_id FROM conversations WHERE id IN (SELECT rowid >> {DOC_BITS} "
            "FROM search_index WHERE search_index MATCH ?)",
            (expression,),
        ).fetchall()
    return {row[0] for row in rows}


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "polytui.sqlite3"


def listed(store: Store, words: str, **order: object) -> list[str]:
    return [row.conversation_id for row in store.list(text_filter=words, **order)]  # type: ignore[arg-type]


def test_a_filters_count_pages_and_positions_follow_every_change(db: Path) -> None:
    with Store(db) as store:
        for number in range(30):
            put(store, f"CA-{number:02d}", "VOICE-SIP" if number % 3 else "CHAT", minute=number)
        assert store.count(text_filter="voice-sip") == 20 == len(asked_directly(db, "voice-sip"))
        assert store.count(text_filter="chat") == 10  # another filter: found again
        assert store.count(text_filter="voice-sip") == 20
        # "voice" is in every call's turn, but the filter reads the listing's columns only.
        assert store.count(text_filter="voice") == 20
        newest_first = listed(store, "voice-sip")
        assert newest_first == sorted(asked_directly(db, "voice-sip"), reverse=True)
        page = store.page(text_filter="voice-sip", limit=7)
        after = store.page(text_filter="voice-sip", after=page.end, limit=7)
        assert [r.conversation_id for r in page.rows + after.rows] == newest_first[:14]
        assert store.position((AGENT, "CA-01"), text_filter="voice-sip") == 19
        assert store.position((AGENT, "CA-00"), text_filter="voice-sip") is None

        put(store, "CA-99", "VOICE-SIP", minute=99)  # a write through this store
        assert store.count(text_filter="voice-sip") == 21
        assert listed(store, "voice-sip")[0] == "CA-99"
        store.delete(["CA-99", "CA-01"])
        assert store.count(text_filter="voice-sip") == 19
        assert store.position((AGENT, "CA-02"), text_filter="voice-sip") == 18

        with Store(db) as other:  # another process's write: seen at the next question
            put(other, "CA-98", "VOICE-SIP", "refund given", minute=98)
            other.delete(["CA-02"])
        assert store.count(text_filter="voice-sip") == 19
        assert listed(store, "voice-sip")[:2] == ["CA-98", "CA-29"]
        assert "CA-02" not in listed(store, "voice-sip")
        assert store.count(text_filter="refund") == 1
        assert store.count(text_filter="voice-sip", agent=AGENT) == 19
        assert store.count(text_filter="voice-sip", agent="PROJECT-2") == 0
        assert set(listed(store, "voice-sip")) == asked_directly(db, "voice-sip")


def test_two_stores_keep_their_own_matches(db: Path) -> None:
    with Store(db) as first, Store(db) as second:
        for number in range(6):
            put(first, f"CA-{number}", "CHAT" if number < 2 else "VOICE-SIP", minute=number)
        assert first.count(text_filter="chat") == 2
        assert second.count(text_filter="voice-sip") == 4
        assert first.count(text_filter="chat") == 2  # not the other store's table
        assert listed(first, "chat") == ["CA-1", "CA-0"]
        assert len(listed(second, "voice-sip")) == 4


def test_a_filter_read_inside_a_batch_that_fails_is_found_again(db: Path) -> None:
    with Store(db) as store:
        for number in range(4):
            put(store, f"CA-{number}", "CHAT", minute=number)
        assert store.count(text_filter="chat") == 4  # found before the batch, and kept
        with pytest.raises(RuntimeError), store.batch():
            put(store, "CA-9", "CHAT", minute=9)
            assert store.count(text_filter="chat") == 5  # read inside the open batch
            raise RuntimeError("the batch fails: CA-9 is not kept")
        assert store.count(text_filter="chat") == 4
        assert listed(store, "chat") == ["CA-3", "CA-2", "CA-1", "CA-0"]


def test_a_read_only_store_filters_too(db: Path) -> None:
    with Store(db) as store:
        for number in range(5):
            put(store, f"CA-{number}", "VOICE-SIP" if number % 2 else "CHAT", minute=number)
    db.chmod(0o400)
    db.parent.chmod(0o500)
    try:
        with Store(db) as reader:
            assert reader.count(text_filter="voice-sip") == 2
            assert listed(reader, "voice-sip") == ["CA-3", "CA-1"]
    finally:
        db.parent.chmod(0o700)
        db.chmod(0o600)


def test_many_stores_one_after_another_each_find_their_own(db: Path) -> None:
    """More stores than are remembered: the oldest are forgotten, none is answered with
    another's matches."""
    with Store(db) as store:
        for number in range(3):
            put(store, f"CA-{number}", "CHAT" if number else "VOICE-SIP", minute=number)
    stores = [Store(db) for _ in range(70)]
    try:
        for number, opened in enumerate(stores):
            words = "chat" if number % 2 else "voice-sip"
            assert opened.count(text_filter=words) == (2 if number % 2 else 1)
        for number, opened in enumerate(stores):
            words = "voice-sip" if number % 2 else "chat"
            assert listed(opened, words) == (["CA-0"] if number % 2 else ["CA-2", "CA-1"])
    finally:
        for opened in stores:
            opened.close()


def test_without_room_for_the_matches_the_index_is_asked_each_time(db: Path) -> None:
    """A connection that cannot write even its temporary tables (here: query_only) still
    filters, asking the full-text index in each query."""
    with Store(db) as store:
        for number in range(6):
            put(store, f"CA-{number}", "VOICE-SIP" if number % 2 else "CHAT", minute=number)
        store._conn.execute("PRAGMA query_only = 1")  # type: ignore[union-attr]
        assert store.count(text_filter="voice-sip") == 3
        assert listed(store, "voice-sip") == ["CA-5", "CA-3", "CA-1"]
        assert store.position((AGENT, "CA-3"), text_filter="voice-sip") == 1
        with pytest.raises(sqlite3.OperationalError):  # nothing was written after all
            store._conn.execute("SELECT count(*) FROM temp.listing_matches")  # type: ignore[union-attr]
