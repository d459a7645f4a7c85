"""`-o FILE` and export targets: a regular file is replaced atomically (0600); a FIFO or a device
is written into, never renamed over; folders, sockets and polytui's own store are refused with one
sentence (exit 2) before anything is fetched."""

from __future__ import annotations

import json
import os
import socket
import stat
import threading

import pytest

from polytui.adapters.sqlite import Store
from polytui.core.errors import EXIT_USAGE, UsageError
from polytui.core.models import Conversation
from polytui.files import check_output, write_private

from .helpers import run_cli


def _store_one(hermetic_env, samples):
    call = next(s for s in samples if not s.get("inProgress"))
    with Store(hermetic_env["data"] / "polytui.sqlite3") as store:
        store.put("PROJECT-demo", "api.test", json.dumps(call), Conversation.from_data(call))
    return call["conversationId"]


def test_a_fifo_is_written_into_and_stays_a_fifo(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    write_private(fifo, "hello through a pipe\n")
    reader.join(timeout=60)
    assert received == ["hello through a pipe\n"]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert not list(tmp_path.glob(".pipe.*"))  # no temporary file left beside it


@pytest.fixture
def null_device(tmp_path):
    """A character device of our own that is the null device (the machine's /dev/null is never
    put at risk: a regression here would replace it for every process). Making one needs
    CAP_MKNOD (root, as in CI); elsewhere the test is skipped, saying why."""
    path = tmp_path / "null"
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("making a device node needs CAP_MKNOD (run as root, as CI does)")
    return path


def test_dev_null_is_written_into_not_replaced(null_device):
    before = os.stat(null_device)
    write_private(null_device, "nothing to see")
    after = os.stat(null_device)
    assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino
    assert after.st_mode == before.st_mode  # never chmod'ed
    assert sorted(p.name for p in null_device.parent.iterdir()) == ["null"]  # no temp file left


def test_a_folder_and_a_socket_are_refused(tmp_path):
    with pytest.raises(UsageError, match="it is a folder"):
        write_private(tmp_path, "x")
    path = tmp_path / "s.sock"
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(path))
        with pytest.raises(UsageError, match="not a regular file"):
            write_private(path, "x")
        assert stat.S_ISSOCK(os.stat(path).st_mode)
    finally:
        server.close()


def test_a_symlink_keeps_pointing_at_its_target_which_gets_the_text(tmp_path):
    target = tmp_path / "real.md"
    target.write_text("old")
    link = tmp_path / "link.md"
    link.symlink_to(target)
    written = write_private(link, "new")
    assert link.is_symlink() and target.read_text() == "new" and written == target.resolve()
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600


def test_the_store_and_its_wal_are_refused(tmp_path):
    db = tmp_path / "polytui.sqlite3"
    with Store(db):
        pass
    for name in ("polytui.sqlite3", "polytui.sqlite3-wal", "polytui.sqlite3-shm"):
        with pytest.raises(UsageError, match="polytui's own store"):
            check_output(tmp_path / name, store=db)
    link = tmp_path / "innocent.json"
    link.symlink_to(db)
    with pytest.raises(UsageError, match="polytui's own store"):
        write_private(link, "{}", store=db)
    assert db.read_bytes().startswith(b"SQLite format 3")


def test_show_refuses_the_store_before_fetching(hermetic_env, samples, capsys):
    cid = _store_one(hermetic_env, samples)
    db = hermetic_env["data"] / "polytui.sqlite3"
    before = db.read_bytes()
    code, out, err = run_cli(capsys, "show", cid, "--offline", "-o", str(db))
    assert code == EXIT_USAGE and out == ""
    assert err.startswith("polytui: Cannot write") and "own store" in err and err.count("\n") == 1
    assert db.read_bytes() == before


def test_show_into_a_fifo(hermetic_env, samples, capsys, tmp_path):
    cid = _store_one(hermetic_env, samples)
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    code, _, err = run_cli(capsys, "show", cid, "--offline", "--format", "json", "-o", str(fifo))
    reader.join(timeout=60)
    assert code == 0, err
    assert json.loads(received[0])["conversationId"] == cid
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


@pytest.mark.parametrize(
    "command",
    [["show", "CONV-1", "--offline"], ["audio", "CONV-1", "--offline"], ["export", "CONV-1"]],
    ids=["show", "audio", "export"],
)
@pytest.mark.parametrize("name", ["", " "], ids=["empty", "blank"])
def test_an_empty_output_name_is_named_as_such(command, name, hermetic_env, capsys):
    """Issue 13: `-o ''` said "Device or resource busy", later "Cannot write .: it is a
    folder" (Path('') is the current folder), and export took it as the current folder."""
    code, out, err = run_cli(capsys, *command, "-o", name)
    assert code == EXIT_USAGE and out == ""
    assert err.startswith("polytui: argument -o/--output: the file name is empty")
    assert "folder" not in err and "busy" not in err
