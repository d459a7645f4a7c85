"""A turn taller than the screen can be read to its end: j/k scroll inside it a row at a time,
PageDown reaches its last row and stays there, G/End reach the very end of the transcript."""

from __future__ import annotations

import json

import pytest

from polytui.adapters.sqlite import Store
from polytui.core.config import Settings
from polytui.core.models import Conversation
from polytui.tui.app import PolyTUI
from polytui.tui.screens.conversation import ConversationScreen
from polytui.tui.widgets.transcript import TranscriptView

AGENT = "PROJECT-tall"
LONG = " ".join(f"word{i}" for i in range(4000))  # some 35,000 characters
CALL = {
    "conversationId": "CONV-TALL",
    "accountId": "ACC",
    "projectId": AGENT,
    "turns": [{"user_input": f"short {i}", "agent_response": "ok"} for i in range(4)]
    + [{"user_input": LONG, "agent_response": "THE ANSWER AFTER THE LONG MESSAGE"}],
}


def _painted(view: TranscriptView) -> str:
    return "\n".join(view.render_line(y).text for y in range(view.size.height))


async def _open(tmp_path):
    with Store(tmp_path / "polytui.sqlite3") as store:
        store.put(AGENT, "https://h", json.dumps(CALL), Conversation.from_data(CALL))
    app = PolyTUI(Settings(agent=AGENT, offline=True, data_path=tmp_path), initial_id="CONV-TALL")
    return app


@pytest.mark.parametrize("size", [(50, 15), (80, 24), (120, 40), (200, 60)])
async def test_g_and_pagedown_reach_the_answer_below_a_huge_message(tmp_path, size):
    app = await _open(tmp_path)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ConversationScreen)
        view = app.screen.query_one(TranscriptView)
        await pilot.press("G")
        await pilot.pause()
        assert view.cursor == 4 and "THE ANSWER AFTER THE LONG MESSAGE" in _painted(view)
        assert round(view.scroll_y) == view.max_scroll_y
        await pilot.press("g")
        await pilot.pause()
        await pilot.press(*"999", "pagedown")  # more pages than the turn has: the end holds
        await pilot.pause()
        assert view.cursor == 4 and "THE ANSWER AFTER THE LONG MESSAGE" in _painted(view)
        await pilot.press("j")
        await pilot.pause()
        assert view.cursor == 4 and "THE ANSWER AFTER THE LONG MESSAGE" in _painted(view)


async def test_j_and_k_scroll_inside_the_tall_turn(tmp_path):
    app = await _open(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        view = app.screen.query_one(TranscriptView)
        for _ in range(4):
            await pilot.press("j")
        await pilot.pause()
        assert view.cursor == 4
        top = round(view.scroll_y)
        await pilot.press("j", "j", "j")
        await pilot.pause()
        assert view.cursor == 4 and round(view.scroll_y) == top + 3
        await pilot.press("k")
        await pilot.pause()
        assert view.cursor == 4 and round(view.scroll_y) == top + 2
        await pilot.press("k", "k")
        await pilot.pause()
        assert round(view.scroll_y) == top
        await pilot.press("k")  # the turn's start is on screen: on to the turn before
        await pilot.pause()
        assert view.cursor == 3
