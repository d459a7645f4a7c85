"""Writing and giving back calls at scale: the store's batches (one transaction for many
writes, a failed write undone alone), `import` in batches, `fetch` storing through the batched
runner, and `show --format json` giving back the stored text itself (no parsing, no models).
Real SQLite files, real processes and the loopback API server."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from polytui.adapters.sqlite import Store
from polytui.batching import BatchedStoreRunner
from polytui.core.errors import EXIT_USAGE, StoreError, UsageError
from polytui.core.models import Conversation
from polytui.core.note import NOTES_KEY
from polytui.core.payload import faithful_json
from polytui.demo.samples import DEMO_AGENT, synthetic_conversation

from .helpers import replace_payload, run_cli, stored_payloads

AGENT = "PROJECT-1"


def payload(cid: str, **extra: object) -> dict:
    data: dict = {
        "conversationId": cid,
        "accountId": "ACCOUNT-1",
        "projectId": AGENT,
        "turns": [{"user_input": "hello", "agent_response": "hi"}],
    }
    data.update(extra)
    return data


def put(store: Store, data: dict, raw: str | None = None) -> None:
    store.put(AGENT, "h", raw or json.dumps(data), Conversation.from_data(data))


def visible_to_others(db: Path) -> set[str]:
    """The calls another connection sees now (what is committed)."""
    with sqlite3.connect(db) as other:
        return {row[0] for row in other.execute("SELECT conversation_id FROM conversations")}


# -- the store's batches ----------------------------------------------------------------------


def test_writes_in_a_batch_land_together_and_a_failed_one_alone(tmp_path: Path) -> None:
    db = tmp_path / "polytui.sqlite3"
    with Store(db) as store:
        with store.batch():
            put(store, payload("CA-1"))
            store.add_note(AGENT, "CA-1", 1, "first")
            with pytest.raises(UsageError):
                store.add_note(AGENT, "CA-1", 0, "turn 0 is refused")
            with pytest.raises(StoreError):  # the JSON of another call: refused, undone alone
                store.put(
                    AGENT, "h", json.dumps(payload("CA-9")), Conversation.from_data(payload("CA-2"))
                )
            put(store, payload("CA-2"))
            assert store.count() == 2  # reads inside the batch see its writes
            assert visible_to_others(db) == set()  # ...which nobody else sees before the end
        assert visible_to_others(db) == {"CA-1", "CA-2"}
        assert [n.text for n in store.notes_for("CA-1")] == ["first"]
        counts = {row.conversation_id: row.note_count for row in store.list()}
        assert counts == {"CA-1": 1, "CA-2": 0}

        with pytest.raises(RuntimeError), store.batch():  # an exception out of the block
            put(store, payload("CA-3"))
            store.delete(["CA-1"])
            raise RuntimeError("stop")
        assert visible_to_others(db) == {"CA-1", "CA-2"}  # ...undoes the whole batch
        with store.batch(), store.batch():  # nested: one batch
            put(store, payload("CA-4"))
        assert visible_to_others(db) == {"CA-1", "CA-2", "CA-4"}
        conn = store._conn
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        conn.execute("INSERT INTO search_index (search_index) VALUES ('integrity-check')")


async def test_the_batched_runner_answers_each_waiter_and_groups_writes(tmp_path: Path) -> None:
    db = tmp_path / "polytui.sqlite3"
    store = Store(db)
    batches: list[int] = []
    original = store.batch

    def counted():
        batches.append(1)
        return original()

    store.batch = counted  # type: ignore[method-assign]
    calls = [synthetic_conversation(i) for i in range(60)]
    try:
        async with BatchedStoreRunner(lambda: store, size=25) as runner:

            async def keep(data: dict) -> str:
                conversation = Conversation.from_data(data)
                await runner(lambda: store.put(DEMO_AGENT, "h", json.dumps(data), conversation))
                return data["conversationId"]

            async def refused() -> None:
                bad = Conversation.from_data(calls[0])
                await runner(lambda: store.put(DEMO_AGENT, "h", "{not json", bad))

            results = await asyncio.gather(
                *(keep(data) for data in calls), refused(), return_exceptions=True
            )
        assert results[:-1] == [data["conversationId"] for data in calls]
        assert isinstance(results[-1], StoreError) and "not valid JSON" in str(results[-1])
        assert store.count() == 60
        assert 3 <= len(batches) < 61  # at most 25 a transaction, never one each
    finally:
        store.close()


# -- import -----------------------------------------------------------------------------------


def test_import_in_batches_keeps_the_good_and_names_the_bad(tmp_path, capsys, monkeypatch):
    import polytui.cli.importing as importing

    monkeypatch.setattr(importing, "IMPORT_BATCH", 7)
    calls = [synthetic_conversation(i) for i in range(30)]
    calls[12] = {"conversationId": "CA-no-ids"}  # fails alone, inside a batch
    calls[20][NOTES_KEY] = [{"turn": 2, "label": "bad response", "text": "slow"}]
    listed = tmp_path / "calls.json"
    listed.write_text(json.dumps(calls[:25]))
    files = []
    for data in calls[25:]:
        path = tmp_path / f"{data['conversationId']}.json"
        path.write_text(json.dumps(data))
        files.append(str(path))
    code, out, err = run_cli(capsys, "import", str(listed), *files)
    assert code == EXIT_USAGE
    assert out == "Imported 29 conversation(s), 1 new note(s), 1 failed.\n"
    assert err.count("\n") == 1 and "(item 13): not a conversation" in err
    code, out, _ = run_cli(capsys, "cache", "list", "--json")
    assert len(json.loads(out)) == 29
    code, out, _ = run_cli(capsys, "import", str(listed))  # again: notes not added twice
    assert (
        out == "Imported 24 conversation(s), 0 new note(s), 1 note(s) already stored, 1 failed.\n"
    )


def test_an_import_batch_that_cannot_be_kept_fails_every_call_in_it(tmp_path, capsys, monkeypatch):
    import polytui.cli.importing as importing

    monkeypatch.setattr(importing, "IMPORT_BATCH", 5)
    original = Store.batch
    made = []

    def failing_second(self):
        made.append(1)
        if len(made) == 2:  # the second batch's commit fails (as on a full disk)
            return _failing_commit(original(self))
        return original(self)

    monkeypatch.setattr(Store, "batch", failing_second)
    calls = [synthetic_conversation(i) for i in range(12)]
    listed = tmp_path / "calls.json"
    listed.write_text(json.dumps(calls))
    code, out, err = run_cli(capsys, "import", str(listed))
    assert code == 1
    assert out == "Imported 7 conversation(s), 0 new note(s), 5 failed.\n"
    assert err.count("\n") == 5 and all("the disk is full" in line for line in err.splitlines())
    code, out, _ = run_cli(capsys, "cache", "list", "--json")
    stored = {row["conversationId"] for row in json.loads(out)}
    assert stored == {c["conversationId"] for c in calls[:5] + calls[10:]}


class _failing_commit:  # noqa: N801 - reads as what it does at the call site
    def __init__(self, inner) -> None:
        self.inner = inner

    def __enter__(self):
        return self.inner.__enter__()

    def __exit__(self, *exc_info):
        if exc_info[0] is not None:
            return self.inner.__exit__(*exc_info)
        self.inner.__exit__(RuntimeError, RuntimeError("undo"), None)
        raise StoreError("Cannot write to the store at x: the disk is full.")


# -- fetch --------------------------------------------------------------------------------------


def test_fetch_stores_every_call_through_batches(api_env, samples, capsys, monkeypatch):
    transactions = []
    original = Store.batch

    def counted(self):
        transactions.append(1)
        return original(self)

    monkeypatch.setattr(Store, "batch", counted)
    ids = [s["conversationId"] for s in samples if not s.get("inProgress")]
    code, out, err = run_cli(capsys, "fetch", *ids)
    assert code == 0, err
    assert out == f"Fetched {len(ids)} (of {len(ids)}).\n"
    assert transactions and len(transactions) <= 2 * len(ids)  # reads and writes, batched
    code, out, _ = run_cli(capsys, "fetch", *ids)
    assert out == f"Fetched 0, already stored {len(ids)} (of {len(ids)}).\n"


def test_fetch_asks_sixteen_at_a_time_by_default():
    from polytui.cli.fetch import DEFAULT_CONCURRENCY

    assert DEFAULT_CONCURRENCY == 16


# -- show --format json: the stored text itself ---------------------------------------------------


def _store_raw(hermetic_env, data: dict, raw: str) -> None:
    with Store(hermetic_env["data"] / "polytui.sqlite3") as store:
        store.put(AGENT, "h", raw, Conversation.from_data(data))


def test_show_json_gives_back_the_stored_text_byte_for_byte(hermetic_env, capsys):
    data = payload("CA-raw", extra={"b": 1.50, "a": [1e5, "x"]}, unknown={"deep": [None]})
    raw = (
        '{"conversationId":"CA-raw","accountId":"ACCOUNT-1",\r\n\t"projectId":"PROJECT-1",'
        '"turns":[{"user_input":"caf\\u00e9 \u202e\u0085","agent_response":"hi"}],'
        '"extra":{"b":1.50,"a":[1e5,"x"]},"unknown":{"deep":[null]}}'
    )
    assert json.loads(raw)["extra"] == data["extra"]
    _store_raw(hermetic_env, json.loads(raw), raw)
    code, out, err = run_cli(capsys, "--offline", "show", "CA-raw", "--format", "json")
    assert code == 0 and err == ""
    expected = (
        raw.replace("\r\n", "\n")
        .replace("\t", " ")
        .replace("\u202e", "\\u202e")
        .replace("\u0085", "\\u0085")
        + "\n"
    )
    assert out == expected  # 1.50 and 1e5 as sent, the key order, the layout
    assert json.loads(out) == json.loads(raw)

    run_cli(capsys, "notes", "add", "CA-raw", "--agent", AGENT, "--turn", "1", "a note")
    code, out, _ = run_cli(capsys, "--offline", "show", "CA-raw", "--format", "json")
    parsed = json.loads(out)
    notes = parsed.pop(NOTES_KEY)
    assert parsed == json.loads(raw) and [n["text"] for n in notes] == ["a note"]
    assert out.startswith(expected.rstrip("\n")[:-1])  # the stored text, notes added at the end


def test_show_json_of_nan_is_still_json(hermetic_env, capsys):
    raw = '{"conversationId":"CA-nan","accountId":"A","projectId":"PROJECT-1","polyScore":NaN}'
    _store_raw(hermetic_env, json.loads(raw), raw)
    code, out, _ = run_cli(capsys, "--offline", "show", "CA-nan", "--format", "json")
    assert code == 0 and json.loads(out)["polyScore"] is None  # written out, NaN as null
    assert faithful_json(raw) is None


def test_show_json_of_a_damaged_copy_says_so(hermetic_env, capsys):
    _store_raw(hermetic_env, payload("CA-bad"), json.dumps(payload("CA-bad")))
    with sqlite3.connect(hermetic_env["data"] / "polytui.sqlite3") as conn:
        replace_payload(conn, "CA-bad", '{"conversationId": "CA-bad"')
        assert stored_payloads(conn)["CA-bad"].endswith('"CA-bad"')
    code, out, err = run_cli(capsys, "--offline", "show", "CA-bad", "--format", "json")
    assert code == 1 and out == ""
    assert "stored copy of conversation CA-bad is damaged (it is not valid JSON)" in err


def test_show_json_of_a_stored_call_loads_no_models(hermetic_env):
    _store_raw(hermetic_env, payload("CA-fast"), json.dumps(payload("CA-fast")))
    script = (
        "import sys; from polytui.cli import main; code = main(sys.argv[1:]); "
        "loaded = sorted(m for m in sys.modules if m in ('polytui.core.models', "
        "'polytui.export', 'pydantic', 'textual', 'httpx', 'asyncio')); "
        "sys.stderr.write('LOADED:' + ','.join(loaded) + '\\n'); sys.exit(code)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, "--offline", "show", "CA-fast", "-f", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["conversationId"] == "CA-fast"
    assert done.stderr.strip().splitlines()[-1] == "LOADED:"


# -- the JSON kept compressed -------------------------------------------------------------------


def test_the_json_is_kept_compressed_and_comes_back_byte_for_byte(tmp_path: Path) -> None:
    from polytui.demo.samples import big_conversation

    data = big_conversation(500, conversation_id="CA-packed")
    raw = json.dumps(data, indent=1, ensure_ascii=False) + "\n"  # the API's layout, kept
    with Store(tmp_path / "polytui.sqlite3") as store:
        store.put(DEMO_AGENT, "h", raw, Conversation.from_data(data))
        assert store.get("CA-packed").raw == raw
        (body,) = store._conn.execute("SELECT body FROM payloads").fetchone()
        assert isinstance(body, bytes) and len(body) < len(raw.encode()) / 3
        assert stored_payloads(store._conn) == {"CA-packed": raw}


def test_a_kept_json_that_no_longer_unpacks_says_the_copy_is_damaged(hermetic_env, capsys):
    _store_raw(hermetic_env, payload("CA-zip"), json.dumps(payload("CA-zip")))
    with sqlite3.connect(hermetic_env["data"] / "polytui.sqlite3") as conn:
        replace_payload(conn, "CA-zip", b"\x78\x9cnot what zlib wrote")
    for fmt in ("json", "text"):
        code, out, err = run_cli(capsys, "--offline", "show", "CA-zip", "--format", fmt)
        assert code == 1 and out == ""
        assert "stored copy of conversation CA-zip is damaged" in err and "--refresh" in err
