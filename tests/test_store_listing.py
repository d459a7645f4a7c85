"""The store's listing for the cached-call browser: pages along each order (keyset and offset),
positions, rows by key, counts with a filter, the indexes they walk (migration 5), note counts
kept in step, a version-3 store carried forward, and the search-syntax check. Real SQLite
files."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from polytui.adapters.sqlite import ORDER_COLUMNS, SCHEMA_VERSION, Store
from polytui.adapters.sqlite import schema as schema_module
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


def reference_order(rows: list, order_by: str, descending: bool) -> list:
    """What the listing promises, worked out in Python: by the value (text without regard to
    case), empty values last either way, then by when the call was stored (ties)."""
    from polytui.adapters.sqlite.records import to_db_time

    def value(row):
        if order_by == "started_at":
            return None if row.started is None else to_db_time(row.started)
        if order_by == "tags":
            return json.dumps(list(row.tags), ensure_ascii=False).lower() if row.tags else None
        if order_by == "fetched_at":
            return to_db_time(row.fetched_at)
        if order_by == "handoff":
            return None if row.handoff is None else int(row.handoff)
        found = getattr(row, order_by)
        return found.lower() if isinstance(found, str) else found

    stored = {key: i for i, key in enumerate(insertion_order)}
    full = sorted(
        (r for r in rows if value(r) is not None),
        key=lambda r: (value(r), stored[(r.agent, r.conversation_id)]),
        reverse=descending,
    )
    empty = sorted(
        (r for r in rows if value(r) is None),
        key=lambda r: stored[(r.agent, r.conversation_id)],
        reverse=descending,
    )
    return full + empty


insertion_order: list[tuple[str, str]] = []


@pytest.fixture(autouse=True)
def _track_insertions(monkeypatch):
    insertion_order.clear()
    original = Store.put

    def tracked(self, agent, host, raw, conversation, fetched_at=None):
        original(self, agent, host, raw, conversation, fetched_at)
        key = (agent, conversation.conversation_id)
        if key in insertion_order:
            insertion_order.remove(key)
        insertion_order.append(key)

    monkeypatch.setattr(Store, "put", tracked)


@pytest.mark.parametrize("order_by", list(ORDER_COLUMNS))
@pytest.mark.parametrize("descending", [True, False])
def test_pages_walk_the_order_of_the_listing(store: Store, order_by, descending) -> None:
    fill(store)
    rows = store.list(order_by=order_by, descending=descending)
    assert rows == reference_order(rows, order_by, descending) and len(rows) == 6
    for size in (1, 2, 4, 6, 7):  # page by page, each from the end of the one before
        walked, after = [], None
        while True:
            page = store.page(order_by=order_by, descending=descending, after=after, limit=size)
            if not page.rows:
                break
            walked += page.rows
            after = page.end
        assert walked == rows
    for offset in range(8):  # and by offset, from the start or from a page's end
        assert store.list(order_by=order_by, descending=descending, offset=offset) == rows[offset:]
        first = store.page(order_by=order_by, descending=descending, limit=2)
        beyond = store.page(
            order_by=order_by, descending=descending, after=first.end, offset=offset
        )
        assert beyond.rows == rows[2 + offset :]
    for line, row in enumerate(rows):
        key = (row.agent, row.conversation_id)
        assert store.position(key, order_by=order_by, descending=descending) == line
    assert store.position(("PROJECT-9", "CA-a"), order_by=order_by) is None
    assert rows == store.rows_for([(r.agent, r.conversation_id) for r in rows])


def test_filters_agent_and_count(store: Store) -> None:
    fill(store)

    def keys(**kwargs) -> list[tuple[str, str]]:
        return [(r.agent, r.conversation_id) for r in store.list(**kwargs)]

    assert keys(text_filter="refund") == [(AGENT, "CA-e")]
    assert keys(text_filter="ca-a") == [("PROJECT-2", "CA-a"), (AGENT, "CA-a")]
    assert keys(agent="PROJECT-2", order_by="conversation_id", descending=False) == [
        ("PROJECT-2", "CA-a"),
        ("PROJECT-2", "ca-B"),
    ]
    assert store.position((AGENT, "CA-a"), text_filter="ca-a") == 1
    assert store.position((AGENT, "CA-d"), text_filter="ca-a") is None
    assert store.count() == 6
    assert store.count(text_filter="voice") == 2
    assert store.count(text_filter="voice ca-c") == 1
    assert store.count(agent="PROJECT-2") == 2
    assert store.count(text_filter="100%") == 0  # % is literal
    assert keys(text_filter="nothing-like-this") == []
    with pytest.raises(UsageError, match="Cannot sort"):
        store.list(order_by="raw")
    with pytest.raises(UsageError, match="negative"):
        store.page(offset=-1)
    cursor = store.page(limit=1).end
    with pytest.raises(UsageError, match="order it was read in"):
        store.page(order_by="duration", after=cursor)


def test_note_counts_follow_the_notes(store: Store) -> None:
    fill(store)

    def noted() -> dict[tuple[str, str], int]:
        return {(r.agent, r.conversation_id): r.note_count for r in store.list() if r.note_count}

    assert noted() == {(AGENT, "CA-d"): 2, ("PROJECT-2", "ca-B"): 1}
    note = store.add_note(AGENT, "CA-a", None, "one")
    store.add_note(AGENT, "CA-x", None, "on a call not stored yet")
    assert noted()[(AGENT, "CA-a")] == 1
    store.delete_note(note.id)
    assert (AGENT, "CA-a") not in noted()
    put(store, call("CA-x"))  # a call stored after its note: counted when stored
    assert noted()[(AGENT, "CA-x")] == 1
    put(store, call("CA-d", startedAt="2025-01-01T10:00:00Z"))  # stored again: notes stay
    assert noted()[(AGENT, "CA-d")] == 2
    store.prune(datetime(2100, 1, 1, tzinfo=UTC), include_notes=True)
    put(store, call("CA-d"))
    assert noted() == {}
    order = store.list(order_by="note_count")
    assert all(r.note_count == 0 for r in order)


def test_every_order_walks_an_index_and_never_sorts(store: Store) -> None:
    """A page of any order reads along that order's index from where the last page ended:
    no sort of every stored call (a temp b-tree), whatever the size of the store."""
    fill(store)
    conn = store._conn
    plans: list[str] = []
    original = conn.execute

    class Spy:
        def execute(self, sql, params=()):
            if sql.lstrip().startswith("SELECT") and "ORDER BY" in sql:
                steps = original(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()
                plans.append(" / ".join(str(step[3]) for step in steps))
            return original(sql, params)

    store._conn = Spy()  # type: ignore[assignment]
    try:
        for order_by in ORDER_COLUMNS:
            for descending in (True, False):
                plans.clear()
                first = store.page(order_by=order_by, descending=descending, limit=2)
                store.page(order_by=order_by, descending=descending, after=first.end, limit=9)
                assert plans, order_by
                for plan in plans:
                    assert "TEMP B-TREE" not in plan, (order_by, plan)
                    assert "conversations_by_" in plan, (order_by, plan)
    finally:
        store._conn = conn


def test_a_version_3_store_migrates_keeping_every_call_note_and_hit(
    tmp_path: Path, monkeypatch
) -> None:
    from .old_stores import write_old_store

    path = tmp_path / "polytui.sqlite3"
    calls = [
        (AGENT, call("CA-1", startedAt="2025-01-02T10:00:00Z", tags=["x", "y"], polyScore=4)),
        (AGENT, call("CA-2", turns=[{"user_input": "a refund please", "agent_response": "ok"}])),
        ("PROJECT-2", call("CA-1", channel="chat", shortSummary="Refund for mugs")),
    ]
    notes = [
        (AGENT, "CA-1", 1, "slow answer", "bad response"),
        (AGENT, "CA-1", None, "whole call", None),
        ("PROJECT-2", "CA-gone", None, "a call no longer stored", None),
    ]
    bulk = [  # calls enough that the rebuilt tables leave room to give back
        (AGENT, call(f"CA-bulk-{n:02d}", turns=[{"user_input": f"words {n} " * 300}]))
        for n in range(40)
    ]
    write_old_store(path, 3, calls + bulk, notes)
    with sqlite3.connect(path) as old:
        before = dict(old.execute("SELECT agent || '/' || conversation_id, raw FROM conversations"))
    said: list[str] = []
    monkeypatch.setattr(schema_module, "ANNOUNCE_FROM", 3)  # a large store says it upgrades
    with Store(path, warn=said.append) as store:
        conn = store._conn
        assert said == [
            "Upgrading the store to this version of polytui (43 calls): this happens once and "
            "can take a few minutes; nothing is lost if it is stopped."
        ]
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        pages, free = (
            conn.execute(f"PRAGMA {name}").fetchone()[0]
            for name in ("page_count", "freelist_count")
        )
        assert free * 4 < pages  # the room the rebuilt tables freed is given back
        for agent, data in calls:
            stored = store.get(data["conversationId"], agent)
            assert stored is not None and stored.raw == before[f"{agent}/{data['conversationId']}"]
        rows = {(r.agent, r.conversation_id): r for r in store.list()}
        assert set(rows) == {(agent, data["conversationId"]) for agent, data in calls + bulk}
        assert rows[(AGENT, "CA-1")].note_count == 2
        assert rows[(AGENT, "CA-1")].tags == ("x", "y")
        assert rows[(AGENT, "CA-1")].started == datetime(2025, 1, 2, 10, tzinfo=UTC)
        assert rows[(AGENT, "CA-2")].note_count == 0
        kept = [(n.agent, n.conversation_id, n.turn, n.text, n.label) for n in store.all_notes()]
        assert sorted(kept, key=str) == sorted(notes, key=str)
        assert {(h.agent, h.conversation_id) for h in store.search("refund")} == {
            (AGENT, "CA-2"),
            ("PROJECT-2", "CA-1"),
        }
        assert [h.conversation_id for h in store.search("stored")] == ["CA-gone"]
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        # ...and it keeps working: stored again, deleted (the JSON goes with the row).
        store.put(AGENT, "h", json.dumps(calls[0][1]), Conversation.from_data(calls[0][1]))
        assert store.delete(["CA-2"]) == 1
        orphans = "SELECT count(*) FROM payloads WHERE id NOT IN (SELECT id FROM conversations)"
        assert conn.execute(orphans).fetchone() == (0,)
        assert store.count() == 42


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
        "There is no field “foo”; the fields are caller:, agent:, translation:, intent:, entity:, summary: and note:."
    )
    # ...and search still answers such a query, word for word.
    assert [h.turn for c in store.search('"refund') for h in c.hits] == [1]


def test_every_sort_key_of_the_interface_has_its_sql_ordering():
    from polytui.adapters.sqlite import ORDER_COLUMNS
    from polytui.core.ports import SORT_KEYS

    assert tuple(ORDER_COLUMNS) == SORT_KEYS


def test_the_sqlite_store_plays_the_cache_and_review_roles(tmp_path):
    from polytui.adapters.sqlite import Store
    from polytui.core.ports import CallCache, ReviewStore

    with Store(tmp_path / "polytui.sqlite3") as store:
        assert isinstance(store, CallCache) and isinstance(store, ReviewStore)
