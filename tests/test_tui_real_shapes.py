"""A call shaped as the real API sends it opens in the app with what it carries: barge-in,
function events under their turn (a failed one flagged), ASR corrections; `]` stops there."""

from __future__ import annotations

import json

from polytui.adapters.sqlite import Store
from polytui.core.config import Settings
from polytui.core.models import Conversation
from polytui.demo import DEMO_AGENT, real_shaped_conversations
from polytui.tui.app import PolyTUI
from polytui.tui.screens.conversation import ConversationScreen
from polytui.tui.widgets.transcript import TranscriptView

from .test_app import settle


def _app(tmp_path, call) -> PolyTUI:
    with Store(tmp_path / "polytui.sqlite3") as store:
        store.put(DEMO_AGENT, "https://h", json.dumps(call), Conversation.from_data(call))
    settings = Settings(agent=DEMO_AGENT, offline=True, data_path=tmp_path)
    return PolyTUI(settings, initial_id=call["conversationId"])


async def test_the_clinic_call_shows_its_function_events_barge_in_and_asr(tmp_path):
    call = real_shaped_conversations()[0]
    app = _app(tmp_path, call)
    async with app.run_test(size=(140, 45)) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, ConversationScreen)
        view = app.screen.query_one(TranscriptView)
        turn4, turn5, turn2 = (view.turn_plain_text(i) for i in (3, 4, 1))
        assert "ERROR" in turn4 and "FUNCTION" in turn4
        assert "ƒ find_appointment" in turn4 and "FAILED: Scheduling system timed out" in turn4
        assert "BARGE-IN" in turn5 and "handoff: warm_transfer · booking_lookup_failed" in turn5
        assert "ASR: Hi, I need to move my appointment on Thursday." in turn2
        assert "BARGE-IN" not in turn4 and "ERROR" not in turn5
        # `]` walks the flagged turns: 4 (failed lookup, slow), 5 (barge-in, handoff); turn 3's
        # lookup succeeded, so it is marked FUNCTION but is no stop.
        view.cursor = 0
        stops = []
        for _ in range(3):
            await pilot.press("right_square_bracket")
            stops.append(view.cursor + 1)
        assert stops == [4, 5, 5]
        assert "FUNCTION" in view.turn_plain_text(2) and "ERROR" not in view.turn_plain_text(2)
        await pilot.press("left_square_bracket")
        assert view.cursor + 1 == 4


async def test_the_chat_in_older_shapes_opens(tmp_path):
    call = real_shaped_conversations()[1]
    app = _app(tmp_path, call)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, ConversationScreen)
        view = app.screen.query_one(TranscriptView)
        assert view.turn_count == 2
        assert "are you open saturday" in view.turn_plain_text(1)
        await pilot.press("right_square_bracket", "t", "G")
        assert isinstance(app.screen, ConversationScreen)


def test_a_score_off_the_known_scale_has_no_colour_band():
    from polytui.tui.widgets.call_header import score_class

    assert score_class(6.0) is None and score_class(0.4) is None and score_class(5) == "-good"


async def test_the_header_shows_a_score_of_six_plainly(tmp_path):
    call = real_shaped_conversations()[0]
    app = _app(tmp_path, call)
    async with app.run_test(size=(140, 45)) as pilot:
        await settle(app, pilot)
        from polytui.tui.widgets.call_header import CallHeader

        header = app.screen.query_one(CallHeader)
        text = "\n".join(line.plain for _, line in header.row_lines())
        assert "PolyScore 6" in text and "Reschedule attempt handed to reception" in text


def test_the_panels_name_events_by_turn_and_show_the_latest_metric():
    from polytui.tui.panel_data import AS_SENT, functions_view, metrics_view

    call = real_shaped_conversations()[0]
    conv = Conversation.from_data(call)
    functions = functions_view(conv)
    assert list(functions) == ["Turn 3", "Turn 4", "Turn 5", AS_SENT]
    assert list(functions["Turn 4"]) == ["find_appointment (5012 ms) FAILED"]
    assert (
        functions["Turn 4"]["find_appointment (5012 ms) FAILED"] == call["functionEvents"]["4"][0]
    )
    assert functions[AS_SENT] == call["functionEvents"]
    metrics = metrics_view(conv)
    assert "CALL_DURATION = 73 · 2026-06-03 13:19:19 UTC" in metrics
    # A spec-shaped call's metrics (not histories) are shown as sent.
    plain = Conversation.from_data({**call, "metrics": {"containment": "contained"}})
    assert metrics_view(plain) == {"containment": "contained"}


async def test_topics_and_studio_reviews_show_and_alternatives_toggle_with_T(tmp_path):
    call = real_shaped_conversations()[0]
    app = _app(tmp_path, call)
    async with app.run_test(size=(140, 45)) as pilot:
        await settle(app, pilot)
        view = app.screen.query_one(TranscriptView)
        turn2, turn4 = view.turn_plain_text(1), view.turn_plain_text(3)
        assert "topics  Rescheduling appointments" in turn2
        assert (
            "Studio review  slow_response: Six seconds of dead air before the apology. "
            "(qa.lead@example.com)" in turn4
        )
        assert "thirsty" not in turn2  # alternatives are on demand
        rows_before = view.virtual_size.height
        await pilot.press("T")
        await pilot.pause()
        turn2 = view.turn_plain_text(1)
        assert "heard  hi i need to move my appointment on thirsty" in turn2
        assert "heard  hi i need to move my appointment on thursday (reschedule)" in turn2
        view.cursor = 1
        await pilot.pause()
        painted = "\n".join(view.render_line(y).text for y in range(view.size.height))
        assert "heard  hi i need to move my appointment on thirsty" in painted
        assert "topics  Rescheduling appointments" in painted
        assert view.virtual_size.height > rows_before
        await pilot.press("T")
        await pilot.pause()
        assert "thirsty" not in view.turn_plain_text(1)
