"""polytui benchmarks: run by hand, not in the test suite.

    python benchmarks/bench.py            # full run, prints one table
    python benchmarks/bench.py --quick    # fewer repetitions (CI proves it works)

It builds its own data through the loopback server into a throwaway data dir, then measures
whole processes side by side in the same run, so the ratios compare like with like.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable
POLYTUI = [str(Path(sys.executable).with_name("polytui"))]
if not Path(POLYTUI[0]).exists():
    POLYTUI = [PYTHON, "-m", "polytui"]

BARE_APP = textwrap.dedent(
    """
    from textual.app import App
    from textual.widgets import Static

    class Bare(App):
        def compose(self):
            yield Static("BARE-READY")

    Bare().run()
    """
)


def median_time(run: Callable[[], None], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def run_quiet(args: list[str], env: dict[str, str]) -> None:
    subprocess.run(args, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class Tmux:
    """One tmux server of our own (its own socket), a window of a fixed size."""

    def __init__(self, width: int = 120, height: int = 40) -> None:
        self.socket = f"polytui-bench-{os.getpid()}"
        self.width, self.height = width, height

    def _tmux(self, *args: str) -> str:
        done = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True)
        return done.stdout

    def first_paint(
        self, command: list[str], marker: str, env: dict[str, str], timeout: float = 30
    ) -> float:
        """Seconds from launching ``command`` in a fresh window until ``marker`` is on screen."""
        env_args: list[str] = []
        for name in ("POLYTUI_DATA_DIR", "POLYTUI_CONFIG_DIR", "TEXTUAL_ANIMATIONS"):
            if name in env:
                env_args += ["-e", f"{name}={env[name]}"]
        script = " ".join(_quote(part) for part in command)
        start = time.perf_counter()
        self._tmux(
            "new-session",
            "-d",
            "-s",
            "bench",
            "-x",
            str(self.width),
            "-y",
            str(self.height),
            *env_args,
            script,
        )
        try:
            while time.perf_counter() - start < timeout:
                if marker in self._tmux("capture-pane", "-p", "-t", "bench"):
                    return time.perf_counter() - start
                time.sleep(0.005)
            raise RuntimeError(f"{marker!r} did not appear within {timeout} s")
        finally:
            self._tmux("kill-server")
            time.sleep(0.2)


def _quote(part: str) -> str:
    import shlex

    return shlex.quote(part)


def build_store(data: Path, turns: int) -> str:
    """Fetch one big sample call through the loopback server into ``data``; return its ID."""
    from polytui.demo.samples import DEMO_AGENT, DEMO_API_KEY, big_conversation
    from polytui.demo.server import DemoServer

    call = big_conversation(turns, conversation_id=f"CA-bench-{turns}")
    env = {
        **os.environ,
        "POLYTUI_DATA_DIR": str(data),
        "POLYAI_API_KEY": DEMO_API_KEY,
        "POLYAI_AGENT_ID": DEMO_AGENT,
    }
    with DemoServer([call], api_key=DEMO_API_KEY) as server:
        env["POLYAI_BASE_URL"] = server.url
        run_quiet([*POLYTUI, "fetch", call["conversationId"]], env)
    return call["conversationId"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args()
    repeat_paint = 2 if args.quick else 5
    repeat_show = 3 if args.quick else 10
    if shutil.which("tmux") is None:
        print("benchmarks need tmux (apt-get install tmux)", file=sys.stderr)
        return 2

    rows: list[tuple[str, str, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="polytui-bench-") as tmp:
        data = Path(tmp) / "data"
        env = {
            **os.environ,
            "POLYTUI_DATA_DIR": str(data),
            "POLYTUI_CONFIG_DIR": str(Path(tmp) / "conf"),
            "TEXTUAL_ANIMATIONS": "none",
        }
        for name in ("POLYAI_API_KEY", "POLYAI_BASE_URL", "POLYAI_AGENT_ID"):
            env.pop(name, None)
        big = build_store(data, 5000)
        small = build_store(data, 100)

        # polytui show of a stored call vs python3 -c pass
        bare_py = median_time(lambda: run_quiet([PYTHON, "-c", "pass"], env), repeat_show)
        show = median_time(
            lambda: run_quiet([*POLYTUI, "--offline", "show", small], env), repeat_show
        )
        rows.append(
            (
                "polytui show (stored, 100 turns) / python -c pass",
                f"{show * 1000:.0f} ms / {bare_py * 1000:.0f} ms",
                f"{show / bare_py:.1f}x",
                "report",
            )
        )

        # first paint in a real terminal, 120x40, bare Textual app vs polytui on a stored call
        tmux = Tmux(120, 40)
        bare_script = Path(tmp) / "bare.py"
        bare_script.write_text(BARE_APP)
        paints: dict[str, list[float]] = {"bare": [], "big": [], "small": []}
        for _ in range(repeat_paint):  # interleaved so machine noise hits all alike
            paints["bare"].append(tmux.first_paint([PYTHON, str(bare_script)], "BARE-READY", env))
            paints["big"].append(tmux.first_paint([*POLYTUI, "--offline", big], "#1 ", env))
            paints["small"].append(tmux.first_paint([*POLYTUI, "--offline", small], "#1 ", env))
        bare = statistics.median(paints["bare"])
        for key, label, goal in (("big", "5,000", "<= 1.5"), ("small", "100", "<= 1.2")):
            value = statistics.median(paints[key])
            rows.append(
                (
                    f"first paint, stored {label}-turn call / bare Textual app",
                    f"{value:.3f} s / {bare:.3f} s",
                    f"{value / bare:.2f}",
                    goal,
                )
            )

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )
    width = max(len(r[0]) for r in rows)
    print(f"{'figure':<{width}}  {'measured':<22}  {'ratio':>7}  goal")
    for figure, measured, ratio, goal in rows:
        print(f"{figure:<{width}}  {measured:<22}  {ratio:>7}  {goal}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
