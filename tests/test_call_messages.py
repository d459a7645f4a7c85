"""What the conversation screen says and keeps in view (issue 12, items 11 and 13): the
selected turn and its notes stay on screen when the whole-call notes strip appears; loading
says what is fetched from where; retries are one notice that updates, not a stack; an offline
failure does not offer a retry that cannot work; a call in progress says how to see more."""

from __future__ import annotations

import pytest

from polytui.demo._scripts import BANK_ID, LIVE_ID

from .test_app import make_app, make_settings, notices, open_loaded, screen_text, settle, shown


@pytest.mark.parametrize("size", [(50, 15), (80, 24), (120, 40)])
async def test_the_whole_call_note_strip_keeps_the_selected_turn_in_view(server, tmp_path, size):
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    async with app.run_test(size=size) as pilot:
        screen = await open_loaded(app, pilot)
        await pilot.press("G", "a")  # a note on the last turn, typed here
        await settle(app, pilot)
        app.screen.text_box.value = "last"
        await pilot.press("enter")
        await settle(app, pilot)
        assert "✎ last" in screen_text(app)
        await pilot.press("C")
        await settle(app, pilot)
        app.screen.text_box.value = "whole"
        await pilot.press("enter")
        await settle(app, pilot)
        assert screen.has_class("-call-notes")
        text = screen_text(app)
        assert "Call  ✎ whole" in text  # the strip above the transcript
        assert "✎ last" in text  # and the selected turn's note, still in view
        assert screen.transcript.cursor == 8


async def test_loading_says_what_is_fetched_from_where(server, tmp_path):
    server.set_fault("slow", times=1, seconds=2.0)
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    async with app.run_test(size=(120, 40)) as pilot:
        await shown(app, pilot)
        await pilot.pause(0.3)
        text = screen_text(app)
        host = app.settings.host
        assert f"Fetching {BANK_ID} from {host}…" in text
        await settle(app, pilot)


async def test_retries_are_one_notice_that_updates(server, tmp_path, fast_retries):
    server.set_fault("unavailable", times=3)
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_loaded(app, pilot)
        # On screen now (not every notice said: each retry replaces the last one's).
        network = [n for n in app._notifications if n.title == "Network"]
        assert len(network) <= 1, [n.message for n in network]
        assert screen.loaded is not None


async def test_offline_failure_offers_no_retry(tmp_path, server):
    settings = make_settings(server, tmp_path, offline=True)
    app = make_app(server, tmp_path, settings=settings, initial_id=BANK_ID)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        text = screen_text(app)
        assert "Could not open this conversation" in text
        assert "r  try again" not in text
        assert "without --offline" in text
        assert "Refresh" not in text.splitlines()[-1]  # nor does the footer offer one


async def test_an_offline_stored_call_offers_no_refresh(tmp_path, samples):
    from .test_call_browser import fill, offline_app

    app = offline_app(tmp_path)
    fill(app.settings.db_path, samples)
    async with app.run_test(size=(200, 40)) as pilot:
        await settle(app, pilot)
        app.open_conversation(samples[0]["conversationId"])
        await open_loaded(app, pilot)
        footer = screen_text(app).splitlines()[-1]
        assert "Export" in footer and "Refresh" not in footer


async def test_a_call_in_progress_says_r_fetches_more(server, tmp_path):
    app = make_app(server, tmp_path, initial_id=LIVE_ID)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_loaded(app, pilot)
        assert any("in progress" in n and "r " in n for n in notices(app)), notices(app)
        footer = screen_text(app).splitlines()[-1]
        assert "r Refresh" in footer


async def test_t_and_T_on_a_call_without_them_say_so(server, tmp_path):
    """Item 13: `t` on a call with no translations said "Translations shown". It says the call
    has none, and still switches the preference (the next calls of a queue follow it)."""
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_loaded(app, pilot)
        assert screen.transcript.show_translations
        await pilot.press("t")
        await pilot.pause()
        said = notices(app)
        assert any("no translations" in n for n in said), said
        assert not any(n.startswith("Translations shown") for n in said), said
        assert not screen.transcript.show_translations  # the preference still switches
        await pilot.press("T")
        await pilot.pause()
        assert any("no alternatives" in n for n in notices(app)), notices(app)
