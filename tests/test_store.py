"""The on-disk store: real SQLite files in tmp dirs, real processes for concurrency."""

from __future__ import annotations

import json
import multiprocessing
import os
import sqlite3
import stat
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from polytui.adapters.sqlite import SCHEMA_VERSION, Store
from polytui.adapters.sqlite.connection import RETRY_SECONDS
from polytui.adapters.sqlite.records import to_db_time
from polytui.core.errors import NotFoundError, StoreError, UsageError
from polytui.core.models import NOTE_LABELS, Conversation

AGENT = "PROJECT-1"
HOST = "api.us.poly.ai"


def hits(store: Store, query: str, **kwargs) -> list:
    """Every hit of every call found (calls best first, each call's hits best first)."""
    return [hit for found in store.search(query, per_call=1000, **kwargs) for hit in found.hits]


def conversation_data(cid: str = "CA1", **extra: object) -> dict:
    data: dict = {
        "conversationId": cid,
        "accountId": "ACCOUNT-1",
        "projectId": AGENT,
        "startedAt": "2024-05-01T10:00:00Z",
        "channel": "VOICE",
        "totalDuration": 95,
        "handoff": False,
        "polyScore": 4,
        "tags": ["billing", None, "vip"],
        "shortSummary": json.dumps({"heading": "Refund", "content": "Caller wanted a refund."}),
        "note": "escalated by supervisor",
        "turns": [
            {"user_input": "", "agent_response": "Hello, how can I help?", "latency": 0.4},
            {
                "user_input": "I want my money back for the café order",
                "user_input_dtmf": "1234",
                "agent_response": "Let me check your postcode first.",
                "latency": 2.5,
            },
            None,
            {
                "user_input": "Quiero un reembolso",
                "translated_user_input": "I want a reimbursement",
                "agent_response": "Claro.",
                "english_agent_response": "Of course.",
                "latency": 1.25,
            },
        ],
        "futureField": {"kept": [1, 2.50, "x"]},
    }
    data.update(extra)
    return data


def put(
    store: Store,
    data: dict,
    agent: str = AGENT,
    *,
    raw: str | bytes | None = None,
    fetched_at: datetime | None = None,
) -> str:
    text = json.dumps(data) if raw is None else raw
    store.put(agent, HOST, text, Conversation.from_data(data), fetched_at=fetched_at)
    return text if isinstance(text, str) else text.decode()


def fts_ok(store: Store) -> None:
    """FTS5's own check that the index matches the documents it was built from."""
    store._conn.execute("INSERT INTO search_index (search_index) VALUES ('integrity-check')")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "polytui.sqlite3"


@pytest.fixture
def store(db_path: Path):
    warnings: list[str] = []
    with Store(db_path, warn=warnings.append) as opened:
        opened.warnings = warnings  # type: ignore[attr-defined]
        yield opened
    assert not warnings


# -- storing and reading back ------------------------------------------------------------------


def test_put_get_round_trip_keeps_the_exact_text(store: Store) -> None:
    raw = '{"conversationId":"CA1","accountId":"A","projectId":"P",  "x": 1.50, "turns": []}'
    conv = Conversation.from_json_bytes(raw)
    before = datetime.now(UTC)
    store.put(AGENT, HOST, raw, conv)
    got = store.get("CA1")
    assert got is not None
    assert got.raw == raw
    assert (got.agent, got.conversation_id, got.host) == (AGENT, "CA1", HOST)
    assert got.in_progress is False
    assert got.fetched_at.tzinfo is not None and got.fetched_at.utcoffset() == timedelta(0)
    assert before - timedelta(seconds=1) <= got.fetched_at <= datetime.now(UTC)
    assert got.conversation().to_json_dict() == conv.to_json_dict()
    assert got.conversation().model_extra == {"x": 1.50}
    assert store.get("CA2") is None
    assert store.get("CA1", agent="OTHER") is None


def test_bytes_are_stored_as_text_and_unknown_fields_survive(store: Store) -> None:
    data = conversation_data(inProgress=True)
    body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    put(store, data, raw=body)
    got = store.get("CA1", AGENT)
    assert got.raw == body.decode("utf-8") and "café" in got.raw
    assert got.in_progress is True
    assert got.conversation().to_json_dict() == Conversation.from_data(data).to_json_dict()
    assert got.conversation().model_extra["futureField"] == {"kept": [1, 2.5, "x"]}


def test_get_without_agent_returns_the_newest_fetched(store: Store) -> None:
    now = datetime.now(UTC)
    put(store, conversation_data(channel="CHAT"), agent="A-new", fetched_at=now)
    put(store, conversation_data(), agent="A-old", fetched_at=now - timedelta(days=1))
    assert store.get("CA1").agent == "A-new"
    assert store.get("CA1", agent="A-old").agent == "A-old"
    assert store.count() == 2


def test_bad_raw_text_is_refused_and_the_old_copy_stays(store: Store) -> None:
    good = put(store, conversation_data())
    conv = Conversation.from_data(conversation_data(channel="CHAT"))
    with pytest.raises(StoreError, match="not valid JSON"):
        store.put(AGENT, HOST, '{"conversationId": "CA1",', conv)
    with pytest.raises(StoreError, match="not valid JSON"):
        store.put(AGENT, HOST, b"\xff\xfe\xfa", conv)
    with pytest.raises(StoreError, match="another"):
        store.put(AGENT, HOST, json.dumps(conversation_data("CA2")), conv)
    assert store.get("CA1").raw == good


def test_put_replaces_the_copy_and_its_search_entries(store: Store) -> None:
    put(store, conversation_data())
    assert hits(store, "postcode")
    newer = conversation_data(turns=[{"user_input": "zebra crossing", "agent_response": "ok"}])
    put(store, newer)
    assert store.count() == 1
    assert hits(store, "postcode") == []
    assert [(h.turn, h.field) for h in hits(store, "zebra")] == [(1, "caller")]
    assert store.list()[0].turn_count == 1
    fts_ok(store)


# -- listing -----------------------------------------------------------------------------------


def test_listing_columns_are_computed_from_the_conversation(store: Store) -> None:
    summary = {"heading": "Refund", "content": "Line one\nline\x1b[2J two"}
    data = conversation_data(shortSummary=json.dumps(summary))
    put(store, data)
    [row] = store.list()
    assert row.agent == AGENT and row.conversation_id == "CA1" and row.host == HOST
    assert row.started_at == "2024-05-01T10:00:00Z"
    assert row.channel == "VOICE"
    assert row.duration == 95.0
    assert row.turn_count == 3  # the null turn is not a turn
    assert row.handoff is False and row.poly_score == 4.0
    assert row.tags == ("billing", "vip")
    assert row.summary == "Refund: Line one line\u241b[2J two"  # one line, sanitised
    assert row.max_latency == 2.5
    assert row.in_progress is False and row.note_count == 0
    assert row.fetched_at.utcoffset() == timedelta(0)


def test_listing_of_a_bare_conversation(store: Store) -> None:
    put(
        store,
        {
            "conversationId": "CB",
            "accountId": "A",
            "projectId": "P",
            "createdAt": "2024-01-01T00:00:00+02:00",
            "finishedAt": "2024-01-01T00:01:30+02:00",
        },
    )
    [row] = store.list()
    assert row.started_at == "2024-01-01T00:00:00+02:00"  # createdAt when startedAt is absent
    assert row.duration == 90.0
    assert (row.channel, row.handoff, row.poly_score, row.max_latency) == (None, None, None, None)
    assert (row.tags, row.summary, row.turn_count) == ((), "", 0)


def _fill_for_sorting(store: Store) -> None:
    now = datetime.now(UTC)
    put(
        store,
        conversation_data(
            "CA-a",
            startedAt="2024-05-01T10:00:00+02:00",
            polyScore=1,
            channel="voice",
            tags=["b"],
            handoff=True,
        ),
        fetched_at=now,
    )
    put(
        store,
        conversation_data(
            "CA-b",
            startedAt="2024-05-01T09:00:00Z",
            polyScore=None,
            channel=None,
            tags=[],
            handoff=None,
        ),
        fetched_at=now - timedelta(hours=1),
    )
    put(
        store,
        conversation_data(
            "CA-c",
            startedAt=None,
            createdAt=None,
            polyScore=5,
            channel="CHAT",
            tags=["a"],
            handoff=False,
        ),
        fetched_at=now - timedelta(hours=2),
    )


def test_listing_order_puts_empty_values_last_both_ways(store: Store) -> None:
    _fill_for_sorting(store)
    store.add_note(AGENT, "CA-c", None, "one")
    store.add_note(AGENT, "CA-c", 2, "two")
    store.add_note(AGENT, "CA-b", 1, "three")

    def ids(order_by: str, descending: bool = True) -> list[str]:
        return [r.conversation_id for r in store.list(order_by=order_by, descending=descending)]

    # 10:00+02:00 is 08:00Z: earlier than CA-b's 09:00Z, whatever the text says
    assert ids("started_at") == ["CA-b", "CA-a", "CA-c"]
    assert ids("started_at", False) == ["CA-a", "CA-b", "CA-c"]
    assert ids("poly_score") == ["CA-c", "CA-a", "CA-b"]
    assert ids("poly_score", False) == ["CA-a", "CA-c", "CA-b"]
    assert ids("channel", False) == ["CA-c", "CA-a", "CA-b"]
    assert ids("tags", False) == ["CA-c", "CA-a", "CA-b"]
    assert ids("handoff") == ["CA-a", "CA-c", "CA-b"]
    assert ids("fetched_at") == ["CA-a", "CA-b", "CA-c"]
    assert ids("note_count") == ["CA-c", "CA-b", "CA-a"]
    assert ids("conversation_id", False) == ["CA-a", "CA-b", "CA-c"]
    for order_by in ("duration", "turn_count", "max_latency"):
        assert sorted(ids(order_by)) == ["CA-a", "CA-b", "CA-c"]
    assert [r.note_count for r in store.list(order_by="note_count")] == [2, 1, 0]
    with pytest.raises(UsageError, match="Cannot sort"):
        store.list(order_by="raw; DROP TABLE notes")


def test_listing_paging_filters_and_agents(store: Store) -> None:
    for i in range(7):
        put(
            store,
            conversation_data(f"CA{i}", shortSummary=f"summary-{i} 100%_done"),
            agent="A" if i % 2 else "B",
        )
    assert store.count() == 7
    rows = store.list(order_by="conversation_id", descending=False)
    assert [r.conversation_id for r in rows] == [f"CA{i}" for i in range(7)]
    page = store.list(order_by="conversation_id", descending=False, limit=3, offset=3)
    assert [r.conversation_id for r in page] == ["CA3", "CA4", "CA5"]
    assert {r.conversation_id for r in store.list(agent="A")} == {"CA1", "CA3", "CA5"}
    assert [r.conversation_id for r in store.list(text_filter="SUMMARY-4")] == ["CA4"]
    assert len(store.list(text_filter="100%_")) == 7  # % and _ are literal
    assert store.list(text_filter="1_0") == []
    assert [r.conversation_id for r in store.list(text_filter="ca2 billing")] == ["CA2"]
    with pytest.raises(UsageError):
        store.list(limit=-1)


# -- full-text search --------------------------------------------------------------------------


def test_search_finds_words_in_every_field(store: Store) -> None:
    put(store, conversation_data())
    store.add_note(AGENT, "CA1", 2, "agent ignored the zebra question", "bad response")

    def where(query: str) -> list[tuple[int | None, str]]:
        return [(h.turn, h.field) for h in hits(store, query)]

    assert where("postcode") == [(2, "agent")]
    assert where("money") == [(2, "caller")]
    assert where("1234") == [(2, "caller")]  # DTMF
    assert where("reimbursement") == [(3, "translation")]  # numbered without the null turn
    assert where("reembolso") == [(3, "caller")]
    assert where("refund") == [(None, "summary")]
    assert where("supervisor") == [(None, "note")]  # the API's note
    assert where("zebra") == [(2, "note")]  # the reviewer's note
    assert where("cafe") == [(2, "caller")]  # diacritics removed
    hit = hits(store, "postcode")[0]
    assert (hit.agent, hit.conversation_id) == (AGENT, "CA1")
    assert hit.started_at == "2024-05-01T10:00:00Z"
    assert hit.snippet == "Let me check your postcode first." and hit.highlights == ((18, 26),)


def test_search_syntax_phrases_prefixes_and_columns(store: Store) -> None:
    put(store, conversation_data())
    assert [h.turn for h in hits(store, '"check your postcode"')] == [2]
    assert hits(store, '"postcode check"') == []
    assert [h.turn for h in hits(store, "reimburs*")] == [3]
    assert [h.field for h in hits(store, "caller: money")] == ["caller"]
    assert hits(store, "agent: money") == []
    assert [h.turn for h in hits(store, "money AND postcode")] == [2]
    assert hits(store, "money NOT postcode") == []
    assert hits(store, "") == [] and hits(store, "   ") == []


def test_malformed_queries_fall_back_to_literal_words(store: Store) -> None:
    put(store, conversation_data(turns=[{"user_input": "the e-mail is jo.doe@x.org, ok?"}]))
    assert [h.turn for h in hits(store, "e-mail")] == [1]
    assert [h.turn for h in hits(store, "jo.doe@x.org")] == [1]
    assert [h.turn for h in hits(store, '"e-mail')] == [1]
    assert [h.turn for h in hits(store, "ok? e-ma*")] == [1]
    assert hits(store, "AND") == [] and hits(store, "(") == []
    assert store.query_problem('"e-mail') == (
        'The quote before “e-mail” is never closed: end the phrase with another ".'
    )


def test_search_ranks_snippets_and_filters_by_agent(store: Store) -> None:
    put(store, conversation_data("CA-weak", turns=[{"agent_response": "refund " + "word " * 40}]))
    put(
        store,
        conversation_data(
            "CA-strong", shortSummary="", note="", turns=[{"agent_response": "refund refund"}]
        ),
        agent="OTHER",
    )
    assert store.search("refund -summary") == []  # malformed: literal fallback, no hits
    found = store.search("refund")
    assert {c.conversation_id for c in found} == {"CA-weak", "CA-strong"}
    assert [c.score for c in found] == sorted((c.score for c in found), reverse=True)
    assert {c.agent for c in store.search("refund", agent="OTHER")} == {"OTHER"}
    assert len(store.search("refund", limit=1)) == 1 and store.search("refund", limit=0) == []
    weak = [h for h in hits(store, "refund") if h.conversation_id == "CA-weak" and h.turn == 1][0]
    assert weak.snippet.startswith("refund word") and weak.highlights == ((0, 6),)
    assert weak.snippet.endswith("…") and len(weak.snippet) <= 162  # a window, not the turn


def test_snippets_never_carry_raw_control_characters(store: Store) -> None:
    nasty = "pay \x1b]52;c;ZXZpbA==\x07 now \x02fake\x03 \ud800 \u202e mark"
    put(store, conversation_data(turns=[{"user_input": nasty}]))
    [hit] = hits(store, "pay")
    assert "\x1b" not in hit.snippet and "\x07" not in hit.snippet and "\u202e" not in hit.snippet
    assert "\x02" not in hit.snippet and "\x03" not in hit.snippet  # shown as ␂ and ␃
    assert hit.snippet.startswith("pay ") and hit.highlights == ((0, 3),)
    assert store.get("CA1").conversation().turn_list[0].user_input == nasty


# -- reviewer notes ----------------------------------------------------------------------------


def test_notes_add_update_delete_and_order(store: Store) -> None:
    late = store.add_note(AGENT, "CA1", 3, "  third turn  ", "wrong information")
    call = store.add_note(AGENT, "CA1", None, "whole call")
    early = store.add_note(AGENT, "CA1", 1, "", "good response")
    other = store.add_note("OTHER", "CA1", 2, "other agent")
    assert late.text == "third turn" and late.label == "wrong information"
    assert late.created_at.utcoffset() == timedelta(0)
    assert [n.id for n in store.notes_for("CA1", AGENT)] == [call.id, early.id, late.id]
    assert [n.id for n in store.notes_for("CA1")] == [call.id, early.id, other.id, late.id]
    assert [n.id for n in store.all_notes()] == [other.id, call.id, early.id, late.id]
    changed = store.update_note(late.id, text="now fine", label=None)
    assert (changed.text, changed.label, changed.turn) == ("now fine", None, 3)
    assert changed.created_at == late.created_at and changed.updated_at >= late.updated_at
    assert hits(store, "third") == []
    assert [(h.turn, h.field) for h in hits(store, "fine")] == [(3, "note")]
    store.delete_note(other.id)
    assert hits(store, "other") == []
    assert [n.id for n in store.notes_for("CA1")] == [call.id, early.id, late.id]
    fts_ok(store)


def test_note_validation(store: Store) -> None:
    assert "good response" in NOTE_LABELS
    with pytest.raises(UsageError, match="Unknown note label"):
        store.add_note(AGENT, "CA1", 1, "x", "meh")
    with pytest.raises(UsageError, match="needs some text or a label"):
        store.add_note(AGENT, "CA1", 1, "   ")
    for bad_turn in (0, -1, True, "2"):
        with pytest.raises(UsageError, match="turn number"):
            store.add_note(AGENT, "CA1", bad_turn, "x")  # type: ignore[arg-type]
    note = store.add_note(AGENT, "CA1", 1, "x")
    with pytest.raises(UsageError):
        store.update_note(note.id, text="", label=None)
    with pytest.raises(NotFoundError):
        store.update_note(note.id + 1, text="y", label=None)
    with pytest.raises(NotFoundError):
        store.delete_note(note.id + 1)
    assert store.all_notes() == [note]


def test_notes_survive_refresh_delete_and_clear(store: Store) -> None:
    put(store, conversation_data())
    note = store.add_note(AGENT, "CA1", 2, "keep me")
    put(store, conversation_data(channel="CHAT"))
    assert store.notes_for("CA1") == [note] and store.list()[0].note_count == 1
    assert store.delete(["CA1", "CA1", "missing"]) == 1
    assert store.get("CA1") is None and store.notes_for("CA1") == [note]
    [hit] = hits(store, "keep")
    assert (hit.field, hit.turn, hit.started_at) == ("note", 2, None)
    put(store, conversation_data())
    put(store, conversation_data("CA2"))
    assert store.clear() == 2 and store.count() == 0
    assert store.notes_for("CA1") == [note]
    assert [h.field for h in hits(store, "keep OR postcode")] == ["note"]
    fts_ok(store)


def test_delete_by_agent(store: Store) -> None:
    put(store, conversation_data(), agent="A")
    put(store, conversation_data(), agent="B")
    assert store.delete(["CA1"], agent="A") == 1
    assert [h.agent for h in hits(store, "postcode")] == ["B"]
    assert store.delete(["CA1"]) == 1 and store.count() == 0
    fts_ok(store)


def test_prune_by_fetch_time(store: Store, monkeypatch) -> None:
    now = datetime.now(UTC)
    put(store, conversation_data("CA-old"), fetched_at=now - timedelta(days=40))
    put(store, conversation_data("CA-new"), fetched_at=now - timedelta(days=1))
    kept = store.add_note(AGENT, "CA-old", 1, "fresh note")
    monkeypatch.setattr("polytui.adapters.sqlite.notes.utc_now", lambda: now - timedelta(days=50))
    store.add_note(AGENT, "CA-old", 1, "stale note")
    cutoff = now - timedelta(days=30)
    assert store.prune(cutoff) == 1
    assert [r.conversation_id for r in store.list()] == ["CA-new"]
    assert len(store.all_notes()) == 2
    assert store.prune(cutoff.astimezone(timezone(timedelta(hours=5))), include_notes=True) == 1
    assert store.all_notes() == [kept]
    assert {h.conversation_id for h in hits(store, "postcode")} == {"CA-new"}
    fts_ok(store)


# -- the file: schema, permissions, damage, failures --------------------------------------------


def test_schema_and_connection_settings(store: Store, db_path: Path) -> None:
    conn = store._conn
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    # SQLite waits briefly for a lock and retry_busy, in Python (where signals are handled),
    # keeps trying for RETRY_SECONDS: a busy store is waited for, and Ctrl+C still works.
    assert 0 < conn.execute("PRAGMA busy_timeout").fetchone()[0] <= 1000
    assert RETRY_SECONDS >= 10
    put(store, conversation_data())
    store.close()
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.count()
    with Store(db_path) as again:  # reopening migrates nothing and keeps the data
        assert again.count() == 1


def test_a_store_from_a_newer_polytui_is_refused(db_path: Path) -> None:
    Store(db_path).close()
    with sqlite3.connect(db_path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StoreError, match="newer polytui"):
        Store(db_path)
    assert db_path.exists()


def test_a_new_migration_is_applied_once_and_a_failing_one_changes_nothing(
    db_path: Path, monkeypatch
) -> None:
    from polytui.adapters.sqlite import schema

    with Store(db_path) as store:
        put(store, conversation_data())
    extra = ("ALTER TABLE conversations ADD COLUMN reviewed INTEGER NOT NULL DEFAULT 0",)
    monkeypatch.setattr(schema, "MIGRATIONS", (*schema.MIGRATIONS, extra))
    monkeypatch.setattr(schema, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    for _ in range(2):  # the second open finds nothing to do
        with Store(db_path) as store:
            conn = store._conn
            assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1
            assert conn.execute("SELECT reviewed FROM conversations").fetchall() == [(0,)]
            assert store.get("CA1") is not None
    broken = ("CREATE TABLE extra (x)", "THIS IS NOT SQL")
    monkeypatch.setattr(schema, "MIGRATIONS", (*schema.MIGRATIONS, broken))
    monkeypatch.setattr(schema, "SCHEMA_VERSION", SCHEMA_VERSION + 2)
    with pytest.raises(StoreError, match="Cannot open the store"):
        Store(db_path)
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert "extra" not in tables and "conversations" in tables


def test_a_path_that_cannot_hold_a_store(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(StoreError, match=r"Cannot create the store at .*: not a directory\.$"):
        Store(tmp_path / "file" / "polytui.sqlite3")
    (tmp_path / "folder").mkdir(mode=0o755)
    with pytest.raises(StoreError, match="it is not a regular file"):
        Store(tmp_path / "folder")
    assert stat.S_IMODE((tmp_path / "folder").stat().st_mode) == 0o755


@pytest.mark.parametrize("umask", [0o000, 0o022, 0o277])
def test_files_are_private_whatever_the_umask(tmp_path: Path, umask: int) -> None:
    path = tmp_path / "a" / "b" / "polytui.sqlite3"
    old = os.umask(umask)
    try:
        with Store(path) as opened:
            put(opened, conversation_data())
            modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in path.parent.iterdir()}
    finally:
        os.umask(old)
    assert modes == {
        "polytui.sqlite3": 0o600,
        "polytui.sqlite3-wal": 0o600,
        "polytui.sqlite3-shm": 0o600,
    }
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.parent.parent.stat().st_mode) == 0o700
    os.chmod(path, 0o644)
    Store(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_garbage_file_is_moved_aside_and_a_new_store_starts(db_path: Path, capsys) -> None:
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(b"this is not a database\n" * 500)
    Path(f"{db_path}-wal").write_bytes(b"junk wal")
    with Store(db_path) as fresh:
        assert fresh.count() == 0
        put(fresh, conversation_data())
    err = capsys.readouterr().err
    [aside] = [p for p in db_path.parent.iterdir() if p.name.endswith("Z")]
    assert aside.name.startswith("polytui.sqlite3.corrupt-")
    assert aside.read_bytes().startswith(b"this is not a database")
    assert Path(f"{aside}-wal").read_bytes() == b"junk wal"
    assert err.startswith("polytui: ") and err.count("\n") == 1
    assert str(db_path) in err and str(aside) in err


def _wreck_tables(path: Path) -> None:
    """Overwrite every page after the first three (schema and first table pages survive)."""
    size = path.stat().st_size
    assert size > 4096 * 8
    with open(path, "r+b") as handle:
        handle.seek(4096 * 3)
        handle.write(b"\xa5" * (size - 4096 * 3))


@pytest.mark.parametrize("when", ["before opening", "while open"])
def test_damage_met_by_a_query_is_recovered(db_path: Path, when: str) -> None:
    with Store(db_path) as store:
        for i in range(30):
            put(store, conversation_data(f"CA{i}"))
    if when == "before opening":
        _wreck_tables(db_path)
    warnings: list[str] = []
    with Store(db_path, warn=warnings.append) as store:
        if when == "while open":
            assert warnings == []
            _wreck_tables(db_path)
        assert hits(store, "postcode") == []
        assert store.count() == 0
        put(store, conversation_data())
        assert store.count() == 1
    assert len(warnings) == 1 and "was damaged" in warnings[0]
    [aside] = [p for p in db_path.parent.iterdir() if p.name.endswith("Z")]
    assert str(aside) in warnings[0] and aside.stat().st_size > 4096 * 8


def test_full_disk_rolls_back_and_says_so(store: Store) -> None:
    put(store, conversation_data())
    pages = store._conn.execute("PRAGMA page_count").fetchone()[0]
    store._conn.execute(f"PRAGMA max_page_count = {pages + 2}")
    huge = conversation_data(turns=[{"user_input": f"word{i} " * 200} for i in range(200)])
    with pytest.raises(StoreError, match=r"^Cannot write to the store at .*: the disk is full\.$"):
        put(store, huge)
    assert store.get("CA1").conversation().turn_list[1].agent_response.startswith("Let me check")
    assert [h.turn for h in hits(store, "postcode")] == [2]
    fts_ok(store)


def test_read_only_store_raises_a_plain_store_error(store: Store) -> None:
    store._conn.execute("PRAGMA query_only = 1")
    with pytest.raises(StoreError, match="Cannot write to the store at .*: it is read-only"):
        store.add_note(AGENT, "CA1", 1, "x")
    assert store.all_notes() == []


def test_read_only_directory(tmp_path: Path) -> None:
    from .test_reliability_store import read_only

    locked = tmp_path / "locked"
    locked.mkdir()
    with read_only(locked), pytest.raises(StoreError, match="Cannot create the store at .*: "):
        Store(locked / "polytui.sqlite3")


# -- several writers ---------------------------------------------------------------------------


def _writer(path: str, worker: int, count: int, ready, go) -> None:
    with Store(Path(path)) as store:
        ready.release()
        go.wait(60)
        for i in range(count):
            cid = f"CA-shared-{i}" if i % 2 else f"CA-{worker}-{i}"
            put(store, conversation_data(cid, note=f"writer{worker}"))
            if i % 10 == 0:
                store.add_note(AGENT, cid, None, f"note by {worker}")


def test_two_processes_writing_at_once(db_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    ready, go = ctx.Semaphore(0), ctx.Event()
    procs = [ctx.Process(target=_writer, args=(str(db_path), w, 100, ready, go)) for w in (1, 2)]
    for proc in procs:
        proc.start()
    for _ in procs:  # both have opened the (new) store: now they write at the same moment
        assert ready.acquire(timeout=60)
    go.set()
    for proc in procs:
        proc.join(120)
    assert [proc.exitcode for proc in procs] == [0, 0]
    with Store(db_path) as store:
        assert store.count() == 150  # 50 each of their own, 50 shared
        assert len(store.all_notes()) == 20
        assert len(hits(store, "postcode", limit=1000)) == 150
        fts_ok(store)


def test_threads_share_one_store(store: Store) -> None:
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(20):
                put(store, conversation_data(f"CA-{n}-{i}"))
                hits(store, "postcode", limit=5)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and store.count() == 60


def test_fetched_at_is_stored_in_utc(store: Store) -> None:
    when = datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=-5)))
    put(store, conversation_data(), fetched_at=when)
    assert store.get("CA1").fetched_at == when and store.get("CA1").fetched_at.tzinfo == UTC
    assert to_db_time(datetime(2024, 1, 1)) == "2024-01-01T00:00:00.000000+00:00"


def test_the_store_does_not_import_the_ui_or_the_network() -> None:
    code = (
        "import sys, polytui.adapters.sqlite; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'httpx', 'rich')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_query_with_a_lone_surrogate_finds_nothing_and_blames_nothing(tmp_path):
    """Undecodable bytes on the command line arrive as lone surrogates: not the store's fault."""
    from polytui.adapters.sqlite import Store

    with Store(tmp_path / "polytui.sqlite3") as store:
        assert hits(store, "\ud83d") == [] and hits(store, "refund \udcff") == []
        assert hits(store, "\x1b[2J\x1b[Hnul\x00byte") == []  # NUL: no syntax error
        store.query_problem("\ud83d")
