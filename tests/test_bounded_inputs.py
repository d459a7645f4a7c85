"""Every input a command reads is bounded: `fetch --from-file /dev/zero` ends in one sentence
(exit 2) after reading at most its limit, and so does a runaway note on standard input."""

from __future__ import annotations

import io
import sys

from polytui.core.errors import EXIT_USAGE

from .helpers import run_cli


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
