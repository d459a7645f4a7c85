"""The installed `polytui` in a real terminal: tmux runs it, send-keys types, capture-pane reads.

Everything else tests the app through Textual's pilot; this one proves the console script starts,
draws, takes keys and exits cleanly in an actual terminal, against the loopback API server.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from .helpers import SECRET_KEY, polytui_command

pytestmark = pytest.mark.tmux

if shutil.which("tmux") is None:
    if os.environ.get("CI"):
        raise RuntimeError("tmux is required on CI (.ci/run installs it)")
    pytest.skip("tmux is not installed", allow_module_level=True)


# The environment for tmux, given explicitly: something in the test process sets COLUMNS=80 and
# LINES=24 at the C level (invisible in os.environ, inherited by child processes), and Textual
# believes those over the real window size.
TMUX_ENV = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}


class Terminal:
    def __init__(self, name: str, width: int = 120, height: int = 40) -> None:
        self.socket = f"polytui-test-{name}-{os.getpid()}"
        self.width, self.height = width, height

    def tmux(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, *args],
            capture_output=True,
            text=True,
            timeout=20,
            env=TMUX_ENV,
        )
        return done.stdout

    def start(self, command: str, env: dict[str, str]) -> None:
        env_args = [arg for name, value in env.items() for arg in ("-e", f"{name}={value}")]
        self.tmux(
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "app",
            "-x",
            str(self.width),
            "-y",
            str(self.height),
            *env_args,
            "sleep 600",
        )
        # Size the window first, then start the command in it (respawn-pane): an app started
        # with the session could draw at tmux's default 80x24 before the resize lands.
        self.tmux("set-option", "-g", "window-size", "manual")
        self.tmux("resize-window", "-t", "app", "-x", str(self.width), "-y", str(self.height))
        size = self.tmux("display-message", "-p", "-t", "app", "#{window_width}x#{window_height}")
        assert size.strip() == f"{self.width}x{self.height}", size
        self.tmux("respawn-pane", "-k", "-t", "app", command)

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "app")

    def keys(self, *keys: str) -> None:
        for key in keys:
            self.tmux("send-keys", "-t", "app", key)
            # A lone ESC followed quickly by a key reads as alt+key: give Escape time to stand alone.
            time.sleep(0.4 if key == "Escape" else 0.05)

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-t", "app", "-l", text)

    def wait_for(self, predicate, what: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if predicate(screen):
                return screen
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}; screen was:\n{screen}")

    def kill(self) -> None:
        self.tmux("kill-server")


@pytest.fixture
def terminal(request):
    term = Terminal(request.node.name[:20].replace("[", "-").replace("]", ""))
    yield term
    term.kill()


def _env(server, tmp_path: Path) -> dict[str, str]:
    from polytui.demo.samples import DEMO_AGENT

    return {
        "POLYAI_BASE_URL": server.url,
        "POLYAI_API_KEY": SECRET_KEY,
        "POLYAI_AGENT_ID": DEMO_AGENT,
        "POLYTUI_DATA_DIR": str(tmp_path / "data"),
        "POLYTUI_CONFIG_DIR": str(tmp_path / "config"),
        "TEXTUAL_ANIMATIONS": "none",
    }


def _cursor_turn(screen: str) -> int | None:
    """The turn number the cursor bar (▌) marks on screen."""
    match = re.search(r"^▌ #(\d+) ", screen, re.MULTILINE)
    return int(match.group(1)) if match else None


def test_open_move_search_quit_in_a_real_terminal(terminal, server, samples, tmp_path):
    bank = next(s for s in samples if any(t.get("user_input_dtmf") for t in s["turns"]))
    cid = bank["conversationId"]
    exit_file = tmp_path / "exit-code"
    command = " ".join(shlex.quote(part) for part in [*polytui_command(), cid])
    terminal.start(f"{command}; echo $? > {shlex.quote(str(exit_file))}", _env(server, tmp_path))

    screen = terminal.wait_for(lambda s: _cursor_turn(s) == 1, "the call to open on turn 1")
    assert cid in screen
    assert "DTMF" in screen
    screen = terminal.wait_for(lambda s: "turn 1/" in s, "the footer")
    footer = next(line for line in screen.splitlines() if "turn 1/" in line)
    assert len(footer.rstrip()) > 110, "the app draws at the window's 120 columns"

    terminal.keys("j", "j")
    terminal.wait_for(lambda s: _cursor_turn(s) == 3, "j j to move the cursor to turn 3")

    terminal.keys("/")
    terminal.type("card")
    terminal.keys("Enter")
    match_count = re.compile(r"(?<!turn )\b(\d+)/(\d+)\s*$", re.MULTILINE)  # not the position
    screen = terminal.wait_for(lambda s: match_count.search(s), "a match count")
    count = match_count.search(screen)
    assert count and int(count.group(2)) >= 2
    first = _cursor_turn(screen)
    terminal.keys("n")
    terminal.wait_for(lambda s: _cursor_turn(s) not in (None, first), "n to move to the next match")

    terminal.keys("Escape", "q")
    deadline = time.monotonic() + 15
    while not exit_file.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert exit_file.exists(), f"polytui did not exit on q; screen was:\n{terminal.screen()}"
    assert exit_file.read_text().strip() == "0"
    assert server.hits == 1, "opened once from the API, nothing else"


def test_a_note_typed_in_the_app_reaches_the_markdown_export(terminal, server, tmp_path):
    """`a` on a stored call, a typed note, Enter, `q`; then `polytui --offline show` has the
    note under the turn it was written on."""
    from polytui.demo._scripts import BANK_ID

    from .helpers import run_process

    env = _env(server, tmp_path)
    fetched = run_process("fetch", BANK_ID, env=env)
    assert fetched.returncode == 0, fetched.stderr
    assert server.hits == 1

    exit_file = tmp_path / "exit-code"
    command = " ".join(shlex.quote(part) for part in [*polytui_command(), "--offline", BANK_ID])
    terminal.start(f"{command}; echo $? > {shlex.quote(str(exit_file))}", env)
    terminal.wait_for(lambda s: _cursor_turn(s) == 1, "the stored call to open on turn 1")

    terminal.keys("j")
    terminal.wait_for(lambda s: _cursor_turn(s) == 2, "j to move the cursor to turn 2")
    terminal.keys("a")
    terminal.wait_for(lambda s: "New note on turn 2" in s, "the note editor")
    terminal.type("agent asked for the card digits too early")
    terminal.keys("Enter")
    terminal.wait_for(
        lambda s: "✎ agent asked for the card digits too early" in s and "New note" not in s,
        "the note under turn 2",
    )
    terminal.wait_for(lambda s: "Note saved on turn 2." in s, "the notice that says so")

    terminal.keys("q")
    deadline = time.monotonic() + 15
    while not exit_file.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert exit_file.exists(), f"polytui did not exit on q; screen was:\n{terminal.screen()}"
    assert exit_file.read_text().strip() == "0"

    shown = run_process("--offline", "show", BANK_ID, "--format", "markdown", env=env)
    assert shown.returncode == 0, shown.stderr
    turn2 = shown.stdout.split("### Turn 2 ")[1].split("### Turn 3 ")[0]
    assert "> **Note:** agent asked for the card digits too early" in turn2
    assert "too early" not in shown.stdout.split("### Turn 2 ")[0]
    assert server.hits == 1, "the app and show read the stored copy"


def test_keys_typed_right_after_q_change_nothing(terminal, server, samples, tmp_path):
    """`q` then `e` in one burst: the app quits with 0 and no traceback (the export dialog was
    half-built on an app that was closing, and failed)."""
    cid = samples[0]["conversationId"]
    exit_file = tmp_path / "exit-code"
    command = " ".join(shlex.quote(part) for part in [*polytui_command(), cid])
    terminal.start(f"{command}; echo $? > {shlex.quote(str(exit_file))}", _env(server, tmp_path))
    terminal.wait_for(lambda s: _cursor_turn(s) == 1, "the call to open on turn 1")
    terminal.type("qe")
    deadline = time.monotonic() + 15
    while not exit_file.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    screen = terminal.screen()
    assert exit_file.exists(), f"polytui did not exit on q; screen was:\n{screen}"
    assert exit_file.read_text().strip() == "0", screen
    assert "Traceback" not in screen and "NoMatches" not in screen
