"""The listing's figure: ``polytui list --fetch`` lists ``count`` calls through the v3 list
(cursor pages of 200) and stores every one, against the sequential floor."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from collections.abc import Mapping

from corpus import synthetic_calls
from harness import Row, polytui_command

LIST_FETCH_GOAL = 0.15  # as for `polytui fetch`: the listing's few pages should not show


def list_fetch_row(env: Mapping[str, str], count: int, delay: float) -> Row:
    """``polytui list --fetch --json`` against the loopback server answering every request
    (each list page and each call) after ``delay`` seconds; the sequential floor is one
    request after another: ``(pages + count) x delay``."""
    from polytui.demo.samples import DEMO_AGENT, DEMO_API_KEY
    from polytui.demo.server import DemoServer

    calls = synthetic_calls(count)
    for call in calls:  # every call in the window the listing asks for (v3 lists live ones)
        call["clientEnv"] = "live"
    with (
        tempfile.TemporaryDirectory(prefix="polytui-list-") as tmp,
        DemoServer(calls, api_key=DEMO_API_KEY, delay=delay) as server,
    ):
        list_env = {
            **env,
            "POLYTUI_DATA_DIR": os.path.join(tmp, "data"),
            "POLYAI_API_KEY": DEMO_API_KEY,
            "POLYAI_AGENT_ID": DEMO_AGENT,
            "POLYAI_ACCOUNT_ID": "ws-bench",
            "POLYAI_BASE_URL": server.url,
        }
        command = [*polytui_command(), "list", "--since", "2024-12-01", "--fetch", "--json"]
        started = time.perf_counter()
        done = subprocess.run(command, env=list_env, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - started
        if done.returncode != 0:
            raise RuntimeError(f"polytui list --fetch failed: {done.stderr.strip()[-500:]}")
        listed = [json.loads(line)["conversationId"] for line in done.stdout.splitlines()]
        pages = sum(1 for request in server.requests if "/v3/" in request.path)
        fetched = server.hits - pages
    if len(set(listed)) != count or fetched != count:
        raise RuntimeError(f"listed {len(set(listed))} and fetched {fetched} of {count} calls")
    floor = (pages + count) * delay
    return Row(
        f"polytui list --fetch of {count:,} calls, {delay * 1000:.0f} ms each / sequential floor",
        f"{seconds:.2f} s / {floor:.2f} s",
        seconds / floor,
        LIST_FETCH_GOAL,
        note=(
            f"one run, default concurrency; {pages} list pages then {fetched} calls fetched "
            "and stored, every request answered after the delay by the loopback server"
        ),
    )
