"""The rules about a call (polytui.core.facts) and that every front end reads them alike: a call
with ``handoff: null`` and a destination is handed off in the app's header and transcript, in the
stored-call browser, in `cache list` and in every export."""

from __future__ import annotations

import copy
import csv
import io
import json

import pytest

from polytui.adapters.sqlite import Store
from polytui.core.config import Settings
from polytui.core.facts import (
    DEFAULT_BANDS,
    LatencyBands,
    format_offset,
    handed_off,
    handoff_state,
    is_review_stop,
    turn_marks,
)
from polytui.core.models import Conversation
from polytui.demo.samples import DEMO_AGENT
from polytui.export import FORMATS, ExportContext, render
from polytui.tui.app import PolyTUI
from polytui.tui.widgets.call_columns import COLUMNS, cells
from polytui.tui.widgets.call_header import CallHeader
from polytui.tui.widgets.call_table import CallTable
from polytui.tui.widgets.transcript import TranscriptView

CALL = {
    "conversationId": "CONV-HANDOFF-NULL",
    "accountId": "ACC-1",
    "projectId": DEMO_AGENT,
    "startedAt": "2026-06-03T13:18:00Z",
    "handoff": None,
    "handoffDestination": "+44 20 7946 0000 (reception)",
    "turns": [
        {"user_input": "hello", "agent_response": "Hi, how can I help?", "latency": 0.8},
        {"user_input": "a person please", "agent_response": "Putting you through.", "latency": 1},
    ],
}


def _conv(**changes) -> Conversation:
    data = copy.deepcopy(CALL)
    data.update(changes)
    return Conversation.from_data(data)


def test_handoff_null_with_a_destination_is_a_handoff():
    assert handoff_state(_conv()) is True and handed_off(_conv())
    assert handoff_state(_conv(handoffDestination=None)) is None
    assert handoff_state(_conv(handoff=False)) is False  # the API said no: the destination waits
    assert handoff_state(_conv(handoff=True, handoffDestination=None)) is True


def test_turn_marks_follow_the_bands_and_stops_skip_a_working_function():
    turn = _conv().turn_list[1]
    assert turn_marks(turn) == []
    assert turn_marks(turn, bands=LatencyBands(0.5, 0.9), handoff=True) == ["SLOW", "HANDOFF"]
    assert is_review_stop(["FUNCTION"]) is False and is_review_stop(["FUNCTION", "ERROR"])


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(-0.4, "00:00"), (-1.2, "-00:01"), (59.9, "00:59"), (3600, "1:00:00"), (None, "--:--")],
)
def test_offsets_are_written_one_way(seconds, shown):
    assert format_offset(seconds) == shown


def test_every_export_marks_the_handoff():
    conv = _conv()
    for fmt in FORMATS:
        out = render(conv, fmt, ExportContext())
        if fmt == "json":
            assert json.loads(out)["handoff"] is None  # as received
        elif fmt == "csv":
            rows = list(csv.DictReader(io.StringIO(out)))
            assert "handoff" in rows[-1]["flags"] and "handoff" not in rows[0]["flags"]
        else:
            assert "reception" in out and "yes" in out, fmt


def test_the_browser_row_says_yes(tmp_path):
    with Store(tmp_path / "polytui.sqlite3") as store:
        store.put(DEMO_AGENT, "https://h", json.dumps(CALL), _conv())
        (row,) = store.list()
    assert row.handoff is True
    handoff_column = [c.key for c in COLUMNS].index("handoff")
    assert cells(row, latency_good=1.5, latency_warn=3.0)[handoff_column].plain == "yes"


async def test_the_app_marks_the_last_turn_and_the_header(tmp_path):
    with Store(tmp_path / "polytui.sqlite3") as store:
        store.put(DEMO_AGENT, "https://h", json.dumps(CALL), _conv())
    settings = Settings(agent=DEMO_AGENT, offline=True, data_path=tmp_path)
    app = PolyTUI(settings, initial_id=CALL["conversationId"])
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        view = app.screen.query_one(TranscriptView)
        assert "HANDOFF" in view.turn_plain_text(1) and "HANDOFF" not in view.turn_plain_text(0)
        header = app.screen.query_one(CallHeader)
        text = "\n".join(line.plain for _, line in header.row_lines())
        assert "reception" in text


async def test_the_browser_shows_yes(tmp_path):
    with Store(tmp_path / "polytui.sqlite3") as store:
        store.put(DEMO_AGENT, "https://h", json.dumps(CALL), _conv())
    app = PolyTUI(Settings(agent=DEMO_AGENT, offline=True, data_path=tmp_path))
    async with app.run_test(size=(160, 30)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(CallTable)
        painted = "\n".join(table.render_line(y).text for y in range(table.size.height))
        assert "CONV-HANDOFF-NULL" in painted and " yes " in painted


def test_the_default_bands_are_the_configs():
    assert (Settings().latency_good, Settings().latency_warn) == (
        DEFAULT_BANDS.good,
        DEFAULT_BANDS.warn,
    )
    assert ExportContext().bands == DEFAULT_BANDS == Settings().bands
