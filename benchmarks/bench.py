"""polytui benchmarks: run by hand, not in the test suite.

    python benchmarks/bench.py            # the full run (15-25 minutes), one table
    python benchmarks/bench.py --quick    # small sizes, few repetitions (CI: proves it works)
    python benchmarks/bench.py --chat     # only the 50,000-turn chat's rows (about a minute)
    python benchmarks/bench.py --import-only  # only the import row, 10,000 files (about a minute)
    python benchmarks/bench.py --reads    # only the rows reading a big store (5-10 minutes)
    python benchmarks/bench.py --paint    # only the start screen over the big store, a queue's move

Every figure is a ratio of two things measured side by side in the same run, interleaved so
that machine noise hits both alike. The data is built fresh in a throwaway directory through
the loopback API server and the store's own write path (corpus.py, scale.py): the full run
stores 100,000 calls (about 0.7 GB of JSON files beside them). Needs tmux, ripgrep and jq for
the search and show rows.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

from bench_listing import list_fetch_row
from corpus import SEARCH_WORD, fetch_big_calls
from harness import (
    PYTHON,
    Row,
    child_env,
    interleaved,
    load_average,
    machine_line,
    median,
    polytui_command,
    print_table,
    run_quiet,
)
from processes import fetch_row, show_row
from queue_next import queue_rows
from scale import (
    browser_rows,
    build_corpus,
    chat_rows,
    import_row,
    list_row,
    search_row,
    show_json_row,
    start_paint_row,
    store_bytes_row,
    write_call_files,
)
from terminal import BARE_MARKER, Tmux, write_bare_app

HERE = Path(__file__).resolve().parent
CALL_MARKER = "#1 "  # the first turn's number: the transcript is on screen


@dataclass(frozen=True)
class Plan:
    paint_repeat: int
    memory_repeat: int
    key_repeat: int
    small_calls: int  # a store of this many calls (search, import, the listing's flatness)
    big_calls: int  # and of this many (listing, browser, search, store bytes)
    search_repeat: int
    fetch_calls: int
    show_repeat: int
    chat_turns: int


FULL = Plan(5, 3, 50, 10_000, 100_000, 5, 1_500, 10, 50_000)
QUICK = Plan(2, 1, 5, 300, 1_000, 2, 100, 3, 2_000)
FETCH_DELAY = 0.05


def paint_rows(tmux: Tmux, env: dict, bare: list[str], ids: dict[int, str], repeat: int) -> list:
    app = polytui_command()
    commands = {
        "bare": (bare, BARE_MARKER),
        "big": ([*app, "--offline", ids[5000]], CALL_MARKER),
        "small": ([*app, "--offline", ids[100]], CALL_MARKER),
    }
    for command, marker in commands.values():  # warm-up: bytecode, page cache
        tmux.first_paint(command, marker, env)
    samples = interleaved(
        {
            name: (lambda c=command, m=marker: tmux.first_paint(c, m, env))
            for name, (command, marker) in commands.items()
        },
        repeat,
    )
    bare_s = median(samples["bare"])
    rows = []
    for key, label, goal in (("big", "5,000", 1.5), ("small", "100", 1.2)):
        value = median(samples[key])
        rows.append(
            Row(
                f"first paint, stored {label}-turn call / bare Textual app",
                f"{value:.3f} s / {bare_s:.3f} s",
                value / bare_s,
                goal,
                note=f"tmux 120x40, launch until the text shows, median of {repeat}",
            )
        )
    return rows


def memory_row(tmux: Tmux, env: dict, bare: list[str], big_id: str, repeat: int) -> Row:
    app = [*polytui_command(), "--offline", big_id]
    samples = interleaved(
        {
            "bare": lambda: float(tmux.peak_rss(bare, BARE_MARKER, ["C-q"], env)),
            "app": lambda: float(tmux.peak_rss(app, CALL_MARKER, ["q"], env)),
        },
        repeat,
    )
    app_mb, bare_mb = median(samples["app"]) / 2**20, median(samples["bare"]) / 2**20
    return Row(
        "peak memory, 5,000-turn call open / bare Textual app",
        f"{app_mb:.0f} MB / {bare_mb:.0f} MB",
        app_mb / bare_mb,
        2.0,
        note=f"peak RSS of the whole process (ru_maxrss), 1 s after first paint, median of {repeat}",
    )


def key_rows(env: dict, big_id: str, repeat: int) -> list[Row]:
    done = subprocess.run(
        [PYTHON, str(HERE / "keypress.py"), big_id, str(repeat), SEARCH_WORD],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"keypress benchmark failed: {done.stderr.strip()[-500:]}")
    results = json.loads(done.stdout.strip().splitlines()[-1])
    labels = {
        "j": "j (next turn)",
        "G": "G (last turn)",
        "search": f"search ({SEARCH_WORD!r}, Enter)",
        "n": "n (next match)",
    }
    rows = []
    for key, label in labels.items():
        values = results[key]
        rows.append(
            Row(
                f"keypress to frame, 5,000 turns: {label}",
                f"median {median(values):.1f} ms, max {max(values):.1f} ms",
                median(values),
                16,
                unit="ms",
                note=(
                    f"pilot in-process, key posted until the next frame is composed (App._display "
                    f"wrapped in the benchmark only), median of {len(values)}"
                )
                if key == "j"
                else "",
            )
        )
    return rows


def import_only(plan: Plan, *, judged: bool = True) -> int:
    """The import row alone: ``plan.small_calls`` call files, imported against the bare script."""
    load_before = load_average()
    with tempfile.TemporaryDirectory(prefix="polytui-bench-") as tmp:
        workdir = Path(tmp)
        env = child_env(workdir)
        print(f"writing {plan.small_calls:,} call files...", file=sys.stderr)
        corpus = write_call_files(workdir / "small", plan.small_calls)
        print("import...", file=sys.stderr)
        row = replace(import_row(env, corpus, plan.small_calls, repeat=3), judged=judged)
    print(f"machine: {machine_line()}")
    print(f"load average before {load_before}, after {load_average()}")
    print()
    print_table([row])
    return 0


def read_rows(workdir: Path, env: dict, plan: Plan) -> list[Row]:
    """The rows of commands reading a big store (``--reads``), on the same data as the full run."""
    ids = fetch_big_calls(env, [5000])
    print(f"storing {plan.small_calls:,} and {plan.big_calls:,} calls...", file=sys.stderr)
    small = build_corpus(workdir / "small", plan.small_calls)
    big = build_corpus(workdir / "big", plan.big_calls)
    rows = [list_row(env, big, small, plan.show_repeat), *browser_rows(big, plan.search_repeat)]
    rows.append(search_row(env, small, plan.search_repeat, 0.7))
    rows.append(search_row(env, big, plan.search_repeat, 0.3))
    big_json = workdir / "big-call.json"
    run_quiet(
        [*polytui_command(), "--offline", "show", ids[5000], "-f", "json", "-o", str(big_json)],
        env,
    )
    rows.append(show_json_row(env, ids[5000], big_json, plan.show_repeat))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, few repetitions")
    parser.add_argument(
        "--chat", action="store_true", help="only the long chat's rows (first paint, memory)"
    )
    parser.add_argument(
        "--import-only",
        action="store_true",
        help="only the import row (its files written, nothing else built), median of 3",
    )
    parser.add_argument(
        "--reads",
        action="store_true",
        help="only the rows reading a big store: cache list, the browser, cache search, "
        "show --format json",
    )
    parser.add_argument(
        "--paint",
        action="store_true",
        help="only the start screen's first paint over the big store and a queue's next call",
    )
    args = parser.parse_args()
    plan = QUICK if args.quick else FULL
    if args.import_only:
        return import_only(plan, judged=not args.quick)
    if shutil.which("tmux") is None:
        print("benchmarks need tmux (apt-get install -y tmux)", file=sys.stderr)
        return 2
    if shutil.which("jq") is None:
        print("note: jq is not installed: the show --format json row is skipped", file=sys.stderr)
    if shutil.which("rg") is None:
        print(
            "note: ripgrep (rg) is not installed (apt-get install -y ripgrep): "
            "the cache-search row is skipped",
            file=sys.stderr,
        )
    started = time.perf_counter()
    load_before = load_average()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="polytui-bench-") as tmp:
        workdir = Path(tmp)
        env = child_env(workdir)
        if args.chat:
            (workdir / "data").mkdir()
            bare = write_bare_app(workdir)
            rows = chat_rows(
                Tmux(120, 40), env, bare, plan.chat_turns, plan.paint_repeat, plan.memory_repeat
            )
            print(f"load average before {load_before}, after {load_average()}")
            print_table(rows)
            return 0
        if args.paint:
            print(f"storing {plan.big_calls:,} calls...", file=sys.stderr)
            big = build_corpus(workdir / "big", plan.big_calls)
            bare = write_bare_app(workdir)
            rows = [start_paint_row(Tmux(120, 40), env, bare, big, plan.paint_repeat)]
            rows += queue_rows(env, max(3, plan.key_repeat // 3))
            if args.quick:
                rows = [replace(row, judged=False) for row in rows]
            print(f"load average before {load_before}, after {load_average()}")
            print_table(rows)
            return 0
        if args.reads:
            rows = read_rows(workdir, env, plan)
            if args.quick:
                rows = [replace(row, judged=False) for row in rows]
            print(f"load average before {load_before}, after {load_average()}")
            print_table(rows)
            return 0
        print("building data through the loopback server...", file=sys.stderr)
        ids = fetch_big_calls(env, [5000, 100])
        tmux = Tmux(120, 40)
        bare = write_bare_app(workdir)
        print("first paint...", file=sys.stderr)
        rows += paint_rows(tmux, env, bare, ids, plan.paint_repeat)
        print("keypress to frame...", file=sys.stderr)
        rows += key_rows(env, ids[5000], plan.key_repeat)
        rows += queue_rows(env, max(3, plan.key_repeat // 3))
        print("peak memory...", file=sys.stderr)
        rows.append(memory_row(tmux, env, bare, ids[5000], plan.memory_repeat))
        print(f"storing {plan.small_calls:,} and {plan.big_calls:,} calls...", file=sys.stderr)
        small = build_corpus(workdir / "small", plan.small_calls)
        big = build_corpus(workdir / "big", plan.big_calls)
        print("the listing...", file=sys.stderr)
        rows.append(list_row(env, big, small, plan.show_repeat))
        rows.append(start_paint_row(tmux, env, bare, big, plan.paint_repeat))
        rows += browser_rows(big, plan.search_repeat)
        print("cache search...", file=sys.stderr)
        rows.append(search_row(env, small, plan.search_repeat, 0.7))
        rows.append(search_row(env, big, plan.search_repeat, 0.3))
        rows.append(store_bytes_row(big))
        print("import...", file=sys.stderr)
        rows.append(import_row(env, small, plan.small_calls))
        shutil.rmtree(big.files)  # 0.7 GB: no longer needed
        print("fetch...", file=sys.stderr)
        rows.append(fetch_row(env, plan.fetch_calls, FETCH_DELAY))
        print("list --fetch...", file=sys.stderr)
        rows.append(list_fetch_row(env, plan.fetch_calls, FETCH_DELAY))
        print("show --format json...", file=sys.stderr)
        big_json = workdir / "big-call.json"
        run_quiet(
            [*polytui_command(), "--offline", "show", ids[5000], "-f", "json", "-o", str(big_json)],
            env,
        )
        rows.append(show_json_row(env, ids[5000], big_json, plan.show_repeat))
        print(f"a {plan.chat_turns:,}-turn chat...", file=sys.stderr)
        rows += chat_rows(tmux, env, bare, plan.chat_turns, plan.paint_repeat, plan.memory_repeat)
        print("show...", file=sys.stderr)
        rows.append(show_row(env, ids[100], plan.show_repeat))
    if args.quick:  # sizes and repetitions too small for the goals to say anything
        rows = [replace(row, judged=False) for row in rows]
    print(f"machine: {machine_line()}")
    print(
        f"mode: {'quick' if args.quick else 'full'}; load average before {load_before}, "
        f"after {load_average()}; {time.perf_counter() - started:.0f} s"
    )
    print()
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
