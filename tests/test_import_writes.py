"""Storing many calls at once (``Store.put_many``, what `polytui import` writes through): each
call kept exactly as ``put`` keeps it, a bad one refused alone, the file's own text kept, and
a killed import leaving a consistent store. Real SQLite files and real processes."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import time
from dataclasses import asdict
from pathlib import Path

import pytest

from polytui.adapters.sqlite import Store
from polytui.core.errors import StoreError, UsageError
from polytui.core.models import Conversation
from polytui.core.note import NOTES_KEY
from polytui.core.ports import NewCall
from polytui.demo.samples import DEMO_AGENT, synthetic_conversation

from .faults import integrity
from .helpers import polytui_command, run_cli, stored_payloads

HOST = "import"


def new_call(data: dict, raw: str | None = None, agent: str = DEMO_AGENT) -> NewCall:
    return NewCall(agent, HOST, raw or json.dumps(data), Conversation.from_data(data))


def fts_ok(conn: sqlite3.Connection) -> None:
    conn.execute("INSERT INTO search_index (search_index) VALUES ('integrity-check')")


def listing(store: Store) -> list[dict]:
    rows = [asdict(row) for row in store.list(order_by="conversation_id", descending=False)]
    for row in rows:
        row.pop("fetched_at")
    return rows


def test_put_many_keeps_each_call_as_put_does(tmp_path: Path) -> None:
    calls = [synthetic_conversation(i) for i in range(40)]
    again = dict(calls[3], summary={"heading": "Stored twice", "content": "the second wins"})
    with Store(tmp_path / "one.sqlite3") as one, Store(tmp_path / "many.sqlite3") as many:
        one.add_note(DEMO_AGENT, calls[5]["conversationId"], 1, "kept before the call")
        many.add_note(DEMO_AGENT, calls[5]["conversationId"], 1, "kept before the call")
        for data in [*calls, again]:
            one.put(DEMO_AGENT, HOST, json.dumps(data), Conversation.from_data(data))
        with many.batch():
            results = many.put_many([new_call(data) for data in calls[:20]])
            results += many.put_many([new_call(data) for data in [*calls[20:], again]])
        assert results == [None] * 41
        assert many.count() == one.count() == 40
        assert listing(many) == listing(one)
        assert {r.conversation_id: r.note_count for r in many.list()}[
            calls[5]["conversationId"]
        ] == 1
        for words in ("refund", "card", "Stored twice", "voice"):
            assert many.search(words, limit=50) == one.search(words, limit=50), words
            assert many.count(text_filter=words) == one.count(text_filter=words), words
        assert stored_payloads(many._conn) == stored_payloads(one._conn)
        assert many._conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        fts_ok(many._conn)
        assert many.delete([calls[7]["conversationId"]]) == 1  # what was indexed can be forgotten
        fts_ok(many._conn)


def test_put_many_refuses_a_bad_call_alone(tmp_path: Path) -> None:
    good = [synthetic_conversation(i) for i in range(3)]
    other = synthetic_conversation(9)
    calls = [
        new_call(good[0]),
        new_call(good[1], raw="{not json"),
        new_call(good[1], raw=json.dumps(other)),  # another call's JSON
        new_call(good[1], agent="bad\x1b[2Jagent"),
        NewCall(DEMO_AGENT, HOST, json.dumps(other), Conversation.from_data(good[1]), parsed=other),
        new_call(good[2]),
    ]
    with Store(tmp_path / "polytui.sqlite3") as store:
        results = store.put_many(calls)
        assert results[0] is None and results[-1] is None
        assert isinstance(results[1], StoreError) and "not valid JSON" in str(results[1])
        assert isinstance(results[2], StoreError) and "of another one" in str(results[2])
        assert isinstance(results[3], UsageError)
        assert isinstance(results[4], StoreError) and "of another one" in str(results[4])
        assert {row.conversation_id for row in store.list()} == {
            good[0]["conversationId"],
            good[2]["conversationId"],
        }


@pytest.mark.parametrize("in_batch", [False, True])
def test_when_writing_together_fails_each_call_is_written_alone(tmp_path: Path, in_batch) -> None:
    calls = [synthetic_conversation(i) for i in range(6)]
    refused = calls[2]["conversationId"]
    with Store(tmp_path / "polytui.sqlite3") as store:
        store._conn.execute(  # a write SQLite itself refuses, for one call only
            "CREATE TEMP TRIGGER refuse BEFORE INSERT ON conversations "
            f"WHEN NEW.conversation_id = '{refused}' BEGIN SELECT RAISE(ABORT, 'refused'); END"
        )
        with store.batch() if in_batch else contextlib.nullcontext():
            results = store.put_many([new_call(data) for data in calls])
        assert [error is None for error in results] == [True, True, False, True, True, True]
        assert isinstance(results[2], StoreError)
        stored = {row.conversation_id for row in store.list()}
        assert stored == {data["conversationId"] for data in calls} - {refused}
        fts_ok(store._conn)


# -- polytui import -------------------------------------------------------------------------------


def test_import_keeps_a_files_own_text(hermetic_env, capsys, tmp_path: Path) -> None:
    alone = synthetic_conversation(1)
    text = json.dumps(alone, indent=4, ensure_ascii=False)
    # past Python's digits: read as a float, kept as written
    text = text[: -len("\n}")] + ',\n    "bigNumber": ' + "9" * 6000 + "\n}"
    (tmp_path / "alone.json").write_text(text, encoding="utf-8")
    listed = [synthetic_conversation(2), synthetic_conversation(3)]
    (tmp_path / "listed.json").write_text(json.dumps(listed, indent=2), encoding="utf-8")
    noted = dict(synthetic_conversation(4), **{NOTES_KEY: [{"turn": 1, "text": "fine"}]})
    (tmp_path / "noted.json").write_text(json.dumps(noted, indent=2), encoding="utf-8")
    names = [str(tmp_path / name) for name in ("alone.json", "listed.json", "noted.json")]
    code, out, err = run_cli(capsys, "import", *names)
    assert code == 0 and err == "" and out == "Imported 4 conversation(s), 1 new note(s).\n"
    db = hermetic_env["data"] / "polytui.sqlite3"
    with contextlib.closing(sqlite3.connect(db)) as conn:
        stored = stored_payloads(conn)
    assert stored[alone["conversationId"]] == text  # byte for byte, every digit
    for data in listed:  # inside a list: written anew, compact, as before
        compact = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        assert stored[data["conversationId"]] == compact
    assert NOTES_KEY not in json.loads(stored[noted["conversationId"]])
    code, out, err = run_cli(capsys, "--offline", "show", alone["conversationId"], "-f", "json")
    assert code == 0 and out == text + "\n", err


def test_an_import_killed_with_sigkill_leaves_whole_batches(hermetic_env, tmp_path: Path) -> None:
    files = tmp_path / "calls"
    files.mkdir()
    calls = [synthetic_conversation(i, turns=4) for i in range(3000)]
    for data in calls:
        (files / f"{data['conversationId']}.json").write_text(json.dumps(data))
    names = sorted(str(path) for path in files.iterdir())
    env = {**os.environ, "POLYTUI_DATA_DIR": str(hermetic_env["data"])}
    db = hermetic_env["data"] / "polytui.sqlite3"

    def stored() -> int:
        with contextlib.closing(sqlite3.connect(db, timeout=30)) as conn:
            try:
                return int(conn.execute("SELECT count(*) FROM conversations").fetchone()[0])
            except sqlite3.OperationalError:  # the schema is not there yet
                return 0

    proc = subprocess.Popen(
        [*polytui_command(), "import", *names],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if db.exists() and stored() > 0:
                break
            time.sleep(0.005)
        assert proc.poll() is None, "the import ended before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(30)
    assert proc.returncode == -signal.SIGKILL
    assert integrity(db) == "ok"
    with contextlib.closing(sqlite3.connect(db)) as conn:
        fts_ok(conn)
        kept = conn.execute("SELECT count(*) FROM conversations").fetchone()[0]
        whole = conn.execute(
            "SELECT count(*) FROM conversations AS c JOIN payloads AS p ON p.id = c.id "
            "JOIN search_texts AS t ON t.id = c.id"
        ).fetchone()[0]
        payloads = stored_payloads(conn)
    assert 0 < kept < len(calls) and kept % 500 == 0  # whole batches only
    assert whole == kept
    by_id = {data["conversationId"]: data for data in calls}
    assert all(json.loads(raw) == by_id[cid] for cid, raw in payloads.items())
    done = subprocess.run(
        [*polytui_command(), "import", *names], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"Imported {len(calls)} conversation(s), 0 new note(s).\n"
    assert stored() == len(calls) and integrity(db) == "ok"
