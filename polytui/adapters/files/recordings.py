"""The recordings fetched, as WAV files in a folder private to the user (normally
``recordings/`` beside the SQLite store).

Layout: ``<root>/<call>/<agent>.<direction>[.redacted].wav`` (folders made by the download), where ``<call>`` and ``<agent>``
are the IDs' letters, digits, ``-`` and ``_`` (at most 40) and 16 hex digits of their SHA-256:
readable, never a path outside the folder whatever an ID holds, and never a secret (only IDs
go into a name). Folders are 0700 and files 0600 whatever the umask. A download in progress is
a hidden file (its name starts with ``.``) beside its target; it is never counted, and
``clear`` (or ``prune``, once old) removes one left behind by a crash.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import stat
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from polytui.core.errors import StoreError
from polytui.core.ports import Recording, RecordingKey
from polytui.core.wav import NotWav, wav_info

SUFFIX = ".wav"
_READABLE = 40


def slug(identifier: str) -> str:
    """A file name for an ID: its safe characters, then a hash of the whole ID."""
    readable = "".join(ch for ch in identifier if ch.isascii() and (ch.isalnum() or ch in "-_"))
    digest = hashlib.sha256(identifier.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"{readable[:_READABLE]}-{digest}" if readable else digest


def file_name(key: RecordingKey) -> str:
    redacted = ".redacted" if key.redacted else ""
    return f"{slug(key.agent)}.{key.direction}{redacted}{SUFFIX}"


def _reason(exc: OSError) -> str:
    return (exc.strerror or str(exc)).rstrip(".").lower()


class RecordingFolder:
    """``RecordingCache`` over the folder ``root`` (made, 0700, when first written to)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def close(self) -> None:
        """Nothing stays open between calls."""

    # -- one recording -------------------------------------------------------------------------

    def path_for(self, key: RecordingKey) -> Path:
        return self.root / slug(key.conversation_id) / file_name(key)

    def get(self, key: RecordingKey) -> Recording | None:
        path = self.root / slug(key.conversation_id) / file_name(key)
        try:
            st = os.stat(path)
            if not stat.S_ISREG(st.st_mode):
                return None
            wav_info(path)
        except (OSError, NotWav):
            return None  # none, or damaged: fetched again over it
        when = datetime.fromtimestamp(st.st_mtime, UTC)
        return Recording(key, path.absolute(), st.st_size, when)

    # -- many ----------------------------------------------------------------------------------

    def _folders(self, conversation_ids: Iterable[str] | None) -> list[Path]:
        if conversation_ids is not None:
            return [self.root / slug(cid) for cid in dict.fromkeys(conversation_ids)]
        try:
            return [entry for entry in self.root.iterdir() if entry.is_dir()]
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise StoreError(
                f"Cannot read the recordings in {self.root}: {_reason(exc)}."
            ) from None

    @staticmethod
    def _files(folder: Path) -> Iterator[tuple[Path, float, bool]]:
        """(path, modified time, is a finished recording) of each file in ``folder``."""
        try:
            entries = list(os.scandir(folder))
        except (FileNotFoundError, NotADirectoryError):
            return
        for entry in entries:
            with contextlib.suppress(OSError):
                if entry.is_file(follow_symlinks=False):
                    finished = not entry.name.startswith(".") and entry.name.endswith(SUFFIX)
                    yield Path(entry.path), entry.stat(follow_symlinks=False).st_mtime, finished

    def count(
        self, *, older_than: datetime | None = None, conversation_ids: Iterable[str] | None = None
    ) -> int:
        cutoff = older_than.timestamp() if older_than is not None else None
        return sum(
            1
            for folder in self._folders(conversation_ids)
            for _path, mtime, finished in self._files(folder)
            if finished and (cutoff is None or mtime < cutoff)
        )

    def delete(self, conversation_ids: Iterable[str], agent: str | None = None) -> int:
        prefix = None if agent is None else slug(agent) + "."
        removed = 0
        for folder in self._folders(conversation_ids):
            for path, _mtime, finished in list(self._files(folder)):
                name = path.name.lstrip(".")
                if prefix is None or name.startswith(prefix):
                    removed += self._remove(path, finished)
            self._drop_if_empty(folder)
        return removed

    def clear(self) -> int:
        removed = self.count()
        if not self.root.exists():
            return 0
        try:
            shutil.rmtree(self.root)
        except OSError as exc:
            raise StoreError(
                f"Cannot remove the recordings in {self.root}: {_reason(exc)}."
            ) from None
        return removed

    def prune(self, older_than: datetime) -> int:
        cutoff = older_than.timestamp()
        removed = 0
        for folder in self._folders(None):
            for path, mtime, finished in list(self._files(folder)):
                if mtime < cutoff:
                    removed += self._remove(path, finished)
            self._drop_if_empty(folder)
        return removed

    def _remove(self, path: Path, finished: bool) -> int:
        try:
            path.unlink()
        except FileNotFoundError:
            return 0  # another process removed it first
        except OSError as exc:
            raise StoreError(f"Cannot remove the recording {path}: {_reason(exc)}.") from None
        return int(finished)

    @staticmethod
    def _drop_if_empty(folder: Path) -> None:
        with contextlib.suppress(OSError):
            folder.rmdir()  # fails, harmlessly, while anything is left in it
