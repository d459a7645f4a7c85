"""The issue's "Done when", in a real terminal: the installed `polytui`, with only a key and an
agent ID (no account, so the Data API lists and polytui filters), finds yesterday's handed-off
calls in the Find view and opens one with Enter: no conversation ID is typed."""

from __future__ import annotations

import re
import shlex
import time
from datetime import datetime, timedelta

from polytui.demo.samples import recent_conversations
from polytui.demo.server import DemoServer

from .helpers import SECRET_KEY, polytui_command
from .test_terminal import Terminal, _env, pytestmark, terminal  # noqa: F401 - shared fixture


def _yesterdays_handoffs(calls: list[dict]) -> list[str]:
    now = datetime.now().astimezone()
    today = datetime.combine(now.date(), datetime.min.time(), tzinfo=now.tzinfo)
    found = []
    for call in calls:
        moment = datetime.fromisoformat(call["startedAt"].replace("Z", "+00:00"))
        if today - timedelta(days=1) <= moment < today and call.get("handoff"):
            found.append((moment, call["conversationId"]))
    return [cid for _, cid in sorted(found, reverse=True)]


def _slowly(terminal: Terminal, *keys: str) -> None:  # noqa: F811
    """Keys one by one with time between: a focus change lands before the next key."""
    for key in keys:
        terminal.keys(key)
        time.sleep(0.3)


def test_yesterdays_handoffs_found_and_one_opened_without_typing_an_id(terminal, tmp_path):  # noqa: F811
    calls = recent_conversations(datetime.now().astimezone(), 72)
    want = _yesterdays_handoffs(calls)
    assert len(want) >= 2
    with DemoServer(calls, api_key=SECRET_KEY) as server:
        exit_file = tmp_path / "exit-code"
        command = " ".join(shlex.quote(part) for part in polytui_command())
        env = _env(server, tmp_path)  # a key and an agent ID: no account
        terminal.start(f"{command}; echo $? > {shlex.quote(str(exit_file))}", env)
        terminal.wait_for(lambda s: "Conversation ID or Studio URL" in s, "the start screen")

        terminal.keys("C-g")
        terminal.wait_for(lambda s: "Find calls" in s and "Since" in s, "the Find view")
        _slowly(terminal, "BTab", "Enter")  # from the Since box to the When menu, opened
        terminal.wait_for(lambda s: "Last 30 days" in s, "the presets")
        _slowly(terminal, "Down", "Down", "Enter")  # last 24 hours, today, yesterday
        terminal.wait_for(
            lambda s: "Since yesterday" in s and "Until yesterday" in s, "the preset's window"
        )
        # since, until, status, env, channel, variant, then the handoff menu, opened
        _slowly(terminal, "Tab", "Tab", "Tab", "Tab", "Tab", "Tab", "Tab", "Enter")
        terminal.wait_for(lambda s: "not handed off" in s, "the handoff menu")
        _slowly(terminal, "Down", "Enter")  # "handed off"
        terminal.wait_for(lambda s: re.search(r"handed off\s+▼", s), "handed off chosen")
        _slowly(terminal, "BTab", "Enter")  # Enter in the variant box lists
        screen = terminal.wait_for(
            lambda s: f"{len(want)} calls listed" in s and all(cid in s for cid in want),
            "yesterday's handoffs listed (the Data API's pages come as the list needs them)",
        )
        assert "No account" in screen  # the Data API, filtered by polytui

        _slowly(terminal, "Down")  # at once: keys work while the next page is listed
        _slowly(terminal, "Enter")  # the second call, opened by Enter: no ID typed
        screen = terminal.wait_for(
            lambda s: "handoff →" in s and want[1] in s and "#1" in s, "the call to open"
        )
        assert "#1" in screen
        terminal.keys("Escape")
        screen = terminal.wait_for(lambda s: "1 stored (●)" in s, "the stored mark")
        _slowly(terminal, "Escape", "Escape")
        terminal.wait_for(lambda s: "Stored calls" in s, "the start screen")
        _slowly(terminal, "Down", "q")  # into the stored calls, where q quits
        terminal.wait_for(lambda s: exit_file.exists(), "polytui to exit")
        assert exit_file.read_text().strip() == "0"


def test_the_demo_finds_calls_with_no_configuration(terminal, tmp_path):  # noqa: F811
    env = {
        "POLYTUI_CONFIG_DIR": str(tmp_path / "config"),
        "TEXTUAL_ANIMATIONS": "none",
    }  # no key, no agent, no account: the demo brings its own
    command = " ".join(shlex.quote(part) for part in [*polytui_command(), "demo"])
    terminal.start(command, env)
    terminal.wait_for(lambda s: "Sample calls" in s, "the demo's start screen")
    _slowly(terminal, "C-g")
    terminal.wait_for(lambda s: "account ACCOUNT-demo" in s, "the Find view on the demo's API")
    _slowly(terminal, "Enter")  # the default window: the last 24 hours
    screen = terminal.wait_for(lambda s: re.search(r"\d+ calls listed", s), "calls listed")
    assert re.search(r"CA[0-9a-f]{32}", screen)
    _slowly(terminal, "Escape", "Escape", "Escape")
    terminal.wait_for(lambda s: "Sample calls" in s, "back on the start screen")
