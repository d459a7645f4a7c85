"""The call browser colours a call's slowest turn by the configured latency bands."""

from __future__ import annotations

import json

from polytui.adapters.sqlite import Store
from polytui.core.models import Conversation
from polytui.demo import real_shaped_conversations
from polytui.tui.widgets.call_columns import COLUMNS, cells
from polytui.tui.widgets.call_header import LATENCY_STYLES


def _latency_cell_style(row, good: float, warn: float) -> str:
    index = [column.key for column in COLUMNS].index("max_latency")
    cell = cells(row, latency_good=good, latency_warn=warn)[index]
    return "".join(str(span.style) for span in cell.spans)


def test_the_browser_honours_configured_latency_bands(tmp_path):
    call = real_shaped_conversations()[0]  # slowest turn 5.882 s
    with Store(tmp_path / "polytui.sqlite3") as store:
        store.put("PROJECT-demo", "https://h", json.dumps(call), Conversation.from_data(call))
        (row,) = store.list()
    assert _latency_cell_style(row, 1.5, 3.0) == LATENCY_STYLES["slow"]
    assert _latency_cell_style(row, 1.5, 8.0) == LATENCY_STYLES["warn"]
    assert _latency_cell_style(row, 6.0, 8.0) == LATENCY_STYLES["good"]
