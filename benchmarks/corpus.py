"""The data the benchmarks measure, built fresh in a throwaway directory for every run.

- Long calls for the app (5,000 and 100 turns): served by the loopback API server and
  fetched with ``polytui fetch``, so they are stored exactly as a reviewer's would be.
- The search corpus (10,000 calls): generated with the demo's synthetic corpus and written
  with ``Store.put`` directly, which is much faster than 10,000 HTTP round trips and stores the
  same thing (the raw JSON, the listing columns and the full-text index). Each call is also
  saved as ``<id>.json`` for ripgrep.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from harness import polytui_command, run_quiet

SEARCH_WORD = "refund"  # in about one call in six of the synthetic corpus


def fetch_big_calls(env: Mapping[str, str], turns: list[int]) -> dict[int, str]:
    """One long call per entry of ``turns``, fetched through the loopback server into the
    data dir of ``env``; returns turns -> conversation ID."""
    from polytui.demo.samples import DEMO_AGENT, DEMO_API_KEY, big_conversation
    from polytui.demo.server import DemoServer

    calls = {n: big_conversation(n, conversation_id=f"CA-bench-{n}") for n in turns}
    with DemoServer(list(calls.values()), api_key=DEMO_API_KEY) as server:
        fetch_env = {
            **env,
            "POLYAI_API_KEY": DEMO_API_KEY,
            "POLYAI_AGENT_ID": DEMO_AGENT,
            "POLYAI_BASE_URL": server.url,
        }
        ids = [call["conversationId"] for call in calls.values()]
        run_quiet([*polytui_command(), "fetch", *ids], fetch_env)
    return {n: call["conversationId"] for n, call in calls.items()}


def synthetic_calls(count: int) -> list[dict]:
    from polytui.demo.samples import synthetic_conversation

    return [synthetic_conversation(index) for index in range(count)]


def build_search_corpus(data_dir: Path, files_dir: Path, count: int) -> int:
    """``count`` synthetic calls stored in ``data_dir`` (the store ``polytui`` opens with
    POLYTUI_DATA_DIR) and saved as JSON files in ``files_dir``; returns the bytes of JSON."""
    from polytui.adapters.sqlite import Store
    from polytui.core.models import Conversation
    from polytui.demo.samples import DEMO_AGENT

    data_dir.mkdir(parents=True, exist_ok=True)
    files_dir.mkdir(parents=True, exist_ok=True)
    size = 0
    with Store(data_dir / "polytui.sqlite3") as store:
        for call in synthetic_calls(count):
            raw = json.dumps(call, ensure_ascii=False)
            store.put(DEMO_AGENT, "https://api.us.poly.ai", raw, Conversation.from_data(call))
            (files_dir / f"{call['conversationId']}.json").write_text(raw, encoding="utf-8")
            size += len(raw.encode("utf-8"))
    return size
