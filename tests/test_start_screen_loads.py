"""The start screen is drawn without the call screen's code (nor the transcript's), which it
then loads in a thread once its stored calls are listed, so the first call opens without
waiting for it. Checked in a fresh interpreter: the app headless (Textual's pilot) on a store
of its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from polytui.adapters.sqlite import Store
from polytui.core.models import Conversation
from polytui.demo.samples import DEMO_AGENT, sample_conversations

PROBE = """
import asyncio, sys
from polytui.core.config import resolve_settings
from polytui.tui.app import PolyTUI
from polytui.tui.screens.start import StartScreen

CALL = "polytui.tui.screens.conversation"
seen = {}
mount = StartScreen.on_mount


def on_mount(self):  # what is loaded as the start screen is put up, before it lists
    seen["at_screen"] = CALL in sys.modules
    seen["transcript"] = "polytui.tui.widgets.transcript" in sys.modules
    return mount(self)


StartScreen.on_mount = on_mount

async def main():
    app = PolyTUI(resolve_settings({"offline": True}))
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(500):
            await pilot.pause(0.01)
            screen = app.screen
            if isinstance(screen, StartScreen) and screen.calls.count and CALL in sys.modules:
                seen["listed"] = screen.calls.count
                break
        app.screen.calls.focus()
        await pilot.press("enter")  # the first stored call opens
        for _ in range(500):
            await pilot.pause(0.01)
            if type(app.screen).__name__ == "ConversationScreen" and app.screen.loaded:
                seen["opened"] = app.screen.conversation_id
                break
asyncio.run(main())
print("SEEN", sorted(seen.items()))
"""


def test_start_screen_draws_without_the_call_screen_then_loads_it(tmp_path: Path):
    call = sample_conversations()[0]
    with Store(tmp_path / "polytui.sqlite3") as store:
        store.put(DEMO_AGENT, "https://h", json.dumps(call), Conversation.from_data(call))
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        env={**os.environ, "POLYTUI_DATA_DIR": str(tmp_path), "POLYTUI_CONFIG_DIR": str(tmp_path)},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    seen = dict(eval(done.stdout.split("SEEN", 1)[1]))  # a list of (name, value) pairs
    assert seen["at_screen"] is False and seen["transcript"] is False, seen
    assert seen["listed"] == 1, seen  # listed, and the call screen loaded after
    assert seen["opened"] == call["conversationId"], seen
