"""Open a URL or a file with the system opener (xdg-open / open / startfile). A URL that is not
http(s) is refused: URLs come from the API and are untrusted. Files are polytui's own (a
recording it saved), opened by their absolute path."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

from .core.errors import UsageError


def check_web_url(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError("Only http(s) links are opened; this one is not.")
    if any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in url.strip()):
        raise UsageError("The link contains spaces or control characters; it is not opened.")
    return url.strip()


def open_url(url: str) -> str:
    """Open ``url`` without waiting; return the opener's name. Raise UsageError when the URL is
    refused or no opener exists (the caller then shows or copies the URL instead)."""
    return _launch(check_web_url(url))


def open_file(path: Path) -> str:
    """Open a file polytui wrote with the program the system plays or shows it with, without
    waiting; UsageError when no opener exists (the caller then says where the file is)."""
    return _launch(str(Path(path).absolute()))


def _launch(target: str) -> str:
    if sys.platform == "win32":  # pragma: no cover - not exercised on CI
        os.startfile(target)  # type: ignore[attr-defined]
        return "startfile"
    opener = "open" if sys.platform == "darwin" else "xdg-open"
    path = shutil.which(opener)
    if path is None:
        raise UsageError(f"No system opener ({opener}) was found.")
    subprocess.Popen(  # noqa: S603 - fixed program, URL checked above, no shell
        [path, target],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    return opener
