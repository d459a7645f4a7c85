"""Test helpers shared by several test files (not fixtures: plain functions)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import zlib
from pathlib import Path

from polytui.cli import main

SECRET_KEY = "test-key-3f9a1c77"


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    """Run ``polytui`` in-process; return (exit code, stdout, stderr)."""
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def polytui_command() -> list[str]:
    """The installed ``polytui`` console script (falls back to ``python -m polytui``)."""
    script = Path(sys.executable).with_name("polytui")
    if script.exists():
        return [str(script)]
    found = shutil.which("polytui")
    return [found] if found else [sys.executable, "-m", "polytui"]


def run_process(
    *args: str, env: dict[str, str] | None = None, stdin: str | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [*polytui_command(), *args],
        capture_output=True,
        text=True,
        env=full_env,
        input=stdin,
        timeout=timeout,
    )


# -- what the store holds, read with plain SQL (one place that knows how a payload is kept) ---

_PAYLOADS = (
    "SELECT c.conversation_id, p.body FROM conversations AS c JOIN payloads AS p ON p.id = c.id "
    "ORDER BY c.id"
)


def stored_payloads(conn: sqlite3.Connection) -> dict[str, str]:
    """conversation id -> the JSON text the store keeps for it (unpacked: it is zlib'd)."""
    return {cid: zlib.decompress(body).decode("utf-8") for cid, body in conn.execute(_PAYLOADS)}


def replace_payload(conn: sqlite3.Connection, conversation_id: str, raw: str | bytes) -> None:
    """Overwrite what is kept for ``conversation_id`` (as damage or a hand edit would): ``raw``
    text is packed as the store packs it, bytes are kept as they are."""
    body = raw if isinstance(raw, bytes) else zlib.compress(raw.encode("utf-8"))
    conn.execute(
        "UPDATE payloads SET body = ? "
        "WHERE id IN (SELECT id FROM conversations WHERE conversation_id = ?)",
        (body, conversation_id),
    )
