"""Moving to the next call of a review queue, keypress to frame: run by bench.py in a process
of its own (``python benchmarks/queue_next.py REPEAT``, with POLYTUI_DATA_DIR set), prints
milliseconds as JSON.

A queue of REPEAT + 2 stored 100-turn calls is opened in the app (Textual's pilot at 120x40,
headless, as keypress.py measures). Before each key the benchmark waits until the app has read
the next call ahead and drawn its first screen (it does both in the background after every
move); then it times the key,
from the pilot posting it until Textual hands the next frame to the display (the benchmark,
never the product, wraps the private ``App._display``), and checks that the next call is the
one on screen:

- ``+``: done (pass) + next, the reviewer's key (the mark is written behind);
- ``>``: the next call, nothing marked;
- ``cold``: ``>`` to a call not read ahead (the read-ahead dropped first): it loads, so its
  first frame shows the loading state; for comparison only;
- ``j``: the next turn on the same calls, and ``G``: their last turn (after an untimed ``g``),
  the baselines measured beside: the cheapest key, and a key that redraws the whole transcript.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time


def build(count: int) -> str:
    """``count`` stored 100-turn calls in a queue named "bench"; returns its name."""
    from polytui.core.config import resolve_settings
    from polytui.core.models import Conversation
    from polytui.demo.samples import DEMO_AGENT, big_conversation
    from polytui.workspace import open_store

    store = open_store(resolve_settings({}))
    keys = []
    try:
        for n in range(count):
            call = big_conversation(100, conversation_id=f"CA-queue-{n:03d}", seed=n)
            store.put(DEMO_AGENT, "h", json.dumps(call), Conversation.from_data(call))
            keys.append((DEMO_AGENT, call["conversationId"]))
        store.create_queue("bench", keys, source="benchmark", reviewer="bench")
    finally:
        store.close()
    return "bench"


async def measure(repeat: int) -> dict[str, list[float]]:
    from polytui.core.config import resolve_settings
    from polytui.tui.app import PolyTUI
    from polytui.tui.screens.conversation import ConversationScreen

    name = build(repeat * 3 + 2)
    app = PolyTUI(resolve_settings({"offline": True}), initial_queue=name)
    frames: list[float] = []
    display = app._display

    def timed_display(screen, renderable):  # the frame hook of this benchmark only
        if renderable is not None:
            frames.append(time.perf_counter())
        return display(screen, renderable)

    app._display = timed_display  # type: ignore[method-assign]
    results: dict[str, list[float]] = {"+": [], ">": [], "cold": [], "j": [], "G": []}
    async with app.run_test(size=(120, 40)) as pilot:

        async def screen() -> ConversationScreen:
            for _ in range(500):
                await pilot.pause()
                found = app.screen
                if isinstance(found, ConversationScreen) and found.loaded is not None:
                    return found
            raise SystemExit("the queue's first call did not open")

        async def ready_ahead(view: ConversationScreen) -> object:
            session = view.queue
            assert session is not None
            wanted = session.neighbour(session.current, 1)
            assert wanted is not None
            for _ in range(2000):  # read ahead, and its first screen drawn
                if wanted.key in session._ahead and wanted.key in view._drawn_ahead:
                    return wanted.key
                await pilot.pause(0.002)
            raise SystemExit("the next call was not read ahead")

        async def press(key: str) -> float:
            await pilot.pause()
            frames.clear()
            start = time.perf_counter()
            await pilot.press(key)
            deadline = start + 5.0
            while not frames:
                if time.perf_counter() > deadline:
                    raise SystemExit(f"no frame after {key!r}")
                await asyncio.sleep(0.0002)
            return (frames[0] - start) * 1000

        view = await screen()
        for label, key in (
            ("+", "plus"),
            (">", "greater_than_sign"),
            ("cold", "greater_than_sign"),
        ):
            for _ in range(repeat):
                expected = await ready_ahead(view)
                if label == "cold":
                    view.queue._ahead.clear()  # type: ignore[union-attr]
                    view._drawn_ahead.clear()
                results[label].append(await press(key))
                if (view.agent, view.conversation_id) != expected:
                    raise SystemExit(f"{key!r} did not move to the next call")
                if label != "cold" and view.loaded is None:
                    raise SystemExit("the call read ahead was not shown at once")
                await app.workers.wait_for_complete()
                results["j"].append(await press("j"))
                await pilot.press("g")
                results["G"].append(await press("G"))
        await pilot.press("q")
    return results


def queue_rows(env: dict, repeat: int) -> list:
    """bench.py's rows: ``+`` and ``>`` to a call read ahead, beside ``j`` and a cold move."""
    import subprocess
    from pathlib import Path

    from harness import PYTHON, Row, median

    done = subprocess.run(
        [PYTHON, str(Path(__file__).with_name("queue_next.py")), str(repeat)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"queue benchmark failed: {done.stderr.strip()[-500:]}")
    results = json.loads(done.stdout.strip().splitlines()[-1])
    baseline = (
        f"on the same calls j {median(results['j']):.1f} ms, G (the whole transcript redrawn) "
        f"{median(results['G']):.1f} ms"
    )
    cold = f"not read ahead {median(results['cold']):.1f} ms"
    rows = []
    for key, label in (("+", "+ (done + next)"), (">", "> (next call)")):
        values = results[key]
        rows.append(
            Row(
                f"keypress to frame, queue of 100-turn calls: {label}, read ahead",
                f"median {median(values):.1f} ms, max {max(values):.1f} ms",
                median(values),
                16,
                unit="ms",
                note=(
                    f"as the keypress rows, the next call read ahead by the app; {baseline}, "
                    f"{cold}; median of {len(values)}"
                ),
            )
        )
    return rows


def main() -> int:
    print(json.dumps(asyncio.run(measure(int(sys.argv[1])))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
