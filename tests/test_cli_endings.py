"""How the installed command ends when the world around it fails: SIGTERM says "terminated"
(exit 143) and leaves the store whole; a full disk or a closed standard output says what could
not be written (exit 1), never "unexpected error"."""

from __future__ import annotations

import os
import subprocess
import time

from polytui.demo.samples import DEMO_AGENT
from polytui.demo.server import DemoServer

from .helpers import SECRET_KEY, polytui_command


def _env(tmp_path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "POLYTUI_DATA_DIR": str(tmp_path / "data"),
        "POLYTUI_CONFIG_DIR": str(tmp_path / "config"),
        "POLYAI_API_KEY": SECRET_KEY,
        "POLYAI_AGENT_ID": DEMO_AGENT,
        **extra,
    }


def test_sigterm_says_terminated(samples, tmp_path):
    with DemoServer(samples, api_key=SECRET_KEY, delay=30.0) as slow:
        process = subprocess.Popen(
            [*polytui_command(), "fetch", samples[0]["conversationId"]],
            env=_env(tmp_path, POLYAI_BASE_URL=slow.url),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            while slow.hits == 0 and process.poll() is None:  # wait until it is waiting on us
                time.sleep(0.05)
            process.terminate()
            _, err = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
    assert process.returncode == 143
    assert err.strip().splitlines()[-1] == "polytui: terminated."
    assert "Traceback" not in err


def test_a_full_disk_on_stdout_is_one_sentence(tmp_path):
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [*polytui_command(), "config", "path"],
            env=_env(tmp_path),
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    assert done.returncode == 1
    assert done.stderr == "polytui: Could not write the output: No space left on device.\n"


def test_a_closed_stdout_is_one_sentence(tmp_path):
    done = subprocess.run(
        [*polytui_command(), "config", "path"],
        env=_env(tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=60,
        preexec_fn=lambda: os.close(1),
    )
    assert done.returncode == 1
    assert done.stderr == "polytui: Standard output is closed: nothing can be printed.\n"


def test_a_non_ascii_id_under_the_c_locale_is_not_called_control_characters(tmp_path):
    env = {**_env(tmp_path), "LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0"}
    env.pop("PYTHONIOENCODING", None)
    done = subprocess.run(
        [*polytui_command(), "show", "CONV-é", "--offline"],
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=60,
    )
    assert done.returncode == 3, done.stderr  # not stored: the ID itself was fine
    assert "control characters" not in done.stderr and "not stored" in done.stderr
