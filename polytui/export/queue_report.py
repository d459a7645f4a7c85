"""A review queue as the report a QA lead asks for: one row per call with its status, verdict,
category, reviewer and notes, in CSV, JSON or HTML (``polytui queue export``).

Pure, like every export: cells are cleaned (CSV guarded against formulas, HTML escaped); JSON
keeps the values as stored, escaped so that it is safe to print."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from polytui.core.errors import UsageError
from polytui.core.note import Note
from polytui.core.ports import ConversationRow
from polytui.core.queues import STATUS_WORDS, Queue, QueueItem
from polytui.core.text import clean_line

from .common import format_api_datetime, format_datetime, format_duration

REPORT_FORMATS = ("csv", "json", "html")
REPORT_COLUMNS = (
    "position",
    "conversation_id",
    "agent",
    "status",
    "verdict",
    "category",
    "reviewer",
    "changed_at",
    "note_count",
    "notes",
    "started_at",
    "channel",
    "duration",
    "handoff",
    "summary",
    "studio_url",
)


@dataclass(frozen=True)
class ReportRow:
    """One call of the queue with what the report says beside its item."""

    item: QueueItem
    call: ConversationRow | None = None  # the stored copy's listing row (None: not stored)
    notes: Sequence[Note] = ()
    studio_url: str | None = None


def notes_text(notes: Sequence[Note]) -> str:
    """``turn 3 [bad response] too slow | call: fine otherwise`` (raw text)."""
    parts = []
    for note in notes:
        where = "call" if note.turn is None else f"turn {note.turn}"
        label = f" [{note.label}]" if note.label else ""
        text = f" {note.text}" if note.text else ""
        parts.append(f"{where}{label}{text}")
    return " | ".join(parts)


def _record(row: ReportRow) -> dict[str, Any]:
    """The row's values (raw) under REPORT_COLUMNS."""
    item, call = row.item, row.call
    return {
        "position": item.position,
        "conversation_id": item.conversation_id,
        "agent": item.agent,
        "status": item.status,
        "verdict": item.verdict,
        "category": item.category,
        "reviewer": item.reviewer,
        "changed_at": item.changed_at.isoformat() if item.changed_at else None,
        "note_count": len(row.notes),
        "notes": notes_text(row.notes),
        "started_at": call.started_at if call else None,
        "channel": call.channel if call else None,
        "duration": call.duration if call else None,
        "handoff": call.handoff if call else None,
        "summary": call.summary if call else None,
        "studio_url": row.studio_url,
    }


def render_report(queue: Queue, rows: Sequence[ReportRow], fmt: str) -> str:
    """``queue`` and its ``rows`` (in the queue's order) as ``fmt``, one of REPORT_FORMATS."""
    name = fmt.strip().lower() if isinstance(fmt, str) else ""
    if name == "csv":
        return _csv(rows)
    if name == "json":
        return _json(queue, rows)
    if name == "html":
        return _html(queue, rows)
    shown = clean_line(fmt)[:40]
    raise UsageError(f"Unknown report format '{shown}': choose one of {', '.join(REPORT_FORMATS)}.")


def _csv(rows: Sequence[ReportRow]) -> str:
    from .data import csv_cell

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(REPORT_COLUMNS)
    for row in rows:
        record = _record(row)
        cells = []
        for column in REPORT_COLUMNS:
            value = record[column]
            if value is None:
                cells.append("")
            elif isinstance(value, bool):
                cells.append("true" if value else "false")
            elif isinstance(value, (int, float)):
                cells.append(str(value))
            else:
                cells.append(csv_cell(value))
        writer.writerow(cells)
    return buffer.getvalue()


def _json(queue: Queue, rows: Sequence[ReportRow]) -> str:
    from .data import json_text

    p = queue.progress
    data = {
        "queue": {
            "name": queue.name,
            "source": queue.source,
            "createdBy": queue.created_by,
            "createdAt": queue.created_at.isoformat(),
            "progress": {
                "total": p.total,
                "pending": p.pending,
                "inReview": p.in_review,
                "done": p.done,
                "skipped": p.skipped,
                "flagged": p.flagged,
                "passed": p.passed,
                "failed": p.failed,
            },
        },
        "calls": [
            {
                **row.item.to_json_dict(),
                "notes": [note.to_json_dict() for note in row.notes],
                "startedAt": row.call.started_at if row.call else None,
                "channel": row.call.channel if row.call else None,
                "duration": row.call.duration if row.call else None,
                "handoff": row.call.handoff if row.call else None,
                "summary": row.call.summary if row.call else None,
                "studioUrl": row.studio_url,
            }
            for row in rows
        ],
    }
    return json_text(data)


_HTML_EXTRA = """
.report td { font-variant-numeric: tabular-nums; }
.st { white-space: nowrap; }
.st-done { color: var(--good); } .st-flagged, .st-in_review { color: var(--warn); }
.st-skipped, .st-pending { color: var(--muted); }
.v-fail { color: var(--slow); font-weight: 700; } .v-pass { color: var(--good); }
.progress { font-weight: 600; }
"""


def _html(queue: Queue, rows: Sequence[ReportRow]) -> str:
    from .htmldoc import _CSS, esc

    title = f"Queue '{clean_line(queue.name)}'"
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="color-scheme" content="light dark">',
        '<meta name="generator" content="polytui">',
        f"<title>{esc(title)} · polytui</title>",
        f"<style>{_CSS}{_HTML_EXTRA}</style>",
        "</head>",
        "<body>",
        "<main>",
        f"<h1>{esc(title)}</h1>",
        f'<p class="progress">{esc(queue.progress.line(clean_line(queue.name)))}</p>',
        '<table class="meta">',
        f"<tr><th>Made from</th><td>{esc(queue.source)}</td></tr>",
        f"<tr><th>Made by</th><td>{esc(queue.created_by)}, "
        f"{esc(format_datetime(queue.created_at))}</td></tr>",
        "</table>",
        '<section><h2>Calls</h2><table class="report"><thead><tr><th>#</th><th>Call</th>'
        "<th>Status</th><th>Verdict</th><th>Category</th><th>Reviewer</th><th>Notes</th>"
        "</tr></thead><tbody>",
    ]
    for row in rows:
        item, call = row.item, row.call
        ident = _linked(esc(item.conversation_id), row.studio_url)
        about = []
        if call is not None:
            facts = [format_api_datetime(call.started_at), call.channel or ""]
            if call.duration is not None:
                facts.append(format_duration(call.duration))
            if call.handoff:
                facts.append("handoff")
            about.append(" · ".join(fact for fact in facts if fact))
            if call.summary:
                about.append(call.summary)
        detail = "".join(f'<div class="translation">{esc(text)}</div>' for text in about if text)
        when = f"<br>{esc(format_datetime(item.changed_at))}" if item.changed_at else ""
        notes = "".join(f'<div class="note">{esc(notes_text([n]))}</div>' for n in row.notes)
        out.append(
            f"<tr><td>{item.position}</td><td>{ident}{detail}</td>"
            f'<td class="st st-{esc(item.status)}">{esc(STATUS_WORDS.get(item.status, ""))}</td>'
            f'<td class="v-{esc(item.verdict or "none")}">{esc(item.verdict or "")}</td>'
            f"<td>{esc(item.category or '')}</td>"
            f"<td>{esc(item.reviewer or '')}{when}</td><td>{notes}</td></tr>"
        )
    out += ["</tbody></table></section>", "<footer>Exported by polytui.</footer>"]
    out += ["</main>", "</body>", "</html>"]
    return "\n".join(out) + "\n"


def _linked(text: str, url: str | None) -> str:
    """``text`` (escaped HTML) as a link to ``url`` when that is an http(s) URL."""
    import html
    from urllib.parse import urlsplit

    target = clean_line(url or "").strip()
    try:
        parts = urlsplit(target)
    except ValueError:
        return text
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return text
    return f'<a href="{html.escape(target, quote=True)}" rel="noopener noreferrer">{text}</a>'
