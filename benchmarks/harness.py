"""What every benchmark shares: the environment of the child processes, timing, the table."""

from __future__ import annotations

import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

PYTHON = sys.executable


def polytui_command() -> list[str]:
    """The installed ``polytui`` script next to this Python, else ``python -m polytui``."""
    script = Path(PYTHON).with_name("polytui")
    return [str(script)] if script.exists() else [PYTHON, "-m", "polytui"]


def child_env(workdir: Path) -> dict[str, str]:
    """The environment of every measured process: its own data and config dirs, no API
    settings from the caller, no animations, and compiled bytecode kept in a private cache.

    Bytecode: an installed package ships compiled, but a dev shell may set
    PYTHONDONTWRITEBYTECODE, which would make every polytui launch compile its modules again
    (tens of ms). The children write bytecode into ``workdir/pycache`` (PYTHONPYCACHEPREFIX),
    for Textual as much as for polytui, and each benchmark warms up once before timing."""
    env = {
        **os.environ,
        "POLYTUI_DATA_DIR": str(workdir / "data"),
        "POLYTUI_CONFIG_DIR": str(workdir / "config"),
        "TEXTUAL_ANIMATIONS": "none",
        "PYTHONPYCACHEPREFIX": str(workdir / "pycache"),
    }
    for name in ("PYTHONDONTWRITEBYTECODE", "POLYTUI_PROFILE", "POLYAI_REGION"):
        env.pop(name, None)
    for name in ("POLYAI_API_KEY", "POLYAI_BASE_URL", "POLYAI_AGENT_ID"):
        env.pop(name, None)
    return env


def run_quiet(args: list[str], env: Mapping[str, str], *, ok: tuple[int, ...] = (0,)) -> None:
    done = subprocess.run(
        args, env=dict(env), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False
    )
    if done.returncode not in ok:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        raise RuntimeError(f"{' '.join(args[:4])} ... exited {done.returncode}: {detail[0]}")


def wall_time(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def interleaved(runs: Mapping[str, Callable[[], float]], repeat: int) -> dict[str, list[float]]:
    """Each callable returns one sample; they take turns, so machine noise hits all alike."""
    samples: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeat):
        for name, run in runs.items():
            samples[name].append(run())
    return samples


def median(values: list[float]) -> float:
    return statistics.median(values)


@dataclass(frozen=True)
class Row:
    figure: str
    measured: str
    ratio: float | None  # None: nothing to compare
    goal: float | None  # the ratio (or ms) must be at most this; None: report only
    unit: str = ""  # "" for a ratio, "ms" when the goal is a time
    note: str = ""
    judged: bool = True  # False in --quick mode: small sizes, the goals do not apply

    @property
    def verdict(self) -> str:
        if self.ratio is None or self.goal is None:
            return "report"
        if not self.judged:
            return "(quick)"
        return "ok" if self.ratio <= self.goal else "MISSED"

    @property
    def ratio_text(self) -> str:
        if self.ratio is None:
            return "-"
        if self.unit == "ms":
            return f"{self.ratio:.1f} ms"
        return f"{self.ratio:.3f}" if self.ratio < 0.5 else f"{self.ratio:.2f}"

    @property
    def goal_text(self) -> str:
        if self.goal is None:
            return "report"
        return f"<= {self.goal:g}{' ms' if self.unit == 'ms' else ''}"


def print_table(rows: list[Row], out=sys.stdout) -> None:
    headers = ("figure", "measured", "ratio", "goal", "")
    cells = [(r.figure, r.measured, r.ratio_text, r.goal_text, r.verdict) for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    print(line.format(*headers).rstrip(), file=out)
    print("  ".join("-" * w for w in widths), file=out)
    for cell in cells:
        print(line.format(*cell).rstrip(), file=out)
    notes = [(r.figure, r.note) for r in rows if r.note]
    if notes:
        print(file=out)
        for figure, note in notes:
            print(f"- {figure}: {note}", file=out)


def machine_line() -> str:
    """CPU, cores, memory, OS, Python, Textual and tmux versions: what the table ran on."""
    cpu = platform.processor() or platform.machine()
    try:
        for text in Path("/proc/cpuinfo").read_text().splitlines():
            if text.startswith("model name"):
                cpu = text.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        for text in Path("/proc/meminfo").read_text().splitlines():
            if text.startswith("MemTotal:"):
                memory = f", {int(text.split()[1]) / 1024 / 1024:.1f} GB RAM"
                break
    except (OSError, ValueError):
        pass
    textual = _version("textual")
    tmux = ""
    if shutil.which("tmux"):
        done = subprocess.run(["tmux", "-V"], capture_output=True, text=True, check=False)
        tmux = f", {done.stdout.strip()}"
    return (
        f"{cpu}, {os.cpu_count()} cores{memory}; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}, Textual {textual}{tmux}"
    )


def load_average() -> str:
    try:
        one, five, _ = os.getloadavg()
    except OSError:
        return "?"
    return f"{one:.2f} (1 min), {five:.2f} (5 min)"


def _version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "?"
