"""Opening the SQLite file: private permissions, pragmas, migrations, recovery from a damaged
file, retries while another process writes, and sqlite errors as one-sentence StoreErrors."""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import stat
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from polytui.core.errors import StoreError
from polytui.files import make_private_dir

from .schema import NewerSchemaError, compact, migrate

T = TypeVar("T")

BUSY_TIMEOUT_SECONDS = 15.0  # SQLite waits this long for a lock before answering SQLITE_BUSY
RETRY_SECONDS = 30.0  # ... and we retry a transaction that still met SQLITE_BUSY this long

# Primary SQLite result codes (the exception's sqlite_errorcode is the extended code).
SQLITE_PERM, SQLITE_BUSY, SQLITE_LOCKED, SQLITE_READONLY = 3, 5, 6, 8
SQLITE_IOERR, SQLITE_CORRUPT, SQLITE_FULL, SQLITE_CANTOPEN, SQLITE_NOTADB = 10, 11, 13, 14, 26


def _code(exc: BaseException) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return None if code is None else code & 0xFF


def is_busy(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and (
        _code(exc) in (SQLITE_BUSY, SQLITE_LOCKED) or "database is locked" in str(exc)
    )


def is_corrupt(exc: BaseException) -> bool:
    if not isinstance(exc, sqlite3.DatabaseError):
        return False
    text = str(exc).lower()
    return (
        _code(exc) in (SQLITE_CORRUPT, SQLITE_NOTADB)
        or "malformed" in text
        or "not a database" in text
    )


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return "the disk is full"
        if exc.errno == errno.EROFS:
            return "it is on a read-only file system"
        if exc.errno in (errno.EACCES, errno.EPERM):
            return "permission denied"
        return (exc.strerror or str(exc)).rstrip(".").lower()
    code = _code(exc)
    if code == SQLITE_FULL:
        return "the disk is full"
    if code == SQLITE_READONLY:
        return "it is read-only"
    if code == SQLITE_PERM:
        return "permission denied"
    if code == SQLITE_CANTOPEN:
        return "the file or its directory cannot be opened (check its permissions)"
    if code == SQLITE_IOERR:
        return "the disk reported an input/output error"
    if is_busy(exc):
        return "another polytui process kept it locked for too long"
    if isinstance(exc, UnicodeError):
        return "the conversation holds text that is not valid Unicode"
    return str(exc).rstrip(".") or type(exc).__name__


def store_error(path: Path, action: str, exc: BaseException) -> StoreError:
    """``Cannot <action> the store at <path>: <reason>.``"""
    return StoreError(f"Cannot {action} the store at {path}: {_reason(exc)}.")


def retry_busy(operation: Callable[[], T]) -> T:
    """Run ``operation``; while it fails with SQLITE_BUSY, back off and run it again."""
    deadline = time.monotonic() + RETRY_SECONDS
    delay = 0.005
    while True:
        try:
            return operation()
        except sqlite3.OperationalError as exc:
            if not is_busy(exc) or time.monotonic() >= deadline:
                raise
        import random  # only when the database is busy

        time.sleep(delay + random.uniform(0, delay))
        delay = min(delay * 2, 0.25)


def _make_private(path: Path, warn: Callable[[str], None], *, create: bool) -> None:
    """Make ``path`` mode 0600 (creating it when ``create``) whatever the umask.

    Never opens an existing file: closing any descriptor of a file drops every POSIX lock this
    process holds on it, including SQLite's own (see "How To Corrupt An SQLite Database File").
    """
    if create and not os.path.lexists(path):
        flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
        with contextlib.suppress(FileExistsError):  # another process created it first: fine
            os.close(os.open(path, flags, 0o600))  # brand new, so no lock of ours is on it
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        if create:
            raise
        return
    if not stat.S_ISREG(mode):
        raise StoreError(f"Cannot open the store at {path}: it is not a regular file.")
    if mode & 0o777 != 0o600:
        try:
            os.chmod(path, 0o600)
        except OSError as exc:
            warn(f"Could not make {path} private to you ({_reason(exc)}); other users may read it.")


def sidecars(path: Path) -> list[Path]:
    return [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")]


def _prepare(conn: sqlite3.Connection, announce: Callable[[str], None]) -> None:
    """Pragmas and migrations; reads the file for the first time, so damage shows here."""
    conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000):d}")
    conn.execute("PRAGMA journal_mode = WAL").fetchall()
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    if migrate(conn, announce):
        compact(conn)
    # Reads the schema and the first table page: a damaged file fails here, not later.
    conn.execute("SELECT 1 FROM conversations LIMIT 1").fetchall()


def move_aside(path: Path, warn: Callable[[str], None]) -> Path:
    """Rename a damaged store (and its -wal/-shm) to ``<name>.corrupt-<UTC time>``."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    serial = 1
    while target.exists():
        serial += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{serial}")
    try:
        for source, dest in zip([path, *sidecars(path)], [target, *sidecars(target)], strict=True):
            if source.exists():
                os.replace(source, dest)
    except OSError as exc:
        reason = _reason(exc)
        raise StoreError(f"Cannot move the damaged store at {path} aside: {reason}.") from None
    warn(
        f"The store at {path} was damaged and could not be read; it was moved to {target} "
        "and a new, empty store was started."
    )
    return target


def open_database(path: Path, warn: Callable[[str], None]) -> sqlite3.Connection:
    """Open (creating if needed) the store at ``path``; a damaged file is moved aside once."""
    for attempt in (1, 2):
        try:
            make_private_dir(path.parent)
            _make_private(path, warn, create=True)
        except OSError as exc:
            raise store_error(path, "create" if not path.exists() else "open", exc) from None
        try:
            conn = sqlite3.connect(
                str(path),
                timeout=BUSY_TIMEOUT_SECONDS,
                isolation_level=None,  # autocommit: transactions are explicit BEGIN IMMEDIATE
                check_same_thread=False,  # the Store serialises use with its own lock
            )
        except sqlite3.Error as exc:
            raise store_error(path, "open", exc) from None
        try:
            retry_busy(lambda: _prepare(conn, warn))  # noqa: B023 - called before conn changes
        except sqlite3.DatabaseError as exc:
            if attempt == 1 and is_corrupt(exc):
                move_aside(path, warn)  # before close(), which would delete the -wal
                conn.close()
                continue
            conn.close()
            raise store_error(path, "open", exc) from None
        except NewerSchemaError as exc:
            conn.close()
            raise StoreError(
                f"The store at {path} was written by a newer polytui (schema version "
                f"{exc.version}); upgrade polytui or move the file away."
            ) from None
        except BaseException:
            conn.close()
            raise
        for sidecar in sidecars(path):
            _make_private(sidecar, warn, create=False)
        return conn
    raise AssertionError("unreachable: the second attempt returns or raises")
