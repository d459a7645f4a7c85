"""Whole-process figures of the command line: show, fetch."""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from corpus import synthetic_calls
from harness import PYTHON, Row, interleaved, median, polytui_command, run_quiet, wall_time

IMPORT_CHECK = (
    "import sys; from polytui.cli import main; code = main(sys.argv[1:]); "
    "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'textual', 'httpx'}); "
    "sys.stderr.write('IMPORTED:' + ','.join(heavy) + '\\n'); sys.exit(code)"
)


def show_row(env: Mapping[str, str], conversation_id: str, repeat: int) -> Row:
    """``polytui --offline show ID`` (text to a pipe) against ``python -c pass``."""
    show = [*polytui_command(), "--offline", "show", conversation_id]
    bare = [PYTHON, "-c", "pass"]
    run_quiet(show, env)  # warm-up: bytecode, page cache
    samples = interleaved(
        {
            "bare": lambda: wall_time(lambda: run_quiet(bare, env)),
            "show": lambda: wall_time(lambda: run_quiet(show, env)),
        },
        repeat,
    )
    check = subprocess.run(
        [PYTHON, "-c", IMPORT_CHECK, "--offline", "show", conversation_id],
        env=dict(env),
        capture_output=True,
        text=True,
        check=False,
    )
    imported = [line for line in check.stderr.splitlines() if line.startswith("IMPORTED:")]
    heavy = imported[-1].removeprefix("IMPORTED:") if imported else "? (check failed)"
    show_s, bare_s = median(samples["show"]), median(samples["bare"])
    return Row(
        "polytui show (stored 100-turn call) / python -c pass",
        f"{show_s * 1000:.0f} ms / {bare_s * 1000:.0f} ms",
        show_s / bare_s,
        None,
        note=f"median of {repeat}; textual or httpx imported on that path: {heavy or 'none'}",
    )


def fetch_row(env: Mapping[str, str], count: int, delay: float, goal: float = 0.10) -> Row:
    """``polytui fetch --from-file`` of ``count`` calls from the loopback server answering
    each request after ``delay`` seconds, against the sequential floor count x delay."""
    from polytui.demo.samples import DEMO_AGENT, DEMO_API_KEY
    from polytui.demo.server import DemoServer

    calls = synthetic_calls(count)
    floor = count * delay
    with (
        tempfile.TemporaryDirectory(prefix="polytui-fetch-") as tmp,
        DemoServer(calls, api_key=DEMO_API_KEY, delay=delay) as server,
    ):
        ids = Path(tmp) / "ids.txt"
        ids.write_text("".join(f"{call['conversationId']}\n" for call in calls), encoding="utf-8")
        fetch_env = {
            **env,
            "POLYTUI_DATA_DIR": os.path.join(tmp, "data"),
            "POLYAI_API_KEY": DEMO_API_KEY,
            "POLYAI_AGENT_ID": DEMO_AGENT,
            "POLYAI_BASE_URL": server.url,
        }
        command = [*polytui_command(), "fetch", "--from-file", str(ids)]
        seconds = wall_time(lambda: run_quiet(command, fetch_env))
        served = server.hits
    return Row(
        f"polytui fetch of {count:,} calls, {delay * 1000:.0f} ms each / sequential floor",
        f"{seconds:.2f} s / {floor:.2f} s",
        seconds / floor,
        goal,
        note=f"one run, default concurrency; {served} requests served by the loopback server",
    )
