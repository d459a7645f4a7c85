"""A recording's download, as ``ApiClient.fetch_recording`` streams it: to disk, never whole
in memory, and never over a good file with a bad one.

- The body goes into a hidden temporary file beside the target (``.<name>.<random>.part``,
  0600 from its creation; the folder made 0700 when missing, and removed again when a failure
  leaves it empty), in batches of ``BATCH`` bytes written off the event loop.
- Its decoded size is capped by the client (``max_audio_bytes``, 512 MiB by default).
- Only a whole, readable WAV (``polytui.core.wav``: the sound runs as far as its header says)
  is flushed to disk and renamed over the target; anything else is removed with one sentence.
  Another attempt (a retry) starts the file afresh.
- The client's deadline for an attempt (twice the timeout) moves on by one second for every
  ``MIN_RATE`` bytes received: a large recording coming steadily is not cut off, a server
  dripping it slower than that still fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from pathlib import Path
from typing import IO

from polytui.core.errors import BadPayloadError, StoreError
from polytui.core.wav import NotWav, read_info
from polytui.files import make_private_dir

BATCH = 1 << 20  # bytes gathered before each write to disk
MIN_RATE = 32 * 1024  # bytes a second that keep a download's deadline moving


def _reason(exc: OSError) -> str:
    return (exc.strerror or str(exc)).rstrip(".").lower()


class WavDownload:
    """The body sink of one recording's download into ``target``.

    ``said`` starts the sentence of a refusal ("The API at h answered the request for the
    recording of 'CA1' with"); ``limit`` is the size cap; ``patience`` the attempt's deadline."""

    def __init__(self, target: Path, limit: int, patience: float, said: str) -> None:
        self.target = Path(target)
        self.limit = limit
        self._patience = patience
        self._said = said
        self._temp: Path | None = None
        self._file: IO[bytes] | None = None
        self._pending: list[bytes] = []
        self._pending_size = 0
        self._size = 0
        self._deadline: asyncio.Timeout | None = None
        self._started = 0.0

    # -- one attempt ------------------------------------------------------------------------------

    async def restart(self, deadline: asyncio.Timeout | None) -> None:
        """Start (again) with an empty hidden file; ``deadline`` moves on as bytes come."""
        self._pending, self._pending_size, self._size = [], 0, 0
        self._deadline = deadline
        self._started = asyncio.get_running_loop().time()
        await asyncio.to_thread(self._empty_file)

    def _empty_file(self) -> None:
        try:
            if self._file is None:
                make_private_dir(self.target.parent)
                fd, name = tempfile.mkstemp(
                    prefix=f".{self.target.name}.", suffix=".part", dir=self.target.parent
                )
                self._temp, self._file = Path(name), os.fdopen(fd, "w+b")
            else:
                self._file.seek(0)
                self._file.truncate()
        except OSError as exc:
            raise self._cannot_save(exc) from None

    async def write(self, data: bytes) -> None:
        self._pending.append(data)
        self._pending_size += len(data)
        self._size += len(data)
        if self._pending_size >= BATCH:
            await self._flush()
        if self._deadline is not None and self._deadline.when() is not None:
            allowed = self._started + self._patience + self._size / MIN_RATE
            self._deadline.reschedule(max(self._deadline.when() or allowed, allowed))

    async def _flush(self) -> None:
        data, self._pending, self._pending_size = b"".join(self._pending), [], 0
        if data:
            await asyncio.to_thread(self._write, data)

    def _write(self, data: bytes) -> None:
        assert self._file is not None
        try:
            self._file.write(data)
        except OSError as exc:
            raise self._cannot_save(exc) from None

    async def finish(self, status: int, correlation_id: str | None) -> int:
        """Check the file is a whole WAV, put it in place, and return its size in bytes."""
        await self._flush()
        return await asyncio.to_thread(self._finish, status, correlation_id)

    def _finish(self, status: int, correlation_id: str | None) -> int:
        assert self._file is not None and self._temp is not None
        try:
            self._file.flush()
            self._file.seek(0)
            read_info(self._file, self._size)
        except NotWav as exc:
            raise BadPayloadError(
                f"{self._said} a file that is not a whole WAV recording: {exc.reason}; "
                "nothing was saved.",
                status=status,
                correlation_id=correlation_id,
            ) from None
        except OSError as exc:
            raise self._cannot_save(exc) from None
        try:
            os.fsync(self._file.fileno())
            self._file.close()
            self._file = None
            os.replace(self._temp, self.target)
        except OSError as exc:
            raise self._cannot_save(exc) from None
        self._temp = None
        return self._size

    async def discard(self) -> None:
        """Remove what is left of an attempt that did not finish (nothing after ``finish``)."""
        await asyncio.to_thread(self._discard)

    def _discard(self) -> None:
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.close()
            self._file = None
        if self._temp is not None:
            with contextlib.suppress(OSError):
                self._temp.unlink()
            self._temp = None
            with contextlib.suppress(OSError):
                self.target.parent.rmdir()  # fails, harmlessly, unless nothing else is there

    def _cannot_save(self, exc: OSError) -> StoreError:
        return StoreError(f"Cannot save the recording to {self.target}: {_reason(exc)}.")
