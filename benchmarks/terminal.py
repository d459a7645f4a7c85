"""Measurements in a real terminal: tmux, a window of 120x40, the process launched in it.

First paint: seconds from ``tmux new-session`` (the launch) until the marker text shows in
``tmux capture-pane`` (polled every 5 ms), for polytui and for a bare Textual app alike.

Peak memory: the process runs under a small wrapper that waits for it and reads the peak
resident set size of its child (``getrusage(RUSAGE_CHILDREN).ru_maxrss``, what
``/usr/bin/time -v`` prints as "Maximum resident set size"). The app is left 1 s after its
first paint, so the work it does after that frame counts too, then quit with its key.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
import textwrap
import time
from collections.abc import Mapping
from pathlib import Path

from harness import PYTHON

BARE_MARKER = "BARE-READY"
BARE_APP = textwrap.dedent(
    f"""
    from textual.app import App
    from textual.widgets import Static

    class Bare(App):
        def compose(self):
            yield Static("{BARE_MARKER}")

    Bare().run()
    """
)
RSS_WRAPPER = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[2:]); "
    "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))"
)


def write_bare_app(directory: Path) -> list[str]:
    script = directory / "bare_app.py"
    script.write_text(BARE_APP, encoding="utf-8")
    return [PYTHON, str(script)]


class Tmux:
    """A tmux server of our own (its own socket), one window of a fixed size at a time. The
    server is started afresh for each launch with the children's environment, so the
    process in the window gets exactly that environment."""

    def __init__(self, width: int = 120, height: int = 40) -> None:
        self.socket = f"polytui-bench-{os.getpid()}"
        self.width, self.height = width, height

    def _tmux(self, *args: str, env: Mapping[str, str] | None = None) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, *args],
            capture_output=True,
            text=True,
            check=False,
            env=None if env is None else dict(env),
        )
        return done.stdout

    def _launch(self, command: list[str], env: Mapping[str, str]) -> None:
        script = " ".join(shlex.quote(part) for part in command)
        size = ["-x", str(self.width), "-y", str(self.height)]
        self._tmux("new-session", "-d", "-s", "bench", *size, script, env=env)

    def _wait_for(self, marker: str, start: float, timeout: float) -> float:
        while time.perf_counter() - start < timeout:
            if marker in self._tmux("capture-pane", "-p", "-t", "bench"):
                return time.perf_counter() - start
            time.sleep(0.005)
        screen = self._tmux("capture-pane", "-p", "-t", "bench").strip()
        raise RuntimeError(f"{marker!r} did not appear within {timeout} s; screen:\n{screen}")

    def _stop(self) -> None:
        self._tmux("kill-server")
        time.sleep(0.2)  # let the terminal and the process go before the next launch

    def first_paint(
        self, command: list[str], marker: str, env: Mapping[str, str], timeout: float = 30
    ) -> float:
        """Seconds from launching ``command`` until ``marker`` is on screen."""
        start = time.perf_counter()
        self._launch(command, env)
        try:
            return self._wait_for(marker, start, timeout)
        finally:
            self._stop()

    def peak_rss(
        self,
        command: list[str],
        marker: str,
        quit_keys: list[str],
        env: Mapping[str, str],
        *,
        settle: float = 1.0,
        timeout: float = 30,
    ) -> int:
        """Peak resident set size in bytes of ``command``, run until ``settle`` seconds after
        ``marker`` shows, then quit with ``quit_keys``."""
        with tempfile.TemporaryDirectory(prefix="polytui-rss-") as tmp:
            out = Path(tmp) / "maxrss"
            start = time.perf_counter()
            self._launch([PYTHON, "-c", RSS_WRAPPER, str(out), *command], env)
            try:
                self._wait_for(marker, start, timeout)
                time.sleep(settle)
                self._tmux("send-keys", "-t", "bench", *quit_keys)
                deadline = time.perf_counter() + timeout
                while time.perf_counter() < deadline:
                    if out.exists() and out.read_text().strip():
                        return int(out.read_text()) * 1024  # ru_maxrss is in KiB on Linux
                    time.sleep(0.02)
                raise RuntimeError(f"{command[0]} did not quit on {quit_keys}")
            finally:
                self._stop()
