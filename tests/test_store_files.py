"""The store's file is the user's (issue 13): a store made read-only is read and never written
or re-moded; a symbolic link is not followed unless configured, and what it points at is never
changed or moved aside; the data folder is made private; a full disk still reads."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from polytui.adapters.sqlite import Store
from polytui.core.errors import EXIT_UNEXPECTED, EXIT_USAGE, StoreError
from polytui.demo.samples import DEMO_AGENT, synthetic_conversation
from polytui.demo.server import DemoServer

from .helpers import SECRET_KEY, polytui_command
from .test_store import conversation_data, put


def _polytui(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*polytui_command(), *args], env=env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def env(hermetic_env) -> dict[str, str]:
    return {
        **os.environ,
        "POLYAI_API_KEY": SECRET_KEY,
        "POLYAI_AGENT_ID": DEMO_AGENT,
        "POLYTUI_DATA_DIR": str(hermetic_env["data"]),
        "POLYTUI_CONFIG_DIR": str(hermetic_env["config"]),
    }


@pytest.fixture
def calls() -> list[dict]:
    return [synthetic_conversation(i, turns=4) for i in range(3)]


@pytest.fixture
def server(calls) -> Iterator[DemoServer]:
    with DemoServer(calls, api_key=SECRET_KEY) as running:
        yield running


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def _one_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in result.stderr.splitlines() if line]
    assert lines and all(line.startswith("polytui: ") for line in lines), result.stderr
    assert "Traceback" not in result.stderr
    return lines[-1]


def _config(hermetic_env, text: str) -> None:
    hermetic_env["config"].mkdir(parents=True, exist_ok=True)
    (hermetic_env["config"] / "config.toml").write_text(text)


# -- a store the user made read-only -------------------------------------------------------------


def test_a_read_only_store_is_read_and_never_written_or_re_moded(env, server, calls):
    ids = [c["conversationId"] for c in calls]
    env = {**env, "POLYAI_BASE_URL": server.url}
    assert _polytui("fetch", ids[0], env=env).returncode == 0
    db = Path(env["POLYTUI_DATA_DIR"]) / "polytui.sqlite3"
    db.chmod(0o400)
    before = _digest(db)
    shown = _polytui("--offline", "show", ids[0], env=env)
    assert shown.returncode == 0 and ids[0] in shown.stdout, shown.stderr
    fetched = _polytui("fetch", ids[1], env=env)
    noted = _polytui("notes", "add", ids[0], "a note", env=env)
    for result in (fetched, noted):
        assert result.returncode == EXIT_UNEXPECTED
        line = _one_line(result)
        assert "read-only (mode 0400)" in line and f"chmod 600 {db}" in line, line
    assert _mode(db) == 0o400 and _digest(db) == before


def test_a_read_only_store_fetches_and_prints_a_new_call_without_keeping_it(env, server, calls):
    ids = [c["conversationId"] for c in calls]
    env = {**env, "POLYAI_BASE_URL": server.url}
    assert _polytui("fetch", ids[0], env=env).returncode == 0
    db = Path(env["POLYTUI_DATA_DIR"]) / "polytui.sqlite3"
    db.chmod(0o400)
    before = _digest(db)
    result = _polytui("show", ids[2], env=env)
    assert result.returncode == 0 and ids[2] in result.stdout
    assert "could not keep it" in _one_line(result)
    assert _digest(db) == before


def test_a_damaged_read_only_store_is_left_where_it_is(tmp_path):
    db = tmp_path / "data" / "polytui.sqlite3"
    db.parent.mkdir()
    db.write_bytes(b"not a database at all\n" * 400)
    db.chmod(0o400)
    with pytest.raises(StoreError, match="damaged, and polytui leaves it as it is"):
        Store(db, warn=lambda _: None)
    assert sorted(p.name for p in db.parent.iterdir()) == ["polytui.sqlite3"]
    assert _mode(db) == 0o400


def test_a_store_made_by_polytui_under_umask_277_is_still_writable(tmp_path):
    old = os.umask(0o277)
    try:
        with Store(tmp_path / "data" / "polytui.sqlite3") as store:
            put(store, conversation_data())
            assert store.count() == 1
    finally:
        os.umask(old)
    assert _mode(tmp_path / "data" / "polytui.sqlite3") == 0o600


# -- symbolic links --------------------------------------------------------------------------------


def _linked_store(hermetic_env, target: Path) -> Path:
    data = hermetic_env["data"]
    data.mkdir(parents=True)
    link = data / "polytui.sqlite3"
    link.symlink_to(target)
    return link


def test_a_symlinked_store_is_refused_and_its_target_untouched(hermetic_env, env, tmp_path):
    victim = tmp_path / "notes.txt"
    victim.write_text("precious\n")
    victim.chmod(0o644)
    link = _linked_store(hermetic_env, victim)
    result = _polytui("--offline", "cache", "list", env=env)
    assert result.returncode == EXIT_UNEXPECTED
    line = _one_line(result)
    assert "symbolic link" in line and "follow_store_symlink" in line, line
    assert victim.read_text() == "precious\n" and _mode(victim) == 0o644
    assert link.is_symlink()
    assert sorted(p.name for p in link.parent.iterdir()) == ["polytui.sqlite3"]


def test_a_followed_link_to_a_file_that_is_no_store_is_not_moved_aside(hermetic_env, env, tmp_path):
    victim = tmp_path / "elsewhere" / "notes.txt"
    victim.parent.mkdir()
    victim.write_text("precious\n" * 100)
    victim.chmod(0o644)
    _linked_store(hermetic_env, victim)
    _config(hermetic_env, "follow_store_symlink = true\n")
    result = _polytui("--offline", "cache", "list", env=env)
    assert result.returncode == EXIT_UNEXPECTED
    assert "not a polytui store" in _one_line(result)
    assert victim.read_text() == "precious\n" * 100 and _mode(victim) == 0o644
    assert sorted(p.name for p in victim.parent.iterdir()) == ["notes.txt"]


def test_a_followed_link_is_the_store(hermetic_env, env, tmp_path, server, calls):
    target = tmp_path / "big-disk" / "polytui.sqlite3"
    target.parent.mkdir()
    link = _linked_store(hermetic_env, target)
    _config(hermetic_env, "follow_store_symlink = true\n")
    env = {**env, "POLYAI_BASE_URL": server.url}
    cid = calls[0]["conversationId"]
    assert _polytui("fetch", cid, env=env).returncode == 0
    assert link.is_symlink() and target.stat().st_size > 0 and _mode(target) == 0o600
    assert cid in _polytui("--offline", "cache", "list", env=env).stdout


def test_follow_store_symlink_must_be_true_or_false(hermetic_env, env):
    _config(hermetic_env, 'follow_store_symlink = "yes"\n')
    result = _polytui("config", "show", env=env)
    assert result.returncode == EXIT_USAGE
    assert "follow_store_symlink must be true or false" in _one_line(result)


@pytest.mark.parametrize("suffix", ["-wal", "-shm"])
def test_a_symlinked_wal_or_shm_is_named_and_its_target_untouched(tmp_path, suffix):
    db = tmp_path / "data" / "polytui.sqlite3"
    Store(db).close()
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    victim.chmod(0o644)
    Path(f"{db}{suffix}").symlink_to(victim)
    with pytest.raises(StoreError, match=f"polytui.sqlite3{suffix} beside it is a symbolic link"):
        Store(db)
    assert victim.read_text() == "precious\n" and _mode(victim) == 0o644


# -- the data folder ----------------------------------------------------------------------------


def test_an_existing_open_data_folder_is_made_private(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    folder.chmod(0o755)
    Store(folder / "polytui.sqlite3").close()
    assert _mode(folder) == 0o700


def test_a_shared_sticky_folder_is_not_re_moded_but_named(tmp_path):
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(0o1777)
    warnings: list[str] = []
    Store(folder / "polytui.sqlite3", warn=warnings.append).close()
    assert _mode(folder) == 0o1777
    assert any(str(folder) in w and "other users" in w for w in warnings), warnings


# -- a full disk ----------------------------------------------------------------------------------


@contextlib.contextmanager
def _small_disk(where: Path, size: str = "1m") -> Iterator[Path]:
    where.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(where)],
        capture_output=True,
    )
    if made.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=True)


def _fill(disk: Path) -> None:
    """Write until the disk refuses even a single byte."""
    for n, size in enumerate((1 << 16, 4096, 512, 1)):
        fd = os.open(disk / f"filler{n}", os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            while True:
                os.write(fd, b"\0" * size)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
        finally:
            os.close(fd)


def test_a_full_disk_still_reads_and_a_fresh_show_still_prints(tmp_path, env, server, calls):
    ids = [c["conversationId"] for c in calls]
    env = {**env, "POLYAI_BASE_URL": server.url}
    with _small_disk(tmp_path / "disk") as disk:
        env["POLYTUI_DATA_DIR"] = str(disk / "data")
        assert _polytui("fetch", ids[0], ids[1], env=env).returncode == 0
        db = disk / "data" / "polytui.sqlite3"
        _fill(disk)
        before = _digest(db)
        offline = _polytui("--offline", "show", ids[0], env=env)
        listed = _polytui("cache", "list", env=env)
        found = _polytui("--offline", "cache", "search", "table", env=env)
        fresh = _polytui("show", ids[2], env=env)
        fetched = _polytui("fetch", ids[2], env=env)
        noted = _polytui("notes", "add", ids[0], "on a full disk", env=env)
        after = _digest(db)
    assert offline.returncode == 0 and ids[0] in offline.stdout, offline.stderr
    assert listed.returncode == 0 and ids[1] in listed.stdout, listed.stderr
    assert found.returncode == 0 and ids[0] in found.stdout, found.stderr
    assert fresh.returncode == 0 and ids[2] in fresh.stdout, fresh.stderr
    assert "could not keep it" in _one_line(fresh) and "the disk is full" in _one_line(fresh)
    for result in (fetched, noted):
        assert result.returncode == EXIT_UNEXPECTED
        assert "the disk is full" in _one_line(result)
    for result in (offline, listed):
        assert "disk holding the store" in _one_line(result) and "is full" in result.stderr
    assert after == before
