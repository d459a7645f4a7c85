"""The queue report (polytui.export.queue_report) and a call's reviews in its exports, with
hostile text: shown as data in every format, never as markup, a formula or a terminal code."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest

from polytui.core.errors import UsageError
from polytui.core.models import Conversation
from polytui.core.note import Note
from polytui.core.queues import Progress, Queue, QueueItem
from polytui.export import ExportContext, render
from polytui.export.queue_report import REPORT_COLUMNS, ReportRow, render_report

WHEN = datetime(2025, 1, 6, 14, 3, tzinfo=UTC)
HOSTILE = "<script>x</script> [bold]b[/] =cmd| \x1b[2J \u202e"


def _queue() -> Queue:
    return Queue("<q>&", "file <x>.txt", "<lead>", WHEN, Progress(total=2, done=1, failed=1))


def _rows() -> list[ReportRow]:
    done = QueueItem("<q>&", 1, "AG", "CA<1>", "done", "fail", HOSTILE, "<b>ob", WHEN, 1)
    note = Note(1, "AG", "CA<1>", 2, HOSTILE, "bad response", WHEN, WHEN)
    return [
        ReportRow(done, None, [note], "javascript:alert(1)"),
        ReportRow(
            QueueItem("<q>&", 2, "AG", "CA2"),
            None,
            [],
            "https://studio.us.poly.ai/A/AG/conversations/CA2",
        ),
    ]


def test_csv_cells_are_clean_and_never_formulas():
    rows = list(csv.DictReader(io.StringIO(render_report(_queue(), _rows(), "csv"))))
    assert list(rows[0]) == list(REPORT_COLUMNS)
    assert rows[0]["category"].startswith("<script>") and "\x1b" not in rows[0]["category"]
    assert rows[0]["reviewer"] == "<b>ob"
    assert rows[0]["notes"].startswith("turn 2 [bad response] <script>")
    assert rows[1]["status"] == "pending" and rows[1]["verdict"] == ""


def test_html_escapes_everything_and_links_only_http():
    page = render_report(_queue(), _rows(), "html")
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert 'href="javascript' not in page
    assert 'href="https://studio.us.poly.ai/A/AG/conversations/CA2"' in page
    assert "\x1b" not in page and "\u202e" not in page


def test_json_keeps_values_and_is_safe_to_print():
    text = render_report(_queue(), _rows(), "json")
    assert "\x1b" not in text and "\u202e" not in text
    data = json.loads(text)
    assert data["calls"][0]["category"] == HOSTILE
    assert data["queue"]["progress"]["failed"] == 1


def test_unknown_report_format():
    with pytest.raises(UsageError, match="choose one of csv, json, html"):
        render_report(_queue(), _rows(), "xml")


@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "csv", "json"])
def test_a_calls_export_names_each_queue_it_is_in(fmt):
    call = Conversation.from_data(
        {
            "conversationId": "CA1",
            "accountId": "A",
            "projectId": "P",
            "turns": [{"user_input": "hi"}],
        }
    )
    item = QueueItem("mon", 3, "P", "CA1", "done", "fail", HOSTILE, "alice", WHEN, 2)
    out = render(call, fmt, ExportContext(reviews=[item]))
    assert "\x1b" not in out and "\u202e" not in out
    if fmt == "json":
        assert json.loads(out)["polytuiReviews"][0]["category"] == HOSTILE
        return
    assert "mon" in out and "done · fail" in out and "alice" in out and "2025-01-06 14:03" in out
    if fmt == "html":
        assert "<script>" not in out and "&lt;script&gt;" in out
    if fmt == "markdown":
        assert "\\<script\\>" in out
    if fmt == "csv":
        assert all(
            row["review"].startswith("queue 'mon'") for row in csv.DictReader(io.StringIO(out))
        )
