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
from hypothesis import given
from hypothesis import strategies as st

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


def test_batches_copy_the_wal_into_the_database_past_64_mib_not_4(tmp_path: Path) -> None:
    """A batch's commit checkpoints only past 64 MiB of WAL (SQLite's default is 4 MiB); a
    write outside a batch, past 4 MiB, as before."""
    db = tmp_path / "polytui.sqlite3"
    wal = db.with_name(db.name + "-wal")
    calls = [synthetic_conversation(i) for i in range(1200)]
    with Store(db) as store:
        store._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        before = db.stat().st_size
        for start in range(0, len(calls), 300):
            with store.batch():
                batch = [new_call(data) for data in calls[start : start + 300]]
                assert store.put_many(batch) == [None] * len(batch)
        assert wal.stat().st_size > 5 * 2**20  # past SQLite's 1,000 pages...
        assert db.stat().st_size == before  # ...and nothing copied into the database yet
        assert store._conn.execute("PRAGMA wal_autocheckpoint").fetchone() == (1000,)
        store.put(DEMO_AGENT, HOST, json.dumps(calls[0]), Conversation.from_data(calls[0]))
        assert db.stat().st_size > before  # a write of its own checkpoints as before
        assert store.count() == len(calls)
    assert integrity(db) == "ok"


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


MANY = 3000  # call files: enough for several batches, read by worker processes (POOL_FROM)


@pytest.fixture(scope="module")
def many_files(tmp_path_factory) -> tuple[list[str], dict[str, dict]]:
    folder = tmp_path_factory.mktemp("calls")
    calls = [synthetic_conversation(i, turns=4) for i in range(MANY)]
    for data in calls:
        (folder / f"{data['conversationId']}.json").write_text(json.dumps(data))
    return sorted(str(path) for path in folder.iterdir()), {c["conversationId"]: c for c in calls}


def _count(db: Path) -> int:
    with contextlib.closing(sqlite3.connect(db, timeout=30)) as conn:
        try:
            return int(conn.execute("SELECT count(*) FROM conversations").fetchone()[0])
        except sqlite3.OperationalError:  # the schema is not there yet
            return 0


def _stopped_import(names: list[str], env: dict, db: Path, stop) -> tuple[subprocess.Popen, str]:
    """`polytui import` of ``names``, stopped by ``stop(proc)`` once its first batch is kept;
    returns the ended process and its stderr. Its worker processes must end with it."""
    proc = subprocess.Popen(
        [*polytui_command(), "import", *names],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a command typed in a terminal
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if db.exists() and _count(db) > 0:
                break
            time.sleep(0.005)
        assert proc.poll() is None, "the import ended before it could be stopped"
        workers = _children(proc.pid)
        if len(os.sched_getaffinity(0)) > 1:
            assert workers, "the files were not read by worker processes"
        stop(proc)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)
    assert all(_gone(pid) for pid in workers), "a worker outlived the import"
    return proc, err


def _whole_batches_kept(db: Path, served: dict[str, dict]) -> int:
    assert integrity(db) == "ok"
    with contextlib.closing(sqlite3.connect(db)) as conn:
        fts_ok(conn)
        kept = conn.execute("SELECT count(*) FROM conversations").fetchone()[0]
        whole = conn.execute(
            "SELECT count(*) FROM conversations AS c JOIN payloads AS p ON p.id = c.id "
            "JOIN search_texts AS t ON t.id = c.id"
        ).fetchone()[0]
        payloads = stored_payloads(conn)
    assert 0 < kept < len(served) and kept % 500 == 0  # whole batches only
    assert whole == kept
    assert all(json.loads(raw) == served[cid] for cid, raw in payloads.items())
    return kept


def test_an_import_killed_with_sigkill_leaves_whole_batches(hermetic_env, many_files) -> None:
    names, served = many_files
    env = {**os.environ, "POLYTUI_DATA_DIR": str(hermetic_env["data"])}
    db = hermetic_env["data"] / "polytui.sqlite3"
    proc, _ = _stopped_import(names, env, db, lambda proc: os.kill(proc.pid, signal.SIGKILL))
    assert proc.returncode == -signal.SIGKILL
    _whole_batches_kept(db, served)
    done = subprocess.run(
        [*polytui_command(), "import", *names], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"Imported {len(served)} conversation(s), 0 new note(s).\n"
    assert _count(db) == len(served) and integrity(db) == "ok"


@pytest.mark.parametrize(
    ("signum", "code", "said"),
    [(signal.SIGTERM, 143, "terminated."), (signal.SIGINT, 130, "interrupted.")],
)
def test_sigterm_or_ctrl_c_ends_an_import_and_its_workers(
    hermetic_env, many_files, signum, code, said
) -> None:
    """SIGTERM to the command, or Ctrl+C (SIGINT to its whole process group, workers too):
    one line, its exit code, no traceback from any process, the batches kept whole."""
    names, served = many_files
    env = {**os.environ, "POLYTUI_DATA_DIR": str(hermetic_env["data"])}
    db = hermetic_env["data"] / "polytui.sqlite3"

    def stop(proc: subprocess.Popen) -> None:
        if signum == signal.SIGINT:
            os.killpg(proc.pid, signal.SIGINT)
        else:
            os.kill(proc.pid, signal.SIGTERM)

    proc, err = _stopped_import(names, env, db, stop)
    assert proc.returncode == code
    assert err == f"polytui: {said}\n"
    _whole_batches_kept(db, served)


# -- files read by worker processes ---------------------------------------------------------------


def _files_to_import(folder: Path) -> list[str]:
    """60 call files with every kind of trouble among them, in a fixed order."""
    folder.mkdir()
    names = []
    for index in range(60):
        data: object = synthetic_conversation(index, turns=3)
        if index == 5:
            data = "not a conversation"
        elif index == 9:
            data = [synthetic_conversation(100), {"conversationId": "CA-no-ids"}]
        elif index == 14:
            data = dict(synthetic_conversation(14), **{NOTES_KEY: [{"turn": 1, "text": "slow"}]})
        elif index == 20:
            data = synthetic_conversation(3, turns=5)  # a call given again: the later copy wins
        path = folder / f"{index:03d}.json"
        path.write_text("{broken" if index == 30 else json.dumps(data), encoding="utf-8")
        names.append(str(path))
    names.insert(40, str(folder / "absent.json"))
    return names


def test_workers_import_exactly_what_this_process_does(tmp_path, capsys, monkeypatch) -> None:
    import polytui.cli.importing as importing

    monkeypatch.setattr(importing, "IMPORT_BATCH", 7)
    names = _files_to_import(tmp_path / "calls")
    results = []
    assert importing._workers(names) == 0  # too few files to start workers by themselves
    for jobs in ("0", "2"):  # in this process, then by two workers
        data = tmp_path / f"data-{jobs}"
        monkeypatch.setenv("POLYTUI_DATA_DIR", str(data))
        monkeypatch.setenv("POLYTUI_CONFIG_DIR", str(tmp_path / "config"))
        code, out, err = run_cli(capsys, "import", "-j", jobs, *names)
        with contextlib.closing(sqlite3.connect(data / "polytui.sqlite3")) as conn:
            stored = stored_payloads(conn)
            notes = conn.execute("SELECT conversation_id, turn, text FROM notes").fetchall()
            fts_ok(conn)
        results.append((code, out, err.replace(str(data), ""), stored, notes))
    assert results[0] == results[1]
    code, out, err, stored, notes = results[1]
    assert code == 2 and out == "Imported 58 conversation(s), 1 new note(s), 4 failed.\n"
    assert [line.split(": ")[1].rsplit("/", 1)[-1] for line in err.splitlines()] == [
        "005.json",
        "009.json (item 2)",
        "030.json",
        "absent.json",
    ]
    assert json.loads(stored[synthetic_conversation(3)["conversationId"]])["turns"].__len__() == 5
    assert len(notes) == 1


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


def _gone(pid: int, within: float = 10.0) -> bool:
    """The process ``pid`` ended (gone, or a zombie nobody reaped yet) within ``within`` s."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("jobs", ["-1", "65", str(2**70)])
def test_jobs_out_of_range_is_a_usage_error(hermetic_env, capsys, tmp_path, jobs) -> None:
    path = tmp_path / "call.json"
    path.write_text(json.dumps(synthetic_conversation(1)))
    code, out, err = run_cli(capsys, "import", "--jobs", jobs, str(path))
    assert code == 2 and out == ""
    assert err == "polytui: --jobs must be between 0 and 64.\n"


_ODD = st.sampled_from(["a", " ", "\r", "\n", "\x1b", "\u2028", "\t", "\ud800", "\u202e", "\x85"])


@given(st.lists(st.one_of(st.none(), st.text(), st.lists(_ODD).map("".join)), max_size=5))
def test_a_document_is_its_parts_each_sanitised_then_joined(parts) -> None:
    from polytui.adapters.sqlite.records import _join
    from polytui.core.text import clean_line

    assert _join(*parts) == " ".join(clean_line(part) for part in parts if part)


def test_when_no_worker_can_start_the_files_are_read_here(
    hermetic_env, capsys, tmp_path, monkeypatch
) -> None:
    import multiprocessing.context

    def refused(*args, **kwargs):
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(multiprocessing.context.ForkContext, "Pool", refused)
    names = []
    for index in range(5):
        path = tmp_path / f"{index}.json"
        path.write_text(json.dumps(synthetic_conversation(index)))
        names.append(str(path))
    code, out, err = run_cli(capsys, "import", "-j", "2", *names)
    assert code == 0 and err == "" and out == "Imported 5 conversation(s), 0 new note(s).\n"


def test_a_statement_stopped_by_a_signal_stops_put_many(tmp_path: Path) -> None:
    """Ctrl+C or SIGTERM met inside SQLite ends the statement as "interrupted": put_many lets
    that through (the command is stopping) instead of writing each call again alone."""
    from polytui.core.errors import StoreInterrupted

    calls = [new_call(synthetic_conversation(i)) for i in range(20)]
    with Store(tmp_path / "polytui.sqlite3") as store:
        store._conn.set_progress_handler(lambda: 1, 50)  # as a signal's handler would
        with pytest.raises(StoreInterrupted):
            store.put_many(calls)
        store._conn.set_progress_handler(None, 0)
        assert store.count() == 0


def test_an_import_stops_at_a_stopped_statement(tmp_path, capsys, monkeypatch) -> None:
    import polytui.cli.importing as importing
    from polytui.core.errors import StoreInterrupted

    monkeypatch.setattr(importing, "IMPORT_BATCH", 5)
    original = Store.put_many
    seen = []

    def stopped_second(self, calls):
        seen.append(1)
        if len(seen) == 2:
            raise StoreInterrupted("Cannot write to the store at x: interrupted.")
        return original(self, calls)

    monkeypatch.setattr(Store, "put_many", stopped_second)
    monkeypatch.setenv("POLYTUI_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("POLYTUI_CONFIG_DIR", str(tmp_path / "config"))
    listed = tmp_path / "calls.json"
    listed.write_text(json.dumps([synthetic_conversation(i) for i in range(12)]))
    code, out, err = run_cli(capsys, "import", "-j", "0", str(listed))
    assert (
        code == 1 and out == "" and err == "polytui: Cannot write to the store at x: interrupted.\n"
    )
    assert len(seen) == 2  # stopped there: no third batch
    with contextlib.closing(sqlite3.connect(tmp_path / "data" / "polytui.sqlite3")) as conn:
        assert conn.execute("SELECT count(*) FROM conversations").fetchone() == (5,)
