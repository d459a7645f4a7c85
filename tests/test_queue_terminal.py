"""Issue 15's "Done when", in a real terminal: a queue of 10 calls made from a list filter
(`polytui queue new --list`, through the loopback server's v3 list), reviewed with done + next
and a fail verdict on two, quit in the middle, reopened, resumed at the first call not
reviewed, and `polytui queue export` gives the right 10 rows."""

from __future__ import annotations

import copy
import csv
import io
import re
import shlex
import time
from datetime import UTC, datetime, timedelta

import pytest

from .helpers import SECRET_KEY, polytui_command, run_process
from .test_terminal import TMUX_ENV, Terminal, _env  # noqa: F401 - tmux is checked there

pytestmark = pytest.mark.tmux

CALLS = [f"CAQUEUE{n:02d}" for n in range(1, 11)]  # yesterday's handoffs, newest first
FILTERS = ("--list", "--since", "2d", "--handoff")


@pytest.fixture
def ten_calls_server(samples):
    """The loopback API listing 16 recent calls: the 10 the filters select (live, handed off,
    in the last day) and 6 they leave out (not handed off; sandbox; a week old). Each is one
    of the small sample calls under a new ID."""
    from polytui.demo.server import DemoServer

    small = [s for s in samples if len(s.get("turns") or []) < 100]
    now = datetime.now(UTC)
    calls = []

    def call(n: int, cid: str, hours: float, *, handoff: bool = True, env: str = "live") -> None:
        made = copy.deepcopy(small[n % len(small)])
        made.update(conversationId=cid, handoff=handoff, clientEnv=env, inProgress=False)
        made["startedAt"] = (now - timedelta(hours=hours)).isoformat().replace("+00:00", "Z")
        calls.append(made)

    for n, cid in enumerate(CALLS):
        call(n, cid, 1 + 2 * n)
    for n in range(3):
        call(n, f"CAKEPT{n}", 2 + 2 * n, handoff=False)
        call(n, f"CASANDBOX{n}", 2 + 2 * n, env="sandbox")
    call(0, "CAOLD", 24 * 7)
    with DemoServer(calls, api_key=SECRET_KEY) as running:
        running.list_page_cap = 4  # the queue's calls come in several pages
        yield running
        assert not running.errors, running.errors


@pytest.fixture
def terminal(request):
    term = Terminal(request.node.name[:20])
    yield term
    term.kill()


def _call_shown(screen: str, cid: str) -> bool:
    """``cid``'s call drawn: its ID in the header and the footer's turn count, nothing loading."""
    return (
        f"{cid} · " in screen
        and "Fetching" not in screen
        and re.search(r"turn \d+/\d+", screen) is not None
    )


def _review(terminal: Terminal, env: dict[str, str], exit_file, keys: list[str], start: int):
    """`polytui queue review mon`, resumed at call ``start``; ``keys`` typed, one call each
    (waiting for the next call between two), then `q`."""
    command = " ".join(shlex.quote(p) for p in [*polytui_command(), "queue", "review", "mon"])
    terminal.start(f"{command}; echo $? > {shlex.quote(str(exit_file))}", env)
    for n, key in enumerate(keys, start=start):
        # The call itself on screen, not its loading state ("Fetching CAQUEUE02 from ..."): a
        # key typed while it loads marks a call the reviewer never saw, and moving on drops
        # its fetch, so it would never be kept.
        terminal.wait_for(
            lambda s, n=n: f"call {n} of 10 · in review" in s and _call_shown(s, CALLS[n - 1]),
            f"call {n} on screen, in review",
        )
        terminal.type(key)  # "+" and "-" as typed
    terminal.wait_for(
        lambda s: f"call {start + len(keys)} of 10" in s or "Nothing left" in s, "moved on"
    )
    terminal.keys("q")
    deadline = time.monotonic() + 15
    while not exit_file.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert exit_file.exists(), f"polytui did not exit on q; screen was:\n{terminal.screen()}"
    assert exit_file.read_text().strip() == "0"
    exit_file.unlink()


def test_a_queue_reviewed_in_two_sittings_and_exported(terminal, ten_calls_server, tmp_path):
    env = {
        **_env(ten_calls_server, tmp_path),
        "POLYAI_REVIEWER": "alice",
        "POLYAI_ACCOUNT_ID": "ws-demo",  # the v3 list, filtered by the API
    }
    made = run_process("queue", "new", "mon", *FILTERS, env=env)
    assert made.returncode == 0, made.stderr
    assert "Made the queue 'mon' of 10 calls from the listing since 2d" in made.stdout
    assert "10 of them not stored yet" in made.stderr  # fetched as the review goes
    assert sum("/v3/" in r.path for r in ten_calls_server.requests) >= 3  # every page

    exit_file = tmp_path / "exit-code"
    # First sitting: calls 1-5 (a fail on the 4th), then quit on call 6.
    _review(terminal, env, exit_file, ["+", "+", "+", "-", "+"], start=1)
    shown = run_process("queue", "show", "mon", env=env)
    assert shown.stdout.splitlines()[0] == "queue 'mon' 5/10 done (1 fail) · 1 in review"

    # Second sitting: resumes at call 6, the first not reviewed; a fail on the 8th.
    terminal.kill()
    _review(terminal, env, exit_file, ["+", "+", "-", "+", "+"], start=6)

    exported = run_process("queue", "export", "mon", "--format", "csv", env=env)
    assert exported.returncode == 0, exported.stderr
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert [row["conversation_id"] for row in rows] == CALLS
    assert [row["position"] for row in rows] == [str(n) for n in range(1, 11)]
    assert {row["status"] for row in rows} == {"done"}
    assert [row["verdict"] for row in rows] == ["pass"] * 3 + ["fail"] + ["pass"] * 3 + ["fail"] + [
        "pass"
    ] * 2
    assert {row["reviewer"] for row in rows} == {"alice"}
    assert all(row["started_at"] for row in rows)  # every call was fetched and kept
