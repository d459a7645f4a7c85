"""Issue 5, faults from the network, end to end through the command line.

For every fault in tests/faults.py: a good copy of the call is stored first, then
``polytui show ID --refresh`` (and ``polytui fetch ID --refresh``) runs against the misbehaving
loopback server. Each must end with the documented exit code, one plain sentence on stderr (retry
notices aside), nothing on stdout, no traceback, and the store byte-for-byte as it was.

In-process runs (``polytui.cli.main`` with capsys) cover the whole matrix with short back-off;
the installed ``polytui`` script, as a real process with the real back-off, covers the faults
where a process matters: the exit status itself, and memory while a gzip bomb is refused.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from polytui.demo.server import DemoServer

from .faults import (
    FAULT_IDS,
    FAULTS,
    Fault,
    arm,
    check_one_sentence,
    check_other_untouched,
    db_file,
    error_lines,
    integrity,
    store_files,
    stored_rows,
)
from .helpers import SECRET_KEY, polytui_command, run_cli


@pytest.fixture
def other(samples):
    """A second API server: another origin, which a redirect must never lead the key to."""
    with DemoServer(samples, api_key=None) as running:
        yield running


@pytest.fixture
def good_copy(api_env, samples, capsys, hermetic_env):
    """A finished call, stored by a successful `polytui show`; returns (id, data dir)."""
    cid = next(s for s in samples if not s.get("inProgress"))["conversationId"]
    code, out, err = run_cli(capsys, "show", cid)
    assert code == 0 and cid in out, err
    data = hermetic_env["data"]
    assert stored_rows(db_file(data), cid)
    return cid, data


def _flags(fault: Fault, url: str) -> list[str]:
    return ["--base-url", url, "--timeout", str(fault.timeout), "--refresh"]


@pytest.mark.parametrize("fault", FAULTS, ids=FAULT_IDS)
def test_show_refresh_fault_one_sentence_exit_code_store_untouched(
    fault, server, other, good_copy, capsys, fast_retries
):
    cid, data = good_copy
    files, rows = store_files(data), stored_rows(db_file(data), cid)
    url = arm(fault, server, other)
    code, out, err = run_cli(capsys, "show", cid, *_flags(fault, url))
    assert code == fault.exit_code, err
    assert out == ""
    check_one_sentence(fault, err)
    check_other_untouched(fault, other)
    assert SECRET_KEY not in err
    assert store_files(data) == files, "a failed refresh changed the store"
    assert stored_rows(db_file(data), cid) == rows
    # The stored copy is still there for the reviewer, without the network.
    server.set_fault(None)
    code, out, _ = run_cli(capsys, "show", cid, "--offline")
    assert code == 0 and cid in out


@pytest.mark.parametrize("fault", FAULTS, ids=FAULT_IDS)
def test_fetch_refresh_fault_lists_the_call_and_keeps_the_store(
    fault, server, other, good_copy, capsys, fast_retries
):
    cid, data = good_copy
    files = store_files(data)
    url = arm(fault, server, other)
    code, out, err = run_cli(capsys, "fetch", cid, *_flags(fault, url))
    assert code == fault.exit_code, err
    assert out.strip() == "Fetched 0, failed 1 (of 1)."
    lines = [line for line in error_lines(err) if "stopped early" not in line]
    assert len(lines) == 1 and lines[0].startswith(f"polytui: {cid}: "), err
    check_one_sentence(fault, lines[0])
    check_other_untouched(fault, other)
    assert store_files(data) == files


def test_a_storm_that_passes_loses_nothing(api_env, server, capsys, fast_retries, hermetic_env):
    """Fifty calls fetched through a burst of 429s and 503s: every call is either stored or
    listed as failed (never silently lost), and a second run fetches exactly the rest."""
    from polytui.demo.samples import synthetic_conversation

    calls = [synthetic_conversation(i) for i in range(50)]
    for call in calls:
        server.add(call)
    ids = [c["conversationId"] for c in calls]
    server.set_fault("rate_limit", times=60, retry_after=None)
    code, out, err = run_cli(capsys, "fetch", *ids, "-j", "8")
    failed = [line for line in error_lines(err) if line.startswith("polytui: ")]
    stored = {row[0] for row in _ids_in(db_file(hermetic_env["data"]))}
    assert len(stored) + len(failed) == len(ids), (out, err)
    assert code == (0 if not failed else 5)
    assert all("HTTP 429" in line for line in failed)
    server.set_fault(None)
    code, out, err = run_cli(capsys, "fetch", *ids)
    assert code == 0, err
    assert f"Fetched {len(ids) - len(stored)}" in out
    assert {row[0] for row in _ids_in(db_file(hermetic_env["data"]))} == set(ids)
    assert integrity(db_file(hermetic_env["data"])) == "ok"


def _ids_in(db: Path) -> list[tuple[str]]:
    import sqlite3

    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute("SELECT conversation_id FROM conversations").fetchall()


# -- the installed script, as a real process ----------------------------------------------------

PROCESS_FAULTS = [
    f
    for f in FAULTS
    if f.name
    in {
        "connection refused",
        "reset mid-body",
        "gzip bomb (2 GiB inflated)",
        "JSON nested 100,000 deep",
        "invalid UTF-8",
        "200 with an HTML page",
        "redirect loop",
        "redirect to another origin",
        "500 without an envelope",
        "401",
    }
]


# ru_maxrss of a child forked from this (large) pytest worker would start at the worker's own
# size: Linux carries the pre-exec peak over. A small Python process starts polytui instead and
# reports the peak of that child alone.
_MEASURE = """
import os, subprocess, sys
proc = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(proc.pid, 0)
with open(sys.argv[1], "w") as peak:
    peak.write(str(usage.ru_maxrss * 1024))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def _run_measured(args: list[str], env: dict[str, str]) -> tuple[int, str, str, int]:
    """Run the installed polytui; return (exit status, stdout, stderr, peak RSS in bytes)."""
    with tempfile.TemporaryDirectory() as tmp:
        peak_file = Path(tmp) / "peak"
        done = subprocess.run(
            [sys.executable, "-c", _MEASURE, str(peak_file), *polytui_command(), *args],
            capture_output=True,
            env=env,
            timeout=120,
        )
        return (
            done.returncode,
            done.stdout.decode(),
            done.stderr.decode(),
            int(peak_file.read_text()),
        )


@pytest.mark.parametrize("fault", PROCESS_FAULTS, ids=[f.name for f in PROCESS_FAULTS])
def test_installed_script_exit_status_and_one_line(fault, server, other, good_copy):
    cid, data = good_copy
    files = store_files(data)
    url = arm(fault, server, other)
    env = {**os.environ, "POLYAI_BASE_URL": url}
    code, out, err, peak = _run_measured(["show", cid, *_flags(fault, url)], env)
    assert code == fault.exit_code, err
    assert out == ""
    check_one_sentence(fault, err)
    check_other_untouched(fault, other)
    assert store_files(data) == files
    if fault.fault == "gzip_bomb":
        # The size cap counts decoded bytes: 2 GiB on the wire inflates to 64 MiB at most here.
        assert peak < 256 * 1024 * 1024, f"peak RSS {peak / 2**20:.0f} MiB for a gzip bomb"
