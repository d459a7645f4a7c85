"""Writing files that hold customer data: private to the user (0600) and atomic."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from .core.errors import StoreError


def write_private(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically with mode 0600; return the absolute path.

    A failure leaves any previous file at ``path`` untouched and raises StoreError with one
    plain sentence.
    """
    path = Path(path).expanduser()
    directory = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise StoreError(f"Cannot write {path}: {exc.strerror or exc}.") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise StoreError(f"Cannot write {path}: {exc.strerror or exc}.") from None
    return path.resolve()
