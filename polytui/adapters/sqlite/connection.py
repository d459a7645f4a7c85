"""Opening the SQLite file: private permissions, pragmas, migrations, recovery from a damaged
file, retries while another process writes, and sqlite errors as one-sentence StoreErrors.

The file is the user's: a store they made read-only (no owner write bit) is opened for reading
and never written or re-moded; a store that is a symbolic link is refused unless the config
says to follow it (then the link's target is the store, and is never moved aside); and a store
that cannot be written (a full disk, a read-only folder) is still read."""

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

from polytui.core.errors import StoreError, StoreInterrupted
from polytui.files import make_private_dir

from .schema import NewerSchemaError, compact, migrate

T = TypeVar("T")

# SQLite waits this long for a lock before answering SQLITE_BUSY; the waiting beyond is done
# by retry_busy, in Python, so that Ctrl+C and SIGTERM end a wait at once (a signal's handler
# runs only between Python steps, never inside SQLite's own sleep).
BUSY_TIMEOUT_SECONDS = 0.1
RETRY_SECONDS = 30.0  # ... and we retry a transaction that met SQLITE_BUSY this long
SAY_WAITING_AFTER = 1.0  # seconds of waiting before the store says it is waiting

# Primary SQLite result codes (the exception's sqlite_errorcode is the extended code).
SQLITE_PERM, SQLITE_BUSY, SQLITE_LOCKED, SQLITE_READONLY = 3, 5, 6, 8
SQLITE_IOERR, SQLITE_CORRUPT, SQLITE_FULL, SQLITE_CANTOPEN, SQLITE_NOTADB = 10, 11, 13, 14, 26


class StoreConnection(sqlite3.Connection):
    """A connection that knows the file it opened and whether polytui may write to it."""

    path: Path  # the file opened: a followed link's target
    read_only: str | None = None  # why polytui may not write to it; None when it may
    linked: bool = False  # opened through a symbolic link (so never moved aside)


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
        return f"another process kept it locked for over {RETRY_SECONDS:g} s"
    if isinstance(exc, UnicodeError):
        return "the conversation holds text that is not valid Unicode"
    return str(exc).rstrip(".") or type(exc).__name__


def store_error(path: Path, action: str, exc: BaseException) -> StoreError:
    """``Cannot <action> the store at <path>: <reason>.``; StoreInterrupted when a signal
    stopped the statement (``_let_signals_in``)."""
    message = f"Cannot {action} the store at {path}: {_reason(exc)}."
    if isinstance(exc, sqlite3.OperationalError) and str(exc) == "interrupted":
        return StoreInterrupted(message)
    return StoreError(message)


def retry_busy(operation: Callable[[], T], waiting: Callable[[], None] | None = None) -> T:
    """Run ``operation``; while it fails with SQLITE_BUSY, back off and run it again (up to
    RETRY_SECONDS). ``waiting`` is called once the wait has lasted SAY_WAITING_AFTER."""
    started = time.monotonic()
    deadline = started + RETRY_SECONDS
    delay = 0.005
    while True:
        try:
            return operation()
        except sqlite3.OperationalError as exc:
            now = time.monotonic()
            if not is_busy(exc) or now >= deadline:
                raise
            if waiting is not None and now - started >= SAY_WAITING_AFTER:
                waiting()
                waiting = None
        import random  # only when the database is busy

        time.sleep(delay + random.uniform(0, delay))
        delay = min(delay * 2, 0.25)


def _tighten_dir(directory: Path, warn: Callable[[str], None]) -> None:
    """An existing ``directory`` holding the store that others may enter is made 0700 when it
    is ours and not a shared folder (sticky, as /tmp); else it is named in a warning."""
    info = os.stat(directory)
    if not info.st_mode & 0o077:
        return
    if info.st_uid == os.geteuid() and not info.st_mode & stat.S_ISVTX:
        with contextlib.suppress(OSError):  # a read-only folder: the warning below says so
            os.chmod(directory, stat.S_IMODE(info.st_mode) & 0o700)
            return
    warn(
        f"The folder {directory} holding the store can be opened by other users "
        f"(mode {stat.S_IMODE(info.st_mode):04o}); polytui could not make it private to you."
    )


def _make_private(path: Path, warn: Callable[[str], None], *, create: bool) -> None:
    """Make ``path`` private to its owner (creating it 0600 when ``create``) whatever the
    umask: group and other bits are taken away, none is added (a 0400 store stays 0400).

    Never opens an existing file: closing any descriptor of a file drops every POSIX lock this
    process holds on it, including SQLite's own (see "How To Corrupt An SQLite Database File").
    """
    if create and not os.path.lexists(path):
        flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
        with contextlib.suppress(FileExistsError):  # another process created it first: fine
            made = os.open(path, flags, 0o600)  # brand new, so no lock of ours is on it
            try:
                os.fchmod(made, 0o600)  # whatever the umask took away (0o277 would give 0400)
            finally:
                os.close(made)
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        if create:
            raise
        return
    if not stat.S_ISREG(mode):
        raise StoreError(f"Cannot open the store at {path}: it is not a regular file.")
    if mode & 0o077:
        try:
            os.chmod(path, stat.S_IMODE(mode) & 0o700)
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


def _store_file(path: Path, follow_link: bool) -> tuple[Path, bool]:
    """The file to open for the store at ``path``, and whether a link led there. A link is
    refused unless followed by configuration; a linked -wal or -shm always is (SQLite would
    not open it, and polytui would change its target's mode)."""
    shown, linked = path, path.is_symlink()
    if linked:
        target = os.path.realpath(path)
        if not follow_link:
            raise StoreError(
                f"The store at {path} is a symbolic link (to {target}); polytui does not follow "
                "it, so that it never changes another file. Point POLYTUI_DATA_DIR at the "
                "store's real folder, or set follow_store_symlink = true in the config file."
            )
        path = Path(target)
        if not _may_be_a_store(path):
            raise _damaged_link(shown, path)
    for sidecar in sidecars(path):
        if sidecar.is_symlink():
            raise StoreError(
                f"Cannot open the store at {path}: {sidecar.name} beside it is a symbolic link; "
                "polytui will not write through it. Remove it (SQLite makes a new one)."
            )
    return path, linked


def _may_be_a_store(path: Path) -> bool:
    """False for a regular file that is plainly not an SQLite database (its first bytes say
    so). Read before SQLite opens it in this process, so closing it drops no lock of ours."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return True  # a FIFO or a device is never opened here; _make_private refuses it
        with open(path, "rb") as handle:
            head = handle.read(16)
    except OSError:
        return True  # missing (it is made) or unreadable (SQLite's own error says more)
    return head in (b"", b"SQLite format 3\0")


def _owner_read_only(path: Path) -> str | None:
    """Why a store the user made read-only may not be written (None when it may)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode) and not mode & stat.S_IWUSR:
        return (
            f"it is read-only (mode {stat.S_IMODE(mode):04o}); to let polytui keep calls "
            f"and notes, run: chmod 600 {path}"
        )
    return None


def _cannot_write_here(path: Path, exc: BaseException) -> str | None:
    """Why the store's folder cannot take a write, when ``exc`` (met opening the store for
    writing) says so and the store itself is there to be read; None for any other failure."""
    if isinstance(exc, OSError):
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM):
            return None
    elif _code(exc) not in (SQLITE_FULL, SQLITE_IOERR, SQLITE_CANTOPEN, SQLITE_READONLY):
        return None
    try:
        if not stat.S_ISREG(os.stat(path).st_mode) or os.path.getsize(path) == 0:
            return None
        disk = os.statvfs(path.parent)
    except OSError:
        return None
    if disk.f_flag & os.ST_RDONLY:
        return "it is on a read-only file system"
    if disk.f_bavail * disk.f_frsize < 1 << 20:
        return "the disk is full"
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "the disk is full"
    return f"its folder {path.parent} cannot be written to"


PROGRESS_STEPS = 20_000  # SQLite steps between calls of _let_signals_in


def _let_signals_in() -> int:
    """Called by SQLite every PROGRESS_STEPS steps of a statement. Running any Python here lets
    a pending signal's handler run (Ctrl+C, SIGTERM): its exception stops the statement, which
    ends as "interrupted". Without it a long query (a search of thousands of words) held the
    process, deaf to signals, until SQLite finished."""
    return 0


def _connect(target: str, *, uri: bool = False) -> StoreConnection:
    conn = sqlite3.connect(
        target,
        timeout=BUSY_TIMEOUT_SECONDS,
        isolation_level=None,  # autocommit: transactions are explicit BEGIN IMMEDIATE
        check_same_thread=False,  # the Store serialises use with its own lock
        uri=uri,
        factory=StoreConnection,
    )
    assert isinstance(conn, StoreConnection)
    conn.set_progress_handler(_let_signals_in, PROGRESS_STEPS)
    return conn


def _newer_schema(path: Path, exc: NewerSchemaError) -> StoreError:
    return StoreError(
        f"The store at {path} was written by a newer polytui (schema version "
        f"{exc.version}); upgrade polytui or move the file away."
    )


def open_database(
    path: Path, warn: Callable[[str], None], *, follow_link: bool = False
) -> StoreConnection:
    """Open (creating if needed) the store at ``path``; a damaged file is moved aside once.
    A store polytui may not write to (see the module's doc) is opened for reading only."""
    shown = path
    path, linked = _store_file(path, follow_link)
    reason = _owner_read_only(path)
    if reason is None:
        try:
            conn = _open_writable(path, shown, linked, warn)
        except _CannotWrite as failed:
            reason = _cannot_write_here(path, failed.cause)
            if reason is None:
                raise store_error(shown, failed.action, failed.cause) from None
            if reason == "the disk is full":
                warn(
                    f"The disk holding the store at {shown} is full: stored calls can be read, "
                    "but nothing new can be kept until space is freed."
                )
        else:
            conn.path, conn.linked = path, linked
            return conn
    conn = _open_read_only(path, shown, reason)
    conn.path, conn.linked, conn.read_only = path, linked, reason
    return conn


class _CannotWrite(Exception):
    def __init__(self, action: str, cause: BaseException) -> None:
        super().__init__(action)
        self.action, self.cause = action, cause


def _open_writable(
    path: Path, shown: Path, linked: bool, warn: Callable[[str], None]
) -> StoreConnection:
    for attempt in (1, 2):
        try:
            folder_existed = shown.parent.is_dir()
            make_private_dir(shown.parent)
            if folder_existed:
                _tighten_dir(shown.parent, warn)
            if linked:  # the link's target folder: made if missing, never re-moded
                make_private_dir(path.parent)
            _make_private(path, warn, create=True)
        except OSError as exc:
            raise _CannotWrite("create" if not path.exists() else "open", exc) from None
        try:
            conn = _connect(str(path))
        except sqlite3.Error as exc:
            raise _CannotWrite("open", exc) from None
        try:
            retry_busy(lambda: _prepare(conn, warn))  # noqa: B023 - called before conn changes
        except sqlite3.DatabaseError as exc:
            if attempt == 1 and is_corrupt(exc):
                if linked:
                    conn.close()
                    raise _damaged_link(shown, path) from None
                move_aside(path, warn)  # before close(), which would delete the -wal
                conn.close()
                continue
            conn.close()
            raise _CannotWrite("open", exc) from None
        except NewerSchemaError as exc:
            conn.close()
            raise _newer_schema(shown, exc) from None
        except BaseException:
            conn.close()
            raise
        for sidecar in sidecars(path):
            _make_private(sidecar, warn, create=False)
        return conn
    raise AssertionError("unreachable: the second attempt returns or raises")


def _damaged_link(shown: Path, target: Path) -> StoreError:
    return StoreError(
        f"The store at {shown} links to {target}, which is not a polytui store or is damaged; "
        "polytui leaves a linked file as it is: move it away yourself."
    )


def _left_damaged(path: Path, reason: str) -> StoreError:
    return StoreError(
        f"Cannot read the store at {path}: it is damaged, and polytui leaves it as it is "
        f"because {reason}."
    )


def _open_read_only(path: Path, shown: Path, reason: str) -> StoreConnection:
    """The store opened for reading only: through its -wal when SQLite can use it, else (no
    -wal to read: a full disk cannot make the -shm) as an unchanging file."""
    from urllib.parse import quote

    wal = sidecars(path)[0]
    uris = [f"file:{quote(str(path))}?mode=ro"]
    if not wal.exists() or wal.stat().st_size == 0:
        uris.append(f"file:{quote(str(path))}?mode=ro&immutable=1")
    failure: BaseException | None = None
    for uri in uris:
        conn: StoreConnection | None = None
        try:
            conn = _connect(uri, uri=True)
            retry_busy(lambda: _check_readable(conn))  # noqa: B023 - called before conn changes
            return conn
        except NewerSchemaError as exc:
            if conn is not None:
                conn.close()
            raise _newer_schema(shown, exc) from None
        except sqlite3.Error as exc:
            if conn is not None:
                conn.close()
            if is_corrupt(exc):
                raise _left_damaged(shown, reason) from None
            failure = exc
    assert failure is not None
    raise StoreError(f"Cannot open the store at {shown}: {reason}, and {_reason(failure)}.")


def _check_readable(conn: sqlite3.Connection) -> None:
    """A read-only store's schema must be the one this polytui reads (none can be migrated)."""
    from .schema import SCHEMA_VERSION, user_version

    conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000):d}")
    version = user_version(conn)
    if version > SCHEMA_VERSION:
        raise NewerSchemaError(version)
    if version < SCHEMA_VERSION:
        raise sqlite3.OperationalError(
            "it was written by an older polytui and must be writable once to be updated"
        )
    conn.execute("SELECT 1 FROM conversations LIMIT 1").fetchall()


def refuse_write(conn: sqlite3.Connection, path: Path) -> None:
    """StoreError before any write to a store opened for reading only, saying why."""
    reason = getattr(conn, "read_only", None)
    if reason:
        raise StoreError(f"Cannot write to the store at {path}: {reason}.")


def refuse_afresh(conn: sqlite3.Connection, path: Path) -> None:
    """StoreError when a damaged page turned up in a store polytui must not move aside and
    replace: one opened read-only, or reached through a symbolic link."""
    reason = getattr(conn, "read_only", None)
    if reason:
        raise _left_damaged(path, reason)
    if getattr(conn, "linked", False):
        raise _damaged_link(path, getattr(conn, "path", path))
