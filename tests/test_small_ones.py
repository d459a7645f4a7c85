"""Issue 12's small ones (items 12 and 14): `cache list --sort` takes the column names the
tables print; an 18-hour call is 18:26:28 in the app and the CLI alike (one writer, core.facts);
an empty caller side and a chat's user are named the same way in the transcript and the note
editor; NO_COLOR keeps colour out of `cache search`; the panels draw no stray scrollbar."""

from __future__ import annotations

import copy
import json

import pytest

from polytui.core.facts import format_clock
from polytui.demo._scripts import BANK_ID, CHAT_ID
from polytui.demo.samples import sample_conversations

from .helpers import run_cli
from .test_app import make_app, open_loaded, screen_text, settle
from .test_call_browser import fill, offline_app, scripted
from .test_cli_offline import _store_calls

__all__ = ["scripted"]

LONG_SECONDS = 18 * 3600 + 26 * 60 + 28  # 18:26:28


def _json(capsys, *args: str):
    code, out, err = run_cli(capsys, *args)
    assert code == 0, err
    return json.loads(out)


@pytest.mark.parametrize(
    ("name", "key"),
    [("score", "poly_score"), ("Score", "poly_score"), ("Max lat", "max_latency"),
     ("STARTED", "started_at"), ("turns", "turn_count"), ("Length", "duration"),
     ("DURATION", "duration"), ("fetched", "fetched_at"), ("notes", "note_count")],
)  # fmt: skip
def test_cache_list_sorts_by_the_names_the_tables_print(hermetic_env, capsys, name, key):
    calls = [s for s in sample_conversations() if s["conversationId"] != sample_ids_big()]
    _store_calls(hermetic_env, calls)
    by_name = _json(capsys, "cache", "list", "--sort", name, "--json")
    by_key = _json(capsys, "cache", "list", "--sort", key, "--json")
    assert [r["conversationId"] for r in by_name] == [r["conversationId"] for r in by_key]


def sample_ids_big() -> str:
    from polytui.demo.samples import sample_ids

    return sample_ids()[-1]


def test_an_unknown_column_names_the_columns(hermetic_env, capsys):
    code, out, err = run_cli(capsys, "cache", "list", "--sort", "loudness")
    assert code == 2 and out == ""
    assert "'loudness' is not a column: use started, id, channel, length" in err


def test_clock_lengths_past_an_hour():
    assert format_clock(LONG_SECONDS) == "18:26:28"
    assert format_clock(65) == "1:05" and format_clock(0) == "0:00"
    assert format_clock(None) == "" and format_clock(float("nan")) == ""


def long_call() -> dict:
    bank = next(s for s in sample_conversations() if s["conversationId"] == BANK_ID)
    data = copy.deepcopy(bank)
    data["conversationId"] = "CA" + "1" * 32
    data["totalDuration"] = LONG_SECONDS
    data["duration"] = LONG_SECONDS
    return data


async def test_an_18_hour_call_reads_the_same_in_the_app_and_the_cli(tmp_path, capsys):
    app = offline_app(tmp_path)
    fill(app.settings.db_path, [long_call()])
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        line = next(row for row in screen_text(app).splitlines() if "CA111" in row)
        assert "18:26:28" in line
    import os

    os.environ["POLYTUI_DATA_DIR"] = str(tmp_path / "store")
    try:
        code, out, err = run_cli(capsys, "--offline", "cache", "list")
    finally:
        del os.environ["POLYTUI_DATA_DIR"]
    assert code == 0, err
    row = next(line for line in out.splitlines() if "CA111" in line)
    assert "18:26:28" in row and "1106:28" not in row


async def test_an_empty_caller_reads_the_same_in_the_transcript_and_the_editor(server, tmp_path):
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_loaded(app, pilot)
        assert "(no input)" in screen_text(app)  # turn 1: the agent's greeting
        await pilot.press("a")
        await settle(app, pilot)
        context = str(app.screen.query_one("#note-context").render())
        assert "caller: (no input)" in context and "(silence)" not in context
        await pilot.press("escape", "4", "G", "a")  # turn 4 is a silence
        await settle(app, pilot)
        context = str(app.screen.query_one("#note-context").render())
        assert "caller: (silence)" in context
        assert screen.transcript.cursor == 3


async def test_a_chat_calls_its_user_user(server, tmp_path):
    app = make_app(server, tmp_path, initial_id=CHAT_ID)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_loaded(app, pilot)
        text = screen_text(app)
        assert "user " in text and "caller " not in text
        assert screen.transcript.turn_plain_text(1).splitlines()[1].startswith("user: ")
        await pilot.press("j", "a")
        await settle(app, pilot)
        assert "user: " in str(app.screen.query_one("#note-context").render())


def test_no_color_keeps_colour_out_of_cache_search(hermetic_env, capsys, monkeypatch):
    _store_calls(hermetic_env, [s for s in scripted_calls()])
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    code, coloured, _ = run_cli(capsys, "--offline", "cache", "search", "refund")
    assert code == 0 and "\x1b[1;33m" in coloured
    monkeypatch.setenv("NO_COLOR", "1")
    code, plain, _ = run_cli(capsys, "--offline", "cache", "search", "refund")
    assert code == 0 and "\x1b[1;33m" not in plain and "\x1b[1m" in plain


def scripted_calls() -> list[dict]:
    from .test_call_browser import NEWEST_FIRST

    return [s for s in sample_conversations() if s["conversationId"] in NEWEST_FIRST]


async def test_the_panels_draw_no_stray_scrollbar(server, tmp_path):
    from polytui.demo._scripts import FUNCTIONS_ID

    app = make_app(server, tmp_path, initial_id=FUNCTIONS_ID)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_loaded(app, pilot)
        side = app.screen.query_one("#side")
        rows = screen_text(app).splitlines()
        x = side.region.x
        panel = "\n".join(row[x:] for row in rows[side.region.y : side.region.bottom])
        for glyph in "▍▉▋▌▊▎▏"[:-1]:  # the border's ▏ is the only block allowed
            assert glyph not in panel.replace("▏", ""), glyph
