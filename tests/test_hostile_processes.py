"""Processes against each other and signals at awkward moments, round 3: real `polytui`
processes on one store. A signal while another process holds the store's lock ends the
command at once (SQLite's own wait used to hold it for up to 15 s); the command says that it
is waiting, and for what; a closed terminal (SIGHUP) ends like SIGTERM; three imports of one
file at the same time keep each note once."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from polytui import cli as _cli
from polytui.demo.samples import synthetic_conversation

from .helpers import polytui_command, run_cli

EXITS = {signal.SIGTERM: 143, signal.SIGINT: 130, signal.SIGHUP: 129}
SAID = {signal.SIGTERM: "terminated.", signal.SIGINT: "interrupted.", signal.SIGHUP: "hung up"}


@pytest.fixture
def env(hermetic_env) -> dict[str, str]:
    return {
        **os.environ,
        "POLYTUI_DATA_DIR": str(hermetic_env["data"]),
        "POLYTUI_CONFIG_DIR": str(hermetic_env["config"]),
    }


@pytest.fixture
def stored(tmp_path, capsys) -> str:
    call = synthetic_conversation(3, turns=4)
    source = tmp_path / "call.json"
    source.write_text(json.dumps(call))
    assert run_cli(capsys, "import", str(source))[0] == 0
    return call["conversationId"]


@contextlib.contextmanager
def locked(db: Path) -> Iterator[None]:
    """Another process's write transaction on the store, held until the block ends."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        conn.execute("ROLLBACK")
        conn.close()


def _wait_for_line(process: subprocess.Popen[str], words: str) -> str:
    """The first stderr line holding ``words`` (a hang guard of 60 s, not a time limit)."""
    assert process.stderr is not None
    for line in process.stderr:  # blocks until a line comes or the process ends
        if words in line:
            return line
    pytest.fail(f"the process ended without saying {words!r}")


@pytest.mark.parametrize(
    "sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP], ids=lambda s: s.name
)
def test_a_signal_while_waiting_for_the_store_ends_the_command_at_once(sig, env, stored):
    db = Path(env["POLYTUI_DATA_DIR"]) / "polytui.sqlite3"
    with locked(db):
        process = subprocess.Popen(
            [*polytui_command(), "notes", "add", stored, "a note while locked"],
            env=env,
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
        )
        try:
            line = _wait_for_line(process, "Waiting for the store")
            assert line.startswith("polytui: ") and str(db) in line
            assert "another process is writing to it" in line
            process.send_signal(sig)
            # Still locked: the command must end by itself, not when the lock goes. (Before,
            # SQLite slept 15 s inside its busy handler and the signal waited for it.)
            _, rest = process.communicate(timeout=10)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    assert process.returncode == EXITS[sig]
    assert rest.strip().startswith("polytui: ") and SAID[sig] in rest
    assert "Traceback" not in rest


def test_sighup_during_a_fetch_ends_it_like_sigterm(env, stored):
    """The terminal closes while a fetch waits for the API: exit 129 with one line, as for
    SIGTERM (the default action killed the process where it stood)."""
    with socket.create_server(("127.0.0.1", 0)) as silent:  # takes the request, never answers
        silent.settimeout(60)  # a hang guard
        process = subprocess.Popen(
            [*polytui_command(), "fetch", "--refresh", stored],
            env={
                **env,
                "POLYAI_BASE_URL": f"http://127.0.0.1:{silent.getsockname()[1]}",
                "POLYAI_API_KEY": "hup-key-0000",
                "POLYAI_AGENT_ID": "PROJECT-demo",
            },
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
        )
        try:
            connection, _ = silent.accept()  # the fetch is under way
            with connection:
                process.send_signal(signal.SIGHUP)
                _, err = process.communicate(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    assert process.returncode == 129, err
    assert "polytui: hung up" in err and "Traceback" not in err


def test_three_imports_of_one_file_at_once_keep_each_note_once(env, tmp_path):
    call = synthetic_conversation(5, turns=3)
    call["polytuiNotes"] = [{"turn": None, "label": None, "text": f"note {n}"} for n in range(2000)]
    source = tmp_path / "shared.json"
    source.write_text(json.dumps(call))
    subprocess.run([*polytui_command(), "cache", "list"], env=env, capture_output=True, check=False)
    runs = [
        subprocess.Popen(
            [*polytui_command(), "import", str(source)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    results = [run.communicate(timeout=300) for run in runs]
    assert all(run.returncode == 0 for run in runs), results
    db = Path(env["POLYTUI_DATA_DIR"]) / "polytui.sqlite3"
    with contextlib.closing(sqlite3.connect(db)) as conn:
        texts = [text for (text,) in conn.execute("SELECT text FROM notes")]
    assert len(texts) == 2000 and len(set(texts)) == 2000
    added = sorted(out.strip() for out, _ in results)
    assert sum("2000 new note(s)" in line for line in added) == 1, added


@pytest.mark.parametrize(
    ("inner", "code", "said"),
    [
        (lambda: KeyboardInterrupt(), 130, "interrupted."),
        (lambda: _cli._Terminated(signal.SIGTERM), 143, "terminated."),
        (lambda: _cli._Terminated(signal.SIGHUP), 129, "hung up"),
    ],
    ids=["SIGINT", "SIGTERM", "SIGHUP"],
)
def test_a_signal_met_inside_a_task_group_still_ends_in_one_line(
    inner, code, said, monkeypatch, capsys
):
    """httpx connects inside an anyio task group, which wraps a signal's exception in a
    BaseExceptionGroup: it still ends the command with its own line and code (it was a
    traceback and exit 1 when the signal came during a connect)."""
    from polytui.cli import commands

    def run(args, settings):
        raise BaseExceptionGroup("connect", [BaseExceptionGroup("inner", [inner()])])

    monkeypatch.setattr(commands, "run", run)
    result, out, err = run_cli(capsys, "cache", "list")
    assert result == code, err
    assert err.count("\n") == 1 and err.startswith("polytui: ") and said in err
    assert "Traceback" not in err and out == ""


class _Stop(BaseException):
    """What the test's own signal handler raises (a stand-in for Ctrl+C in the CLI)."""


def test_a_signal_stops_a_long_statement_inside_sqlite(tmp_path):
    """A Python signal handler runs only between Python steps; SQLite now calls back into
    Python as a long statement runs, so the handler's exception stops the statement (it
    ends as "interrupted") instead of waiting for SQLite to finish (here, seconds later, with
    the statement's result)."""
    from polytui.adapters.sqlite.connection import open_database

    conn = open_database(tmp_path / "s.sqlite3", warn=lambda _: None)

    def handler(signum, frame):
        raise _Stop

    previous = signal.signal(signal.SIGUSR1, handler)
    timer = threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGUSR1))
    try:
        timer.start()
        with pytest.raises(sqlite3.OperationalError, match="interrupted"):
            conn.execute(
                "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 3e7) "
                "SELECT count(*) FROM r"
            ).fetchall()
    finally:
        timer.cancel()
        signal.signal(signal.SIGUSR1, previous)
        conn.close()


@pytest.mark.parametrize(
    ("sig", "code", "said"),
    [(signal.SIGTERM, 143, "terminated."), (signal.SIGINT, 130, "interrupted.")],
    ids=["SIGTERM", "SIGINT"],
)
def test_a_store_query_stopped_by_a_signal_ends_as_the_signal(sig, code, said, monkeypatch, capsys):
    """The statement stopped by the signal surfaces as a store error ("interrupted"): the
    command still ends as the signal asked (exit 143/130), not as a store failure (exit 1)."""
    from polytui.cli import commands
    from polytui.core.errors import StoreError

    def run(args, settings):
        _cli._stop_requested.append(sig)  # what the CLI's handler records before raising
        raise StoreError("Cannot read the store at /x: interrupted.")

    monkeypatch.setattr(commands, "run", run)
    result, out, err = run_cli(capsys, "cache", "list")
    assert result == code, err
    assert err == f"polytui: {said}\n" and out == ""


def test_a_command_waiting_for_the_store_says_so_at_once_and_goes_on_when_freed(env, stored):
    """Issue 13: a locked store waited 30 s in silence, then blamed another process. It says
    at once that it waits and for what, and the command completes once the lock goes."""
    db = Path(env["POLYTUI_DATA_DIR"]) / "polytui.sqlite3"
    with locked(db):
        process = subprocess.Popen(
            [*polytui_command(), "notes", "add", stored, "kept after the wait"],
            env=env,
            stderr=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            line = _wait_for_line(process, "Waiting for the store")
        except BaseException:
            process.kill()
            process.wait()
            raise
    try:
        out, rest = process.communicate(timeout=60)  # the lock is gone: it goes on
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert "another process is writing to it" in line and "Ctrl+C stops" in line
    assert process.returncode == 0, rest
    assert out.startswith("Added note ") and "Traceback" not in rest
    with contextlib.closing(sqlite3.connect(db)) as conn:
        texts = [text for (text,) in conn.execute("SELECT text FROM notes")]
    assert texts == ["kept after the wait"]


def test_the_cli_leaves_no_signal_handler_behind_in_its_process(hermetic_env, capsys):
    """main() called in a process that goes on (tests, scripts) puts back the handlers it
    replaced: one left behind raised KeyboardInterrupt inside another library's callback
    (hypothesis's gc hook) long after the command had ended."""
    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    code, _, _ = run_cli(capsys, "cache", "list")
    assert code in (0, 3)
    after = {s: signal.getsignal(s) for s in before}
    assert after == before
