"""The network faults of issue 5, as data shared by the CLI, process and app reliability tests.

Each ``Fault`` says how to make the loopback server (or the network) misbehave, the timeout to
run with, and what a reviewer must see: the documented exit code and words of the one sentence.
Helpers here also take byte-exact snapshots of the store, so a test can prove a failed refresh
left the stored copy exactly as it was.
"""

from __future__ import annotations

import re
import socket
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from polytui.core.errors import EXIT_API, EXIT_AUTH, EXIT_NOT_FOUND, EXIT_USAGE
from polytui.demo.server import DemoServer

RETRY_NOTICE = re.compile(r"^polytui: .+; retrying in \d+\.\d s \(attempt \d+ of \d+\)$")


@dataclass(frozen=True)
class Fault:
    """One way the network can fail. ``fault``/``options`` go to ``DemoServer.set_fault``;
    ``refused`` points polytui at a closed port instead; ``elsewhere`` redirects to a second
    server (another origin) that must never be asked anything."""

    name: str
    fault: str | None
    exit_code: int
    words: tuple[str, ...]
    options: dict[str, Any] = field(default_factory=dict)
    timeout: float = 5.0
    refused: bool = False
    elsewhere: bool = False
    correlation: bool = True  # the API sent a correlation id that the message must carry


FAULTS: list[Fault] = [
    Fault(
        "connection refused",
        None,
        EXIT_API,
        ("refused the connection",),
        refused=True,
        correlation=False,
    ),
    Fault(
        "reset mid-body",
        "reset",
        EXIT_API,
        ("broke before the answer was complete",),
        correlation=False,
    ),
    Fault(
        "truncated body",
        "truncated",
        EXIT_API,
        ("broke before the answer was complete",),
        correlation=False,
    ),
    Fault(
        "closed without an answer",
        "drop",
        EXIT_API,
        ("broke before the answer",),
        correlation=False,
    ),
    Fault(
        "body drips slower than the timeout",
        "drip",
        EXIT_API,
        ("did not answer within 1 s",),
        # A second of silence between chunks, the total deadline (twice the timeout) a whole
        # second later: a loaded machine cannot let the deadline fire first.
        options={"seconds_per_chunk": 30.0, "chunk": 256},
        timeout=1.0,
        correlation=False,
    ),
    Fault(
        "body drips past the total deadline",
        "drip",
        EXIT_API,
        ("did not send a complete answer within 0.6 s",),
        options={"seconds_per_chunk": 0.04, "chunk": 16},
        timeout=0.3,
        correlation=False,
    ),
    Fault(
        "headers slower than the timeout",
        "slow",
        EXIT_API,
        ("did not answer within 0.2 s",),
        options={"seconds": 2.0},
        timeout=0.2,
        correlation=False,
    ),
    Fault(
        "Content-Length lies",
        "content_length_lies",
        EXIT_API,
        ("broke before the answer was complete",),
        correlation=False,
    ),
    Fault("gzip bomb (2 GiB inflated)", "gzip_bomb", EXIT_API, ("larger than 64 MiB",)),
    Fault("JSON nested 100,000 deep", "deep_json", EXIT_API, ("nested too deeply",)),
    Fault("invalid UTF-8", "invalid_utf8", EXIT_API, ("not valid UTF-8",)),
    Fault("200 with an HTML page", "html", EXIT_API, ("HTML page instead of JSON",)),
    Fault("200 with binary garbage", "garbage", EXIT_API, ("not JSON",)),
    Fault("200 without conversationId", "missing_fields", EXIT_API, ("conversationId",)),
    Fault("redirect loop", "redirect_loop", EXIT_API, ("redirected in a loop",)),
    Fault(
        "redirect to another origin",
        "redirect",
        EXIT_API,
        ("does not follow redirects to other hosts",),
        elsewhere=True,
    ),
    Fault(
        "429 storm with Retry-After",
        "rate_limit",
        EXIT_API,
        ("HTTP 429", "Too many requests", "gave up after 4 attempts"),
        options={"retry_after": "1"},
    ),
    Fault(
        "429 storm without Retry-After",
        "rate_limit",
        EXIT_API,
        ("HTTP 429", "gave up after 4 attempts"),
        options={"retry_after": None},
    ),
    Fault(
        "503 with Retry-After",
        "unavailable",
        EXIT_API,
        ("HTTP 503", "temporarily unavailable"),
        options={"retry_after": "1"},
    ),
    Fault(
        "500 with the error envelope",
        "server_error",
        EXIT_API,
        ("HTTP 500", "Something went wrong on our side"),
    ),
    Fault("500 without an envelope", "server_error_bare", EXIT_API, ("HTTP 500",)),
    Fault("502", "bad_gateway", EXIT_API, ("HTTP 502",)),
    Fault("504", "gateway_timeout", EXIT_API, ("HTTP 504",)),
    Fault("400", "bad_request", EXIT_USAGE, ("HTTP 400", "failed validation")),
    Fault("401", "unauthorized", EXIT_AUTH, ("HTTP 401", "POLYAI_API_KEY")),
    Fault("403", "forbidden", EXIT_AUTH, ("HTTP 403",)),
    Fault("404", "not_found", EXIT_NOT_FOUND, ("HTTP 404", "not found")),
]
FAULT_IDS = [f.name for f in FAULTS]
#: The faults the issue names, one each (the app runs these; the CLI runs them all).
ISSUE_FAULTS = [
    f
    for f in FAULTS
    if f.name
    not in {
        "truncated body",
        "closed without an answer",
        "headers slower than the timeout",
        "200 with binary garbage",
        "200 without conversationId",
        "503 with Retry-After",
        "502",
        "504",
        "400",
        "401",
        "403",
        "404",
    }
]
ISSUE_FAULT_IDS = [f.name for f in ISSUE_FAULTS]


def closed_port_url() -> str:
    """An http URL on 127.0.0.1 where nothing listens (the port was free a moment ago)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def arm(fault: Fault, server: DemoServer, other: DemoServer | None) -> str:
    """Make ``server`` misbehave as ``fault`` says; return the base URL polytui must use."""
    if fault.refused:
        return closed_port_url()
    options = dict(fault.options)
    if fault.elsewhere:
        assert other is not None, "a cross-origin redirect needs a second server"
        options["location"] = other.url + "/v1/agents/x/conversations/y"
    server.set_fault(fault.fault, **options)
    return server.url


def check_other_untouched(fault: Fault, other: DemoServer | None) -> None:
    if fault.elsewhere:
        assert other is not None and other.hits == 0, "the key followed a redirect elsewhere"


def error_lines(stderr: str) -> list[str]:
    """stderr without retry notices: what should be the one sentence of the error."""
    return [line for line in stderr.splitlines() if not RETRY_NOTICE.match(line)]


def check_one_sentence(fault: Fault, stderr: str) -> str:
    """stderr holds exactly one error line (besides retry notices) saying what ``fault`` says."""
    assert "Traceback" not in stderr and 'File "' not in stderr, stderr
    lines = error_lines(stderr)
    assert len(lines) == 1, stderr
    line = lines[0]
    assert line.startswith("polytui: "), line
    assert re.search(r"[.)]$", line), line
    for word in fault.words:
        assert word in line, (word, line)
    if fault.correlation:
        assert "correlation id " in line, line
    return line


# -- the store, byte for byte ----------------------------------------------------------------------


def db_file(data_dir: Path) -> Path:
    return data_dir / "polytui.sqlite3"


def stored_rows(db: Path, conversation_id: str) -> list[tuple[Any, ...]]:
    """Every column of the stored copy (its JSON included), read without changing the file."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute(
            "SELECT * FROM conversations AS c JOIN payloads AS p ON p.id = c.id "
            "WHERE c.conversation_id = ?",
            (conversation_id,),
        ).fetchall()


def store_files(data_dir: Path) -> dict[str, bytes]:
    """The bytes of the store and of its write-ahead log (none and empty count the same; the
    -shm file is SQLite's shared-memory index, rebuilt from these two, so it is left out)."""
    db = db_file(data_dir)
    wal = db.with_name(db.name + "-wal")
    return {"db": db.read_bytes(), "wal": wal.read_bytes() if wal.exists() else b""}


def integrity(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
