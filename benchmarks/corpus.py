"""The data the benchmarks measure, built fresh in a throwaway directory for every run.

- Long calls for the app (5,000 and 100 turns): served by the loopback API server and
  fetched with ``polytui fetch``, so they are stored exactly as a reviewer's would be.
- The corpora of 10,000 and 100,000 calls: the demo's synthetic calls, stored with
  ``Store.put`` (``scale.build_corpus``).
"""

from __future__ import annotations

from collections.abc import Mapping

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
