"""Listening in a real terminal: the installed `polytui` under tmux, where no audio output device
exists (``POLYTUI_AUDIO_BACKEND=none`` says so on any machine; CI and this container have none
anyway). `l` on turn 3 shows the playhead line and says where the recording was saved."""

from __future__ import annotations

import re
import shlex
import stat
import time

import pytest

from polytui.adapters.files import RecordingFolder
from polytui.core.facts import format_offset
from polytui.core.ports import RecordingKey
from polytui.demo._scripts import BOOKING_ID
from polytui.demo.samples import DEMO_AGENT

from .helpers import polytui_command
from .test_terminal import Terminal, _cursor_turn, _env

pytestmark = pytest.mark.tmux


@pytest.fixture
def terminal(request):
    term = Terminal(request.node.name[:20].replace("[", "-").replace("]", ""))
    yield term
    term.kill()


def _joined(screen: str) -> str:
    """The screen's lines joined without their padding: a long path wraps over two lines."""
    return "".join(line.strip() for line in screen.splitlines())


def test_playhead_line_and_no_audio_device_in_a_real_terminal(terminal, server, tmp_path):
    env = {**_env(server, tmp_path), "POLYTUI_AUDIO_BACKEND": "none"}
    exit_file = tmp_path / "exit-code"
    command = " ".join(shlex.quote(part) for part in [*polytui_command(), BOOKING_ID])
    terminal.start(f"{command}; echo $? > {shlex.quote(str(exit_file))}", env)
    terminal.wait_for(lambda s: _cursor_turn(s) == 1, "the call to open on turn 1")
    terminal.keys("j", "j")
    terminal.wait_for(lambda s: _cursor_turn(s) == 3, "j j to move the cursor to turn 3")

    terminal.keys("l")
    screen = terminal.wait_for(
        lambda s: "No audio output device: saved to" in s and " instead." in _joined(s),
        "the sentence saying there is no audio device and where the file is",
    )
    kept = RecordingFolder(tmp_path / "data" / "recordings").get(
        RecordingKey(DEMO_AGENT, BOOKING_ID)
    )
    assert kept is not None and stat.S_IMODE(kept.path.stat().st_mode) == 0o600
    assert f"{kept.path} instead." in _joined(screen)  # the whole path, wrapped or not
    line = next(ln for ln in screen.splitlines() if "/ 01:52" in ln)
    assert re.search(r"‖ \d\d:\d\d / 01:52  both sides  \S{40,}", line), line
    at = re.search(r"‖ (\d\d:\d\d) /", line).group(1)

    terminal.keys(".")  # the playhead moves with a seek, device or not
    minutes, seconds = map(int, at.split(":"))
    later = format_offset(minutes * 60 + seconds + 5)
    terminal.wait_for(lambda s: f"‖ {later} / 01:52" in s, "the playhead 5 s later")

    terminal.keys("q")
    deadline = time.monotonic() + 15
    while not exit_file.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert exit_file.exists(), f"polytui did not exit on q; screen was:\n{terminal.screen()}"
    assert exit_file.read_text().strip() == "0"


def test_quitting_while_playing_exits_at_once(terminal, server, tmp_path):
    """`q` while the null device plays: the app exits with 0 at once."""
    env = {**_env(server, tmp_path), "POLYTUI_AUDIO_BACKEND": "null"}
    exit_file = tmp_path / "exit-code"
    command = " ".join(shlex.quote(part) for part in [*polytui_command(), BOOKING_ID])
    terminal.start(f"{command}; echo $? > {shlex.quote(str(exit_file))}", env)
    terminal.wait_for(lambda s: _cursor_turn(s) == 1, "the call to open on turn 1")
    terminal.keys("l")
    terminal.wait_for(lambda s: re.search(r"► \d\d:\d\d / 01:52", s), "playing")
    terminal.keys("q")
    deadline = time.monotonic() + 15
    while not exit_file.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert exit_file.exists(), f"polytui did not exit on q; screen was:\n{terminal.screen()}"
    assert exit_file.read_text().strip() == "0"
