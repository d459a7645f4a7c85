"""The figures of a team's year of calls (issue 16): a store of 100,000 calls, a 50,000-turn chat,
imports and fetches at disk speed. Each figure is measured beside its baseline in the same
run, interleaved where it is timed more than once.

The corpus is the demo's synthetic calls (``corpus.synthetic_calls``): each call is written
as ``<id>.json`` (for ripgrep, jq and ``polytui import``) and stored through ``Store.put`` in
batches of 500 (the product's own write path, without 100,000 HTTP round trips).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from corpus import SEARCH_WORD
from harness import PYTHON, Row, interleaved, median, polytui_command, run_quiet, wall_time
from terminal import BARE_MARKER, Tmux

BATCH = 500


@dataclass(frozen=True)
class Corpus:
    """``count`` synthetic calls: stored in ``data`` (a POLYTUI_DATA_DIR), one JSON file each
    in ``files``; ``raw_bytes`` the bytes of all that JSON."""

    count: int
    data: Path
    files: Path
    raw_bytes: int

    @property
    def db(self) -> Path:
        return self.data / "polytui.sqlite3"

    def env(self, env: Mapping[str, str]) -> dict[str, str]:
        return {**env, "POLYTUI_DATA_DIR": str(self.data)}


def build_corpus(root: Path, count: int) -> Corpus:
    from polytui.adapters.sqlite import Store
    from polytui.core.models import Conversation
    from polytui.demo.samples import DEMO_AGENT, synthetic_conversation

    data, files = root / "data", root / "files"
    data.mkdir(parents=True, exist_ok=True)
    files.mkdir(parents=True, exist_ok=True)
    size = 0
    with Store(data / "polytui.sqlite3") as store:
        for start in range(0, count, BATCH):
            with store.batch():
                for index in range(start, min(count, start + BATCH)):
                    call = synthetic_conversation(index)
                    raw = json.dumps(call, ensure_ascii=False)
                    store.put(
                        DEMO_AGENT, "https://api.us.poly.ai", raw, Conversation.from_data(call)
                    )
                    (files / f"{call['conversationId']}.json").write_text(raw, encoding="utf-8")
                    size += len(raw.encode("utf-8"))
    with sqlite3.connect(data / "polytui.sqlite3") as conn:  # what a reader finds on disk
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return Corpus(count, data, files, size)


def write_call_files(root: Path, count: int) -> Corpus:
    """``count`` synthetic calls as JSON files only (nothing stored): what the import row
    imports, without building a store first."""
    from polytui.demo.samples import synthetic_conversation

    data, files = root / "data", root / "files"
    data.mkdir(parents=True, exist_ok=True)
    files.mkdir(parents=True, exist_ok=True)
    size = 0
    for index in range(count):
        call = synthetic_conversation(index)
        raw = json.dumps(call, ensure_ascii=False)
        (files / f"{call['conversationId']}.json").write_text(raw, encoding="utf-8")
        size += len(raw.encode("utf-8"))
    return Corpus(count, data, files, size)


def _timed(runs: dict[str, list[str]], env: Mapping[str, str], repeat: int) -> dict[str, float]:
    """Median seconds of each command, interleaved, after one warm-up run of each."""
    for command in runs.values():
        run_quiet(command, env, ok=(0, 3))
    samples = interleaved(
        {
            name: (lambda c=command: wall_time(lambda: run_quiet(c, env, ok=(0, 3))))
            for name, command in runs.items()
        },
        repeat,
    )
    return {name: median(values) for name, values in samples.items()}


# -- the listing --------------------------------------------------------------------------------


def list_row(env: Mapping[str, str], big: Corpus, small: Corpus, repeat: int) -> Row:
    """``cache list -n 50`` over ``big`` against ``python -c pass``; the same over ``small``
    alongside, to show the cost is flat in the number of calls stored."""
    listing = [*polytui_command(), "--offline", "cache", "list", "-n", "50"]
    bare = [PYTHON, "-c", "pass"]
    runs = {"bare": bare, "big": listing}
    times = _timed(runs, big.env(env), repeat)
    small_s = _timed({"small": listing}, small.env(env), repeat)["small"]
    return Row(
        f"cache list -n 50 at {big.count:,} stored calls / python -c pass",
        f"{times['big'] * 1000:.0f} ms / {times['bare'] * 1000:.0f} ms",
        times["big"] / times["bare"],
        3.0,
        note=(
            f"median of {repeat}; at {small.count:,} calls {small_s * 1000:.0f} ms "
            "(flat in the number stored)"
        ),
    )


def start_paint_row(
    tmux: Tmux, env: Mapping[str, str], bare: list[str], big: Corpus, repeat: int
) -> Row:
    """The start screen listing ``big``'s calls, until its count shows, against the bare app."""
    marker = f"{big.count:,} calls"
    app = [*polytui_command(), "--offline"]
    run_env = big.env(env)
    for command, mark in ((bare, BARE_MARKER), (app, marker)):
        tmux.first_paint(command, mark, run_env)
    samples = interleaved(
        {
            "bare": lambda: tmux.first_paint(bare, BARE_MARKER, run_env),
            "app": lambda: tmux.first_paint(app, marker, run_env),
        },
        repeat,
    )
    app_s, bare_s = median(samples["app"]), median(samples["bare"])
    return Row(
        f"start screen first paint, {big.count:,} stored calls / bare Textual app",
        f"{app_s:.3f} s / {bare_s:.3f} s",
        app_s / bare_s,
        1.3,
        note=f"tmux 120x40, until “{marker}” shows (the list's first page and count), median of {repeat}",
    )


KEYSTROKE_GOAL_MS = 30.0


def browser_rows(big: Corpus, repeat: int) -> list[Row]:
    """The store work of one keystroke in the browser over ``big``, in-process, as the table
    asks it (``call_pages.StoreListed``): re-sorting (the count, where the selected call now
    is, the page on screen) for every order both ways, and filtering (the count with and
    without the filter, the first page) for a common, a rare and a short word, typed a key at
    a time: every keystroke is a filter the store has not seen (it finds a filter's calls once,
    ``adapters/sqlite/matches.py``, so asking the same words again would time nothing)."""
    from polytui.adapters.sqlite import ORDER_COLUMNS, Store

    sort_ms, sort_worst = 0.0, ""
    filter_ms, filter_worst = 0.0, ""
    with Store(big.db) as store:
        middle = store.list(offset=big.count // 2, limit=1)[0]
        selected = (middle.agent, middle.conversation_id)
        for column in ORDER_COLUMNS:
            for descending in (True, False):

                def resort(column: str = column, descending: bool = descending) -> None:
                    store.count()
                    line = store.position(selected, order_by=column, descending=descending)
                    top = (line or 0) // 100 * 100
                    store.page(order_by=column, descending=descending, offset=top, limit=100)

                resort()  # warm-up
                taken = median([wall_time(resort) for _ in range(repeat)]) * 1000
                if taken > sort_ms:
                    sort_ms, sort_worst = taken, f"{column} {'desc' if descending else 'asc'}"
        for words in (SEARCH_WORD, "voice-sip", "zebra", "2025-02", "CA3f"):

            def refilter(words: str) -> None:
                store.count(text_filter=words)
                store.count()
                store.page(text_filter=words, limit=100)

            typed = [words[:end] for end in range(1, len(words) + 1)]
            samples: dict[str, list[float]] = {text: [] for text in typed}
            for _ in range(repeat + 1):  # the first time round warms the page cache
                for text in typed:
                    samples[text].append(wall_time(lambda text=text: refilter(text)) * 1000)
            for text, values in samples.items():
                taken = median(values[1:])
                if taken > filter_ms:
                    filter_ms, filter_worst = taken, f"{text!r}, typing {words!r}"
    return [
        Row(
            f"re-sorting the browser, {big.count:,} stored calls (slowest order)",
            f"{sort_ms:.1f} ms ({sort_worst})",
            sort_ms,
            KEYSTROKE_GOAL_MS,
            unit="ms",
            note=(
                f"in-process Store.count + position + page of 100, median of {repeat} for "
                f"each of the {2 * len(ORDER_COLUMNS)} orders"
            ),
        ),
        Row(
            f"filtering the browser, {big.count:,} stored calls (slowest key typed)",
            f"{filter_ms:.1f} ms ({filter_worst})",
            filter_ms,
            KEYSTROKE_GOAL_MS,
            unit="ms",
            note=(
                f"in-process Store.count (filtered and all) + first page for each key typed, "
                f"median of {repeat} of the slowest key"
            ),
        ),
    ]


# -- writing ------------------------------------------------------------------------------------

BARE_IMPORT = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("CREATE TABLE calls (name TEXT, raw TEXT)")
conn.execute("BEGIN")
for name in sys.argv[2:]:
    with open(name, encoding="utf-8") as f:
        conn.execute("INSERT INTO calls VALUES (?, ?)", (name, f.read()))
conn.execute("COMMIT")
"""


def import_row(env: Mapping[str, str], corpus: Corpus, count: int, repeat: int = 1) -> Row:
    """``polytui import`` of ``count`` call files into an empty store, against a bare script
    storing the same files' JSON in one transaction (``repeat`` runs each, interleaved, each
    into a store of its own). The note gives the CPU time of each (its worker processes
    included), which a loaded machine changes less than the wall-clock time."""
    import resource

    names = sorted(str(path) for path in corpus.files.iterdir())[:count]
    cpu: dict[str, list[float]] = {"bare": [], "ours": []}

    def timed(name: str, command: list[str], run_env: Mapping[str, str]) -> float:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        taken = wall_time(lambda: run_quiet(command, run_env))
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu[name].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        return taken

    def bare() -> float:
        with tempfile.TemporaryDirectory(prefix="polytui-import-") as tmp:
            bare_db = str(Path(tmp) / "bare.sqlite3")
            return timed("bare", [PYTHON, "-c", BARE_IMPORT, bare_db, *names], env)

    def ours() -> float:
        with tempfile.TemporaryDirectory(prefix="polytui-import-") as tmp:
            import_env = {**env, "POLYTUI_DATA_DIR": str(Path(tmp) / "data")}
            return timed("ours", [*polytui_command(), "import", *names], import_env)

    samples = interleaved({"bare": bare, "ours": ours}, repeat)
    ours_s, bare_s = median(samples["ours"]), median(samples["bare"])
    ours_cpu, bare_cpu = median(cpu["ours"]), median(cpu["bare"])
    runs = "one run each" if repeat == 1 else f"median of {repeat}, interleaved"
    return Row(
        f"import of {count:,} call files / a script storing the JSON in one transaction",
        f"{ours_s:.2f} s / {bare_s:.2f} s",
        ours_s / bare_s,
        3.0,
        note=(
            f"{runs}, files in the page cache; polytui parses, indexes and compresses each; "
            f"CPU {ours_cpu:.2f} s / {bare_cpu:.2f} s ({ours_cpu / bare_cpu:.1f}x)"
        ),
    )


def store_bytes_row(corpus: Corpus) -> Row:
    size = os.path.getsize(corpus.db)
    return Row(
        f"store bytes per call / its raw JSON ({corpus.count:,} calls)",
        f"{size / corpus.count:,.0f} B / {corpus.raw_bytes / corpus.count:,.0f} B",
        size / corpus.raw_bytes,
        1.0,
        note="the database file after a checkpoint, every index included",
    )


# -- reading -------------------------------------------------------------------------------------


def show_json_row(env: Mapping[str, str], call_id: str, json_file: Path, repeat: int) -> Row:
    """``polytui --offline show ID --format json`` of a stored call against ``jq .`` of its
    JSON file."""
    figure = "show --format json, stored 5,000-turn call / jq . of its JSON"
    jq = shutil.which("jq")
    if jq is None:
        return Row(figure, "skipped: jq is not installed", None, 1.0)
    runs = {
        "jq": [jq, ".", str(json_file)],
        "show": [*polytui_command(), "--offline", "show", call_id, "--format", "json"],
    }
    times = _timed(runs, env, repeat)
    return Row(
        figure,
        f"{times['show'] * 1000:.0f} ms / {times['jq'] * 1000:.0f} ms",
        times["show"] / times["jq"],
        1.0,
        note=f"median of {repeat}, both to a pipe",
    )


def search_row(env: Mapping[str, str], corpus: Corpus, repeat: int, goal: float) -> Row:
    figure = f"cache search '{SEARCH_WORD}', {corpus.count:,} stored calls / rg -l -i"
    rg = shutil.which("rg")
    if rg is None:
        return Row(figure, "skipped: ripgrep (rg) is not installed", None, goal)
    runs = {
        "rg": [rg, "-l", "-i", SEARCH_WORD, str(corpus.files)],
        "search": [*polytui_command(), "--offline", "cache", "search", SEARCH_WORD],
    }
    times = _timed(runs, corpus.env(env), repeat)
    return Row(
        figure,
        f"{times['search'] * 1000:.0f} ms / {times['rg'] * 1000:.0f} ms",
        times["search"] / times["rg"],
        goal,
        note=(
            f"median of {repeat}; {corpus.raw_bytes / 1e6:.0f} MB of JSON in {corpus.count:,} "
            "files; polytui prints its 20 best calls with their hits, rg lists every file"
        ),
    )


def chat_rows(
    tmux: Tmux, env: Mapping[str, str], bare: list[str], turns: int, paint: int, memory: int
) -> list[Row]:
    """A stored ``turns``-turn chat opened in the app: first paint (until its first turn shows)
    and peak memory, each against the bare Textual app."""
    from polytui.adapters.sqlite import Store
    from polytui.core.models import Conversation
    from polytui.demo.samples import DEMO_AGENT, big_conversation

    call = big_conversation(turns, conversation_id=f"CA-chat-{turns}")
    call["channel"] = "WEBCHAT"
    raw = json.dumps(call, ensure_ascii=False)
    data = Path(env["POLYTUI_DATA_DIR"])
    with Store(data / "polytui.sqlite3") as store:
        store.put(DEMO_AGENT, "https://api.us.poly.ai", raw, Conversation.from_data(call))
    app = [*polytui_command(), "--offline", call["conversationId"]]
    marker = "#1 "
    for command, mark in ((bare, BARE_MARKER), (app, marker)):
        tmux.first_paint(command, mark, env)
    samples = interleaved(
        {
            "bare": lambda: tmux.first_paint(bare, BARE_MARKER, env),
            "app": lambda: tmux.first_paint(app, marker, env),
        },
        paint,
    )
    memory_samples = interleaved(
        {
            "bare": lambda: float(tmux.peak_rss(bare, BARE_MARKER, ["C-q"], env)),
            "app": lambda: float(tmux.peak_rss(app, marker, ["q"], env)),
        },
        memory,
    )
    app_s, bare_s = median(samples["app"]), median(samples["bare"])
    app_mb = median(memory_samples["app"]) / 2**20
    bare_mb = median(memory_samples["bare"]) / 2**20
    size = f"{len(raw.encode()) / 1e6:.1f} MB of JSON"
    return [
        Row(
            f"first paint, stored {turns:,}-turn chat / bare Textual app",
            f"{app_s:.3f} s / {bare_s:.3f} s",
            app_s / bare_s,
            1.5,
            note=f"tmux 120x40, until the first turn shows, median of {paint}; {size}",
        ),
        Row(
            f"peak memory, {turns:,}-turn chat open / bare Textual app",
            f"{app_mb:.0f} MB / {bare_mb:.0f} MB",
            app_mb / bare_mb,
            2.0,
            note=f"peak RSS 1 s after first paint, median of {memory}",
        ),
    ]
