"""The store's listing for the cached-call browser: the order as keys, rows by key, counts with
a filter, the covering index (migration 2) and the search-syntax check. Real SQLite files."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from polytui.adapters.sqlite import ORDER_COLUMNS, SCHEMA_VERSION, Store
from polytui.adapters.sqlite import schema as schema_module
from polytui.adapters.sqlite.listing import list_keys
from polytui.core.errors import UsageError
from polytui.core.models import Conversation

AGENT = "PROJECT-1"


def call(cid: str, **extra: object) -> dict:
    data: dict = {
        "conversationId": cid,
        "accountId": "ACCOUNT-1",
        "projectId": AGENT,
        "turns": [{"user_input": "hello", "agent_response": "hi", "latency": 0.5}],
    }
    data.update(extra)
    return data


def put(store: Store, data: dict, agent: str = AGENT, fetched: int = 0) -> None:
    when = datetime(2025, 6, 1, tzinfo=UTC) + timedelta(minutes=fetched)
    store.put(agent, "api.us.poly.ai", json.dumps(data), Conversation.from_data(data), when)


@pytest.fixture
def store(tmp_path: Path):
    with Store(tmp_path / "data" / "polytui.sqlite3") as opened:
        yield opened


def fill(store: Store) -> None:
    """Six calls that differ (and tie, and lack values) in every listing column."""
    put(store, call("CA-a", startedAt="2025-01-02T10:00:00Z", channel="VOICE", polyScore=5,
                    totalDuration=30, tags=["b"], handoff=True), fetched=3)  # fmt: skip
    put(store, call("ca-B", startedAt="2025-01-03T10:00:00Z", channel="chat", polyScore=2,
                    totalDuration=90, tags=["a"]), agent="PROJECT-2", fetched=1)  # fmt: skip
    put(store, call("CA-c", channel="VOICE", polyScore=2, turns=[]), fetched=2)
    put(store, call("CA-d", startedAt="2025-01-01T10:00:00Z", totalDuration=60), fetched=5)
    put(store, call("CA-e", startedAt="2025-01-03T10:00:00Z", shortSummary="refund asked"))
    put(store, call("CA-a", startedAt="2025-01-04T10:00:00Z"), agent="PROJECT-2", fetched=4)
    store.add_note(AGENT, "CA-d", 1, "slow")
    store.add_note(AGENT, "CA-d", None, "check")
    store.add_note("PROJECT-2", "ca-B", 1, "fine")


@pytest.mark.parametrize("order_by", list(ORDER_COLUMNS))
@pytest.mark.parametrize("descending", [True, False])
def test_keys_come_in_the_order_of_the_listing(store: Store, order_by, descending) -> None:
    fill(store)
    rows = store.list(order_by=order_by, descending=descending)
    keys = store.keys(order_by=order_by, descending=descending)
    assert keys == [(r.agent, r.conversation_id) for r in rows]
    assert len(keys) == 6
    assert store.rows_for(keys) == rows  # same rows, same order, same note counts


def test_keys_filter_agent_and_count(store: Store) -> None:
    fill(store)
    assert store.keys(text_filter="refund") == [(AGENT, "CA-e")]
    assert store.keys(text_filter="ca-a") == [("PROJECT-2", "CA-a"), (AGENT, "CA-a")]
    assert store.keys(agent="PROJECT-2", order_by="conversation_id", descending=False) == [
        ("PROJECT-2", "CA-a"),
        ("PROJECT-2", "ca-B"),
    ]
    assert store.count() == 6
    assert store.count(text_filter="voice") == 2
    assert store.count(text_filter="voice ca-c") == 1
    assert store.count(agent="PROJECT-2") == 2
    assert store.count(text_filter="100%") == 0  # % is literal
    assert store.keys(text_filter="nothing-like-this") == []
    with pytest.raises(UsageError, match="Cannot sort"):
        store.keys(order_by="raw")


def test_rows_for_keeps_the_order_given_and_skips_what_is_gone(store: Store) -> None:
    fill(store)
    wanted = [("PROJECT-2", "ca-B"), (AGENT, "CA-x"), (AGENT, "CA-a"), ("PROJECT-9", "CA-a")]
    rows = store.rows_for(wanted)
    assert [(r.agent, r.conversation_id) for r in rows] == [("PROJECT-2", "ca-B"), (AGENT, "CA-a")]
    assert rows[0].note_count == 1 and rows[0].channel == "chat"
    assert store.rows_for([]) == []
    # More keys than one statement takes: still every row, in order.
    for i in range(700):
        put(store, call(f"CB{i:04d}"))
    keys = store.keys(order_by="conversation_id", descending=True)
    assert [(r.agent, r.conversation_id) for r in store.rows_for(keys)] == keys


def test_the_listing_reads_the_covering_index_not_the_table(store: Store) -> None:
    """Migration 2: sorting and filtering 10,000 calls must not read every call's JSON."""
    fill(store)
    conn = store._conn
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "conversations_listing" in names
    plans = []
    original = conn.execute

    class Spy:
        def execute(self, sql, params=()):
            plans.append(original(f"EXPLAIN QUERY PLAN {sql}", params).fetchall())
            return original(sql, params)

    for order_by in ("started_at", "duration", "tags", "fetched_at"):
        plans.clear()
        list_keys(Spy(), agent=None, order_by=order_by, descending=True, text_filter="voice")  # type: ignore[arg-type]
        detail = " ".join(str(step[3]) for step in plans[0])
        assert "COVERING INDEX conversations_listing" in detail, detail


def test_a_version_1_store_gets_the_index_and_keeps_its_calls(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "old.sqlite3"
    monkeypatch.setattr(schema_module, "MIGRATIONS", schema_module.MIGRATIONS[:1])
    monkeypatch.setattr(schema_module, "SCHEMA_VERSION", 1)
    with Store(path) as old:
        put(old, call("CA-old", startedAt="2025-01-01T10:00:00Z"))
    monkeypatch.undo()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    with Store(path) as new:
        conn = new._conn
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        indexes = {
            r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
        }
        assert "conversations_listing" in indexes
        assert new.keys() == [(AGENT, "CA-old")]
        assert new.rows_for(new.keys())[0].started_at == "2025-01-01T10:00:00Z"


def test_query_problem_says_in_plain_words_what_is_not_syntax(store: Store) -> None:
    put(store, call("CA-q", turns=[{"user_input": "a refund please"}]))
    assert store.query_problem("refund") is None
    assert store.query_problem('"a refund" refu*') is None
    assert store.query_problem("caller: refund") is None
    assert store.query_problem("   ") is None
    assert store.query_problem('"refund') == (
        'The quote before “refund” is never closed: end the phrase with another ".'
    )
    assert store.query_problem("foo: refund") == (
        "There is no field “foo”; the fields are caller:, agent:, translation:, summary: and note:."
    )
    # ...and search still answers such a query, word for word.
    assert [h.turn for h in store.search('"refund')] == [1]


def test_every_sort_key_of_the_interface_has_its_sql_ordering():
    from polytui.adapters.sqlite import ORDER_COLUMNS
    from polytui.core.ports import SORT_KEYS

    assert tuple(ORDER_COLUMNS) == SORT_KEYS


def test_the_sqlite_store_plays_the_cache_and_review_roles(tmp_path):
    from polytui.adapters.sqlite import Store
    from polytui.core.ports import CallCache, ReviewStore

    with Store(tmp_path / "polytui.sqlite3") as store:
        assert isinstance(store, CallCache) and isinstance(store, ReviewStore)
