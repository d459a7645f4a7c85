"""Reading what a user points a command at (a file of IDs, a note from standard input), with a
bound: ``/dev/zero`` or a runaway pipe ends in one sentence, not in gigabytes of memory."""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import threading
from collections.abc import Iterator
from typing import BinaryIO, TextIO

from polytui.core.errors import UsageError
from polytui.core.text import clean_line

CHUNK = 1 << 16
WAIT_NOTICE_AFTER = 0.5  # seconds of silence from a pipe before polytui says it is waiting


def read_bounded(name: str, *, limit: int, what: str) -> bytes:
    """The bytes of file ``name`` ('-' for standard input), at most ``limit`` of them; a longer
    input is a UsageError naming ``what`` and the limit."""
    shown = "standard input" if name == "-" else name
    try:
        data = read_upto(name, limit)
    except OSError as exc:
        raise UsageError(f"Cannot read {what} from {shown}: {exc.strerror or exc}.") from None
    if len(data) > limit:
        raise UsageError(f"{shown} holds more {what} than polytui reads ({_size(limit)} at most).")
    return data


def read_upto(name: str, limit: int) -> bytes:
    """At most ``limit + 1`` bytes of file ``name`` ('-' for standard input): more than
    ``limit`` means the input is too long. Read in chunks, so nothing past that is ever held;
    OSError as raised."""
    if name == "-":  # the bytes under a text stdin (a text-only one, e.g. in tests, as is)
        return _read(getattr(sys.stdin, "buffer", sys.stdin), limit)
    with _said_if_waiting(name), open(name, "rb") as handle:
        return _read(handle, limit)


@contextlib.contextmanager
def _said_if_waiting(name: str) -> Iterator[None]:
    """A named pipe (or ``<(command)``) is read as it comes, however long that takes, but not
    in silence: when nothing has come after ``WAIT_NOTICE_AFTER`` seconds (no program has
    opened it to write, or the one that did is slow), one line says what polytui waits for."""
    try:
        is_pipe = stat.S_ISFIFO(os.stat(name).st_mode)
    except (OSError, ValueError):
        is_pipe = False  # open() says what is wrong with it
    if not is_pipe:
        yield
        return
    notice = threading.Timer(
        WAIT_NOTICE_AFTER,
        lambda: print(
            f"polytui: waiting for input from {clean_line(name)} (a pipe: polytui reads what a "
            "program writes into it; Ctrl+C stops).",
            file=sys.stderr,
            flush=True,
        ),
    )
    notice.daemon = True
    notice.start()
    try:
        yield
    finally:
        notice.cancel()


def _read(handle: BinaryIO | TextIO, limit: int) -> bytes:
    parts: list[bytes] = []
    size = 0
    while size <= limit:
        read = handle.read(min(CHUNK, limit + 1 - size))
        chunk = read.encode("utf-8", "surrogateescape") if isinstance(read, str) else read
        if not chunk:
            break
        parts.append(chunk)
        size += len(chunk)
    return b"".join(parts)


def _size(limit: int) -> str:
    if limit >= 1 << 20:
        return f"{limit >> 20} MiB"
    return f"{limit >> 10} KiB"
