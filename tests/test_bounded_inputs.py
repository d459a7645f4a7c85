"""Every input a command reads is bounded: `fetch --from-file /dev/zero` ends in one sentence
(exit 2) after reading at most its limit, and so does a runaway note on standard input; a named
pipe is read as it comes, but polytui says at once that it waits for it."""

from __future__ import annotations

import io
import json
import os
import select
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from polytui.core.errors import EXIT_USAGE
from polytui.demo.samples import synthetic_conversation

from .helpers import polytui_command, run_cli


def test_ids_from_dev_zero_are_refused(hermetic_env, capsys):
    code, out, err = run_cli(capsys, "fetch", "--from-file", "/dev/zero", "--agent", "P-1")
    assert code == EXIT_USAGE and out == ""
    assert err == "polytui: /dev/zero holds more IDs than polytui reads (16 MiB at most).\n"


def test_too_many_ids_are_refused(hermetic_env, capsys, tmp_path):
    ids = tmp_path / "ids.txt"
    ids.write_text("\n".join(f"CONV-{n}" for n in range(100_001)))
    code, _, err = run_cli(capsys, "fetch", "--from-file", str(ids), "--agent", "P-1")
    assert code == EXIT_USAGE and "at most 100,000" in err


def test_ids_that_are_not_text(hermetic_env, capsys, tmp_path):
    ids = tmp_path / "ids.bin"
    ids.write_bytes(b"\xff\xfe\x00bad")
    code, _, err = run_cli(capsys, "fetch", "--from-file", str(ids), "--agent", "P-1")
    assert code == EXIT_USAGE and "not UTF-8 text" in err


def test_a_runaway_note_on_stdin_is_refused(hermetic_env, capsys, monkeypatch):
    class Endless(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:
            buffer[:] = b"x" * len(buffer)
            return len(buffer)

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(Endless())))
    code, _, err = run_cli(capsys, "notes", "add", "CONV-1", "-")
    assert code == EXIT_USAGE
    assert (
        err == "polytui: standard input holds more note text than polytui reads (1 MiB at most).\n"
    )


def _fifo_run(tmp_path, hermetic_env, *args: str) -> tuple[subprocess.Popen[str], Path]:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    env = {
        **os.environ,
        "POLYTUI_DATA_DIR": str(hermetic_env["data"]),
        "POLYTUI_CONFIG_DIR": str(hermetic_env["config"]),
    }
    process = subprocess.Popen(
        [*polytui_command(), *args, str(fifo)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return process, fifo


def _first_line(process: subprocess.Popen[str]) -> str:
    """The first line on stderr; a failure when none comes in 60 s (a hang guard, not a time
    limit: before, polytui waited in silence and this waited with it)."""
    assert process.stderr is not None
    ready, _, _ = select.select([process.stderr], [], [], 60)
    if not ready:
        process.kill()
        pytest.fail("polytui said nothing while it waited for the pipe")
    return process.stderr.readline()


def test_an_import_from_a_named_pipe_says_it_waits_then_reads_it(hermetic_env, tmp_path):
    """Issue 13: importing from a FIFO blocked for ever in silence. It still waits (a pipe is
    read as it comes) but says so at once, and imports what is written."""
    process, fifo = _fifo_run(tmp_path, hermetic_env, "import")
    try:
        line = _first_line(process)
        assert line.startswith("polytui: waiting for input from ") and "pipe" in line, line
        assert str(fifo) in line and "Ctrl+C" in line
        fifo.write_text(json.dumps(synthetic_conversation(7, turns=2)))
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err
    assert out.startswith("Imported 1 conversation(s)")


def test_ids_from_a_named_pipe_nobody_writes_to_say_so_and_stop_on_sigterm(hermetic_env, tmp_path):
    process, _ = _fifo_run(tmp_path, hermetic_env, "fetch", "--agent", "P-1", "--from-file")
    try:
        assert "waiting for input from" in _first_line(process)
        process.send_signal(signal.SIGTERM)
        _, rest = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 143 and rest == "polytui: terminated.\n"


def test_a_regular_file_is_read_without_a_word_about_waiting(hermetic_env, capsys, tmp_path):
    source = tmp_path / "call.json"
    source.write_text(json.dumps(synthetic_conversation(8, turns=2)))
    code, _, err = run_cli(capsys, "import", str(source))
    assert code == 0 and err == ""
