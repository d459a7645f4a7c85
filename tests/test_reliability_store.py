"""Issue 5, the store, proved with real `polytui` processes on real SQLite files.

- two processes fetching hundreds of calls into one database at once: every call kept, no
  "database is locked";
- ``kill -9`` in the middle of a batch fetch: the database opens, passes ``PRAGMA
  integrity_check`` (and FTS5's own check), every call stored before is intact, a rerun
  fetches exactly the rest;
- a database overwritten with garbage: moved aside with one message, a fresh one used;
- a full disk (the kernel refuses to let files grow: RLIMIT_FSIZE) or a read-only directory:
  a clear error, the documented exit code, no partial rows, no partial export file;
- files 0600 and directories 0700 whatever the umask; a config file holding a key that others
  can read draws a warning.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import signal
import sqlite3
import stat
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from polytui.core.errors import EXIT_UNEXPECTED
from polytui.demo.samples import DEMO_AGENT, synthetic_conversation
from polytui.demo.server import DemoServer

from .faults import integrity
from .helpers import SECRET_KEY, polytui_command, stored_payloads


@pytest.fixture(scope="module")
def many_calls() -> list[dict]:
    return [synthetic_conversation(i, turns=6) for i in range(400)]


@pytest.fixture
def env(hermetic_env) -> dict[str, str]:
    """The environment of a `polytui` process: the test's data and config dirs, no server yet."""
    return {
        **os.environ,
        "POLYAI_API_KEY": SECRET_KEY,
        "POLYAI_AGENT_ID": DEMO_AGENT,
        "POLYTUI_DATA_DIR": str(hermetic_env["data"]),
        "POLYTUI_CONFIG_DIR": str(hermetic_env["config"]),
    }


def _db(env: dict[str, str]) -> Path:
    return Path(env["POLYTUI_DATA_DIR"]) / "polytui.sqlite3"


def _polytui(*args: str, env: dict[str, str], **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*polytui_command(), *args], env=env, capture_output=True, text=True, timeout=120, **kwargs
    )


def _rows(db: Path) -> dict[str, str]:
    """conversation id -> stored raw body ({} before the schema exists). A plain connection,
    so that closing it as the last one tidies the -wal and -shm away as polytui's own do."""
    with contextlib.closing(sqlite3.connect(db, timeout=30)) as conn:
        try:
            return stored_payloads(conn)
        except sqlite3.OperationalError as exc:
            if "no such table" not in str(exc):
                raise
            return {}


def _fts_ok(db: Path) -> None:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.execute("INSERT INTO search_index (search_index) VALUES ('integrity-check')")


def _served(calls: list[dict]) -> dict[str, dict]:
    return {c["conversationId"]: c for c in calls}


# -- several processes, and a process killed mid-batch -------------------------------------------


def test_two_processes_fetching_hundreds_at_once_keep_every_call(many_calls, env):
    calls = many_calls[:300]
    ids = [c["conversationId"] for c in calls]
    with DemoServer(calls, api_key=SECRET_KEY) as server:
        env = {**env, "POLYAI_BASE_URL": server.url}
        first, second = ids[:200], ids[100:]  # a hundred calls fetched by both
        procs = [
            subprocess.Popen(
                [*polytui_command(), "fetch", "-j", "8", *part],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for part in (first, second)
        ]
        results = [proc.communicate(timeout=180) for proc in procs]
    for proc, (out, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0, err
        assert "locked" not in err.lower() and "Traceback" not in err, err
        assert "Fetched" in out
    rows = _rows(_db(env))
    assert set(rows) == set(ids)
    served = _served(calls)
    assert all(json.loads(raw) == served[cid] for cid, raw in rows.items())
    assert integrity(_db(env)) == "ok"
    _fts_ok(_db(env))


def test_kill_9_in_the_middle_of_a_batch_fetch_loses_nothing_stored(many_calls, env):
    served = _served(many_calls)
    ids = list(served)
    with DemoServer(many_calls, api_key=SECRET_KEY, delay=0.005) as server:
        env = {**env, "POLYAI_BASE_URL": server.url}
        db = _db(env)
        kept: dict[str, str] = {}
        for target in (60, 160):  # two kills, at different points of the batch
            proc = subprocess.Popen(
                [*polytui_command(), "fetch", "-j", "4", *ids],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline and proc.poll() is None:
                    if db.exists() and len(_rows(db)) >= target:
                        break
                    time.sleep(0.01)
                assert proc.poll() is None, "the batch ended before it could be killed"
                os.kill(proc.pid, signal.SIGKILL)
            finally:
                proc.wait(30)
            assert proc.returncode == -signal.SIGKILL
            assert integrity(db) == "ok"
            _fts_ok(db)
            rows = _rows(db)
            assert target <= len(rows) < len(ids)
            assert all(rows[cid] == raw for cid, raw in kept.items()), "earlier calls changed"
            assert all(json.loads(raw) == served[cid] for cid, raw in rows.items())
            kept = rows
        done = _polytui("fetch", "-j", "8", *ids, env=env)
    assert done.returncode == 0, done.stderr
    assert f"Fetched {len(ids) - len(kept)}, already stored {len(kept)}" in done.stdout
    assert set(_rows(db)) == set(ids) and integrity(db) == "ok"


# -- a damaged file ---------------------------------------------------------------------------------


def test_a_database_overwritten_with_garbage_is_moved_aside_and_replaced(
    many_calls, env, hermetic_env
):
    calls = many_calls[:3]
    ids = [c["conversationId"] for c in calls]
    with DemoServer(calls, api_key=SECRET_KEY) as server:
        env = {**env, "POLYAI_BASE_URL": server.url}
        assert _polytui("fetch", *ids[:2], env=env).returncode == 0
        db = _db(env)
        garbage = os.urandom(64 * 1024)
        db.write_bytes(garbage)
        result = _polytui("show", ids[2], env=env)
    assert result.returncode == 0, result.stderr
    assert ids[2] in result.stdout
    [line] = result.stderr.splitlines()
    moved = [
        p
        for p in db.parent.iterdir()
        if ".corrupt-" in p.name and not p.name.endswith(("-wal", "-shm"))
    ]
    assert len(moved) == 1 and moved[0].read_bytes() == garbage
    assert line.startswith("polytui: ") and str(moved[0]) in line and "damaged" in line
    assert stat.S_IMODE(moved[0].stat().st_mode) == 0o600
    assert set(_rows(db)) == {ids[2]} and integrity(db) == "ok"
    again = _polytui("cache", "list", env=env)
    assert again.returncode == 0 and again.stderr == "" and ids[2] in again.stdout


# -- no room, no permission --------------------------------------------------------------------------


SHM = 32 * 1024  # SQLite sizes its -shm file to this on open: the least a store can work with


def _file_size_limit(limit: int):
    """For preexec_fn: the child may not grow any file past ``limit`` bytes (writes fail with
    EFBIG, as with a full disk; Python ignores SIGXFSZ)."""

    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_a_full_disk_fails_the_fetch_clearly_and_keeps_whole_rows_only(many_calls, env):
    calls = many_calls[:40]
    ids = [c["conversationId"] for c in calls]
    with DemoServer(calls, api_key=SECRET_KEY) as server:
        env = {**env, "POLYAI_BASE_URL": server.url}
        assert _polytui("fetch", ids[0], env=env).returncode == 0
        db = _db(env)
        before = _rows(db)
        limit = db.stat().st_size + 48 * 1024  # room for a few calls, not forty
        result = _polytui("fetch", "-j", "4", *ids, env=env, preexec_fn=_file_size_limit(limit))
    assert result.returncode == EXIT_UNEXPECTED, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    problems = [line for line in result.stderr.splitlines() if "retrying" not in line]
    assert problems and all(line.startswith("polytui: ") for line in problems)
    assert any("Cannot write to the store" in line for line in problems), problems
    rows = _rows(db)
    assert integrity(db) == "ok"
    _fts_ok(db)
    assert all(rows[cid] == raw for cid, raw in before.items())
    served = _served(calls)
    assert all(json.loads(raw) == served[cid] for cid, raw in rows.items())
    failed = {line.split(": ")[1] for line in problems if "Cannot write to the store" in line}
    assert failed and failed.isdisjoint(rows), "a call reported as failed was kept"
    assert set(rows) | failed == set(ids)
    summary = result.stdout.strip()
    assert summary.startswith(f"Fetched {len(rows) - len(before)},"), summary
    assert f"failed {len(failed)}" in summary


def test_a_full_disk_while_showing_still_shows_and_keeps_the_old_copy(env):
    call = synthetic_conversation(7, turns=300)
    cid = call["conversationId"]
    with DemoServer([call], api_key=SECRET_KEY) as server:
        env = {**env, "POLYAI_BASE_URL": server.url}
        assert _polytui("fetch", cid, env=env).returncode == 0
        db = _db(env)
        before = db.read_bytes()
        result = _polytui("show", cid, "--refresh", env=env, preexec_fn=_file_size_limit(SHM))
    assert result.returncode == 0 and cid in result.stdout
    [line] = result.stderr.splitlines()
    assert line.startswith("polytui: ") and "could not keep it" in line
    assert db.read_bytes() == before and integrity(db) == "ok"


def test_an_export_to_a_full_disk_leaves_no_partial_file(env, tmp_path):
    call = synthetic_conversation(8, turns=300)
    cid = call["conversationId"]
    with DemoServer([call], api_key=SECRET_KEY) as server:
        env = {**env, "POLYAI_BASE_URL": server.url}
        assert _polytui("fetch", cid, env=env).returncode == 0
    out = tmp_path / "exports"
    out.mkdir()
    result = _polytui(
        "show",
        cid,
        "--offline",
        "-f",
        "html",
        "-o",
        str(out / "call.html"),
        env=env,
        preexec_fn=_file_size_limit(SHM),
    )
    assert result.returncode == EXIT_UNEXPECTED
    [line] = result.stderr.splitlines()
    assert line.startswith(f"polytui: Cannot write {out / 'call.html'}")
    assert list(out.iterdir()) == []


@contextlib.contextmanager
def read_only(directory: Path) -> Iterator[None]:
    """Make ``directory`` refuse new files: mode 0555 for a normal user; for root (who ignores
    modes) the immutable attribute. Skips only where neither is possible."""
    if os.geteuid() != 0:
        directory.chmod(0o555)
        undo = ["chmod", "700", str(directory)]
    else:
        made = subprocess.run(["chattr", "+i", str(directory)], capture_output=True)
        if made.returncode != 0:
            pytest.skip("root here cannot make a directory read-only (no chattr support)")
        undo = ["chattr", "-i", str(directory)]
    try:
        with pytest.raises(OSError):
            (directory / "probe").touch()
        yield
    finally:
        subprocess.run(undo, check=True)


def test_a_read_only_data_directory_is_a_clear_error_and_still_reads(many_calls, env):
    """Nothing can be created or written there (one sentence naming the folder, exit 1), but a
    store already there is read: `show` and `cache list` of stored calls work."""
    calls = many_calls[:2]
    ids = [c["conversationId"] for c in calls]
    with DemoServer(calls, api_key=SECRET_KEY) as server:
        env = {**env, "POLYAI_BASE_URL": server.url}
        data = Path(env["POLYTUI_DATA_DIR"])
        data.mkdir(parents=True)
        with read_only(data):
            fresh = _polytui("fetch", ids[0], env=env)
        assert _polytui("fetch", ids[0], env=env).returncode == 0
        before = _rows(_db(env))
        with read_only(data):
            fetched = _polytui("fetch", ids[1], env=env)
            shown = _polytui("show", ids[0], env=env)
            listed = _polytui("cache", "list", env=env)
    for result in (fresh, fetched):
        assert result.returncode == EXIT_UNEXPECTED, result.stderr
        assert "Traceback" not in result.stderr
        lines = result.stderr.splitlines()
        assert lines and all(line.startswith("polytui: ") for line in lines)
        assert str(data) in lines[-1] and "store" in lines[-1]
    assert shown.returncode == 0 and ids[0] in shown.stdout, shown.stderr
    assert listed.returncode == 0 and ids[0] in listed.stdout, listed.stderr
    assert _rows(_db(env)) == before and integrity(_db(env)) == "ok"


# -- permissions ----------------------------------------------------------------------------------


def _with_umask(mask: int):
    def apply() -> None:
        os.umask(mask)

    return apply


@pytest.mark.parametrize("mask", [0o000, 0o022, 0o077], ids=oct)
def test_files_are_private_whatever_the_umask(mask, many_calls, env, tmp_path):
    calls = many_calls[:2]
    ids = [c["conversationId"] for c in calls]
    data = tmp_path / "deep" / "er" / "data"
    env = {**env, "POLYTUI_DATA_DIR": str(data)}
    umask = _with_umask(mask)
    target, exports = tmp_path / "call.md", tmp_path / "exports"
    with DemoServer(calls, api_key=SECRET_KEY) as server:
        env = {**env, "POLYAI_BASE_URL": server.url}
        assert _polytui("fetch", *ids, env=env, preexec_fn=umask).returncode == 0
        assert (
            _polytui("show", ids[0], "-o", str(target), env=env, preexec_fn=umask).returncode == 0
        )
        done = _polytui("export", "--all", "-o", str(exports), env=env, preexec_fn=umask)
        assert done.returncode == 0, done.stderr
        # Killed while it has the store open, a process leaves its -wal and -shm behind.
        server.delay, asked = 5.0, server.hits
        proc = subprocess.Popen(
            [*polytui_command(), "fetch", "--refresh", ids[0]],
            env=env,
            preexec_fn=umask,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 30
            while server.hits == asked and time.monotonic() < deadline:  # the store is open
                time.sleep(0.01)
        finally:
            proc.kill()
            proc.wait(30)
    assert {p.name for p in data.iterdir()} >= {"polytui.sqlite3-wal", "polytui.sqlite3-shm"}
    for path in data.parent.parent, data.parent, data, exports:
        assert stat.S_IMODE(path.stat().st_mode) == 0o700, path
    for path in [*data.iterdir(), target, *exports.iterdir()]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert len(list(exports.iterdir())) == 2


@pytest.mark.parametrize(
    ("where", "mode", "warned"),
    [("top", 0o644, True), ("top", 0o640, True), ("profile", 0o604, True), ("top", 0o600, False)],
)
def test_a_config_file_with_a_key_others_can_read_draws_a_warning(where, mode, warned, env):
    config = Path(env["POLYTUI_CONFIG_DIR"]) / "config.toml"
    config.parent.mkdir(parents=True)
    key = 'api_key = "k-from-file-123"\n'
    text = key if where == "top" else f'default_profile = "p"\n[profiles.p]\n{key}'
    config.write_text(text)
    config.chmod(mode)
    env = {k: v for k, v in env.items() if k != "POLYAI_API_KEY"}
    result = _polytui("config", "show", env=env)
    assert result.returncode == 0
    assert "set (hidden)" in result.stdout and "k-from-file-123" not in result.stdout
    lines = result.stderr.splitlines()
    if warned:
        assert len(lines) == 1 and "other users can read it" in lines[0]
        assert f"chmod 600 {config}" in lines[0] and "k-from-file-123" not in lines[0]
    else:
        assert lines == []
