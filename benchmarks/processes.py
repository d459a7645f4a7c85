"""Whole-process figures of the command line: show, cache search, fetch."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from corpus import SEARCH_WORD, build_search_corpus, synthetic_calls
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


def search_row(workdir: Path, env: Mapping[str, str], count: int, repeat: int) -> Row:
    """``polytui --offline cache search WORD`` over ``count`` stored calls against
    ``rg -l -i WORD`` over the same calls saved one JSON file each."""
    figure = f"polytui cache search over {count:,} stored calls / rg -l"
    rg = shutil.which("rg")
    if rg is None:
        return Row(
            figure,
            "skipped: ripgrep (rg) is not installed",
            None,
            1.0,
            note="install it (apt-get install -y ripgrep) and run again",
        )
    data, files = workdir / "search-data", workdir / "search-files"
    size = build_search_corpus(data, files, count)
    search_env = {**env, "POLYTUI_DATA_DIR": str(data)}
    search = [*polytui_command(), "--offline", "cache", "search", SEARCH_WORD]
    grep = [rg, "-l", "-i", SEARCH_WORD, str(files)]
    run_quiet(search, search_env)  # warm-up: bytecode, page cache for both
    run_quiet(grep, search_env)
    samples = interleaved(
        {
            "rg": lambda: wall_time(lambda: run_quiet(grep, search_env)),
            "search": lambda: wall_time(lambda: run_quiet(search, search_env)),
        },
        repeat,
    )
    search_s, rg_s = median(samples["search"]), median(samples["rg"])
    return Row(
        figure,
        f"{search_s * 1000:.0f} ms / {rg_s * 1000:.0f} ms",
        search_s / rg_s,
        1.0,
        note=(
            f"median of {repeat}; word {SEARCH_WORD!r}; {size / 1e6:.0f} MB of JSON; calls "
            "written with Store.put (not over HTTP); polytui prints its 50 best hits, "
            "rg -l -i every matching file"
        ),
    )


def fetch_row(env: Mapping[str, str], count: int, delay: float) -> Row:
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
        0.15,
        note=f"one run, default concurrency; {served} requests served by the loopback server",
    )


BROWSER_GOAL_MS = 30.0  # a keystroke that re-sorts or filters the browser (issue 16)


def browser_row(workdir: Path, count: int, repeat: int) -> Row:
    """The call browser's store work for one keystroke that re-sorts it, with ``count`` stored
    calls, in-process: for each of the listing's orders, both ways, what the browser asks
    (``count``, the selected call's ``position`` in the new order, the ``page`` on screen);
    the slowest order's median. Reuses the search corpus."""
    from polytui.adapters.sqlite import ORDER_COLUMNS, Store

    data = workdir / "search-data"
    if not (data / "polytui.sqlite3").exists():
        build_search_corpus(data, workdir / "search-files", count)
    worst_ms, worst_order = 0.0, ""
    with Store(data / "polytui.sqlite3") as store:
        middle = store.list(offset=count // 2, limit=1)[0]
        selected = (middle.agent, middle.conversation_id)
        for column in ORDER_COLUMNS:
            for descending in (True, False):

                def keystroke(column: str = column, descending: bool = descending) -> None:
                    store.count()
                    line = store.position(selected, order_by=column, descending=descending)
                    top = (line or 0) // 100 * 100
                    store.page(order_by=column, descending=descending, offset=top, limit=100)

                keystroke()  # warm-up
                taken = median([wall_time(keystroke) for _ in range(repeat)]) * 1000
                if taken > worst_ms:
                    worst_ms = taken
                    worst_order = f"{column} {'desc' if descending else 'asc'}"
        hits_ms = (
            median([wall_time(lambda: store.search(SEARCH_WORD, limit=100)) for _ in range(repeat)])
            * 1000
        )
    return Row(
        f"call browser, {count:,} stored calls: slowest re-sort",
        f"{worst_ms:.1f} ms ({worst_order}); search {hits_ms:.0f} ms",
        worst_ms,
        BROWSER_GOAL_MS,
        unit="ms",
        note=(
            f"in-process Store.count + position + page of 100 rows, median of {repeat} for "
            f"each of the {2 * len(ORDER_COLUMNS)} orders; the search is "
            f"Store.search({SEARCH_WORD!r}) as the app's search screen runs it (in a thread)"
        ),
    )
