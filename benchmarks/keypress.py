"""Keypress to updated frame in the app, on a stored call: run by bench.py in a process of its
own (``python benchmarks/keypress.py ID REPEAT QUERY``), prints milliseconds as JSON.

What is measured: the app runs in-process under Textual's pilot at 120x40 (headless). For
each key, the time from the pilot posting the key until Textual hands the next frame to the
display: the benchmark (never the product) wraps the app's private ``App._display``, which
Textual calls with the compositor's update once the frame is composed; the headless driver
then writes nothing, so the terminal's own write (a few ms for a partial update) is not in
the figure. Textual paces frames at 60 a second, so a figure includes the wait for the next
frame tick (0 to 16.7 ms).

- j: the next turn, REPEAT times from the top;
- G: the last turn, REPEAT times, each after an untimed g (first turn);
- search: Enter in the search bar with QUERY typed (the bar opened with an untimed /, the
  query set directly, not typed), REPEAT times, each cleared with an untimed Escape; timed to
  the frame with the cursor on the match (the first search of a long call is made on the
  store's thread, "searching…" shown meanwhile: the first figure is its whole wait);
- n: the next match of QUERY, REPEAT times.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time


async def measure(conversation_id: str, repeat: int, query: str) -> dict[str, list[float]]:
    from textual.widgets import Input

    from polytui.core.config import resolve_settings
    from polytui.tui.app import PolyTUI

    settings = resolve_settings({"offline": True})
    app = PolyTUI(settings, initial_id=conversation_id)
    frames: list[float] = []
    display = app._display

    def timed_display(screen, renderable):  # the frame hook of this benchmark only
        if renderable is not None:
            frames.append(time.perf_counter())
        return display(screen, renderable)

    app._display = timed_display  # type: ignore[method-assign]
    results: dict[str, list[float]] = {"j": [], "G": [], "search": [], "n": []}
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        if getattr(screen, "loaded", None) is None:
            raise SystemExit(f"the call {conversation_id} did not open")

        # The frames drawn before the search landed (the transcript's own search called):
        # the benchmark's hook, as for App._display.
        landed: list[int] = []
        view = screen.transcript
        search = view.search

        def timed_search(query: str) -> int:
            landed.append(len(frames))
            return search(query)

        view.search = timed_search  # type: ignore[method-assign]

        async def press(key: str, *, searching: bool = False) -> float:
            """Milliseconds from ``key`` to the next frame (a search: the one it landed in)."""
            await pilot.pause()
            frames.clear()
            landed.clear()
            start = time.perf_counter()
            await pilot.press(key)
            deadline = start + 30.0
            while True:
                first = (landed[0] if landed else None) if searching else 0
                if first is not None and len(frames) > first:
                    return (frames[first] - start) * 1000
                if time.perf_counter() > deadline:
                    raise SystemExit(f"no frame after {key!r}")
                await asyncio.sleep(0.0002)

        for _ in range(repeat):
            results["j"].append(await press("j"))
        for _ in range(repeat):
            await pilot.press("g")
            results["G"].append(await press("G"))
        search_box = screen.query_one("#search-input", Input)
        for _ in range(repeat):
            await pilot.press("g", "slash")
            search_box.value = query
            results["search"].append(await press("enter", searching=True))
            await pilot.press("escape")
        await pilot.press("g", "slash")
        search_box.value = query
        await pilot.press("enter")
        for _ in range(repeat):
            results["n"].append(await press("n"))
        await pilot.press("q")
    return results


def main() -> int:
    conversation_id, repeat, query = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    print(json.dumps(asyncio.run(measure(conversation_id, repeat, query))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
