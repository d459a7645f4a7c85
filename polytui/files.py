"""Writing files that hold customer data: private to the user (0600) and atomic.

Only a regular file (or a name not taken yet) is replaced, through a temporary file renamed
over it. A FIFO or a character device (``/dev/null``, ``/dev/stdout``, a pipe) is written into
as it is, never renamed over; anything else that is not a regular file (a folder, a socket, a
block device) is refused, as is polytui's own store. A symlink is followed: its target gets
the new contents and the link stays."""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import IO

from .core.errors import StoreError, UsageError

# The files SQLite keeps beside a database.
_STORE_SUFFIXES = ("", "-wal", "-shm", "-journal")


def make_private_dir(directory: Path) -> None:
    """Create ``directory`` (and missing parents) as 0700 whatever the umask."""
    missing: list[Path] = []
    current = directory
    while not current.exists() and current != current.parent:
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        folder.mkdir(mode=0o700, exist_ok=True)
        os.chmod(folder, 0o700)


def write_private(path: Path, text: str, *, store: Path | None = None) -> Path:
    """Write ``text`` to ``path`` with mode 0600; return the absolute path written.

    ``store``: the database an export must never overwrite. A failure leaves any previous file
    at ``path`` untouched and raises StoreError (or UsageError for a path that cannot be an
    output) with one plain sentence.
    """
    data = text.encode("utf-8")
    return _write(path, store, lambda handle: handle.write(data))


def copy_private(source: Path, path: Path, *, store: Path | None = None) -> Path:
    """Copy the file ``source`` (a recording, say) to ``path`` under the rules of
    ``write_private``, a block at a time; return the absolute path written."""
    try:
        reader = open(source, "rb")  # noqa: SIM115 - closed below, after the copy
    except OSError as exc:
        raise StoreError(f"Cannot read {source}: {exc.strerror or exc}.") from None
    with reader:
        import shutil

        return _write(path, store, lambda handle: shutil.copyfileobj(reader, handle, 1 << 20))


def _write(path: Path, store: Path | None, fill: Callable[[IO[bytes]], object]) -> Path:
    kind, target = _output(path, store)
    return _write_into(target, fill) if kind == "stream" else _replace(target, fill)


def check_output(path: Path, *, store: Path | None = None) -> None:
    """Raise what ``write_private`` would refuse ``path`` for, before any work is done."""
    _output(path, store)


def _output(path: Path, store: Path | None) -> tuple[str, Path]:
    """("stream", path) for a FIFO or a device, ("file", target) for a regular file or a new
    name (a symlink's target); refuses everything else."""
    if not str(path).strip():
        raise UsageError("The output file name is empty.")
    path = Path(path).expanduser()
    try:
        st = os.stat(path)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise StoreError(f"Cannot write {path}: {exc.strerror or exc}.") from None
    if st is not None:
        if stat.S_ISFIFO(st.st_mode) or stat.S_ISCHR(st.st_mode):
            return "stream", path
        if stat.S_ISDIR(st.st_mode):
            raise UsageError(f"Cannot write {path}: it is a folder; give a file name.")
        if not stat.S_ISREG(st.st_mode):
            raise UsageError(f"Cannot write {path}: it is not a regular file.")
    target = path.resolve() if path.is_symlink() else path
    if store is not None and _is_store(target, store):
        raise UsageError(f"Cannot write {path}: it is polytui's own store.")
    return "file", target


def _is_store(target: Path, store: Path) -> bool:
    here = os.path.abspath(target)
    for suffix in _STORE_SUFFIXES:
        candidate = Path(str(store) + suffix)
        if os.path.abspath(candidate) == here:
            return True
        with contextlib.suppress(OSError):
            if os.path.samefile(candidate, target):
                return True
    return False


def _write_into(path: Path, fill: Callable[[IO[bytes]], object]) -> Path:
    """Write into a FIFO or a device as it is (no temporary file, no chmod)."""
    try:
        with open(path, "wb") as handle:
            fill(handle)
    except OSError as exc:
        raise StoreError(f"Cannot write {path}: {exc.strerror or exc}.") from None
    return Path(os.path.abspath(path))


def _replace(path: Path, fill: Callable[[IO[bytes]], object]) -> Path:
    directory = path.parent if str(path.parent) else Path(".")
    try:
        import tempfile  # only where a file is written: not for every store opened

        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise StoreError(f"Cannot write {path}: {exc.strerror or exc}.") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o600)
            fill(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise StoreError(f"Cannot write {path}: {exc.strerror or exc}.") from None
    return path.resolve()
