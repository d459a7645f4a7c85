"""What `polytui queue ls | show | export` print: tables, JSON and the queue's report."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from polytui.core.config import Settings
from polytui.core.note import Note
from polytui.core.queues import STATUS_WORDS, Queue, QueueItem
from polytui.core.text import clean_line

from .notes import print_json


def _table(rows: Sequence[tuple[str, ...]]) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())


def _when(item: QueueItem) -> str:
    return f"{item.changed_at:%Y-%m-%d %H:%M}" if item.changed_at else "-"


def queue_dict(queue: Queue) -> dict[str, Any]:
    p = queue.progress
    return {
        "name": queue.name,
        "source": queue.source,
        "createdBy": queue.created_by,
        "createdAt": queue.created_at.isoformat(),
        "total": p.total,
        "pending": p.pending,
        "inReview": p.in_review,
        "done": p.done,
        "skipped": p.skipped,
        "flagged": p.flagged,
        "passed": p.passed,
        "failed": p.failed,
    }


def list_queues(store, *, as_json: bool) -> int:
    queues = store.queues()
    if as_json:
        print_json([queue_dict(queue) for queue in queues])
        return 0
    if not queues:
        print(
            "No queues yet: make one with 'polytui queue new NAME --from-file FILE'.",
            file=sys.stderr,
        )
        return 0
    rows = [("NAME", "DONE", "FAIL", "SKIPPED", "FLAGGED", "LEFT", "MADE", "BY", "FROM")]
    for queue in queues:
        p = queue.progress
        rows.append(
            (
                clean_line(queue.name),
                f"{p.done}/{p.total}",
                str(p.failed),
                str(p.skipped),
                str(p.flagged),
                str(p.unfinished),
                f"{queue.created_at:%Y-%m-%d %H:%M}",
                clean_line(queue.created_by),
                clean_line(queue.source)[:60],
            )
        )
    _table(rows)
    return 0


def show_queue(store, name: str, statuses: Sequence[str] | None, *, as_json: bool) -> int:
    items = store.queue_items(name, statuses=statuses)  # NotFoundError first
    queue = store.get_queue(name)
    if as_json:
        print_json({**queue_dict(queue), "items": [item.to_json_dict() for item in items]})
        return 0
    print(clean_line(queue.progress.line(queue.name)))
    if not items:
        wanted = ", ".join(STATUS_WORDS[s] for s in statuses or ())
        print(f"No call of this queue is {wanted}.", file=sys.stderr)
        return 0
    rows = [("#", "STATUS", "VERDICT", "CATEGORY", "REVIEWER", "CHANGED", "ID")]
    for item in items:
        rows.append(
            (
                str(item.position),
                STATUS_WORDS.get(item.status, item.status),
                item.verdict or "-",
                clean_line(item.category or "-")[:40],
                clean_line(item.reviewer or "-"),
                _when(item),
                clean_line(item.conversation_id),
            )
        )
    _table(rows)
    return 0


def show_history(store, name: str, item: QueueItem) -> int:
    """One call of a queue: where it stands, then every change, oldest first."""
    print(
        f"{clean_line(item.conversation_id)} ({clean_line(item.agent)}), call {item.position} "
        f"of the queue '{clean_line(item.queue)}': {clean_line(item.describe())}"
    )
    events = store.item_history(name, item.key)
    if not events:
        print("No change yet.")
        return 0
    rows = [("WHEN (UTC)", "REVIEWER", "STATUS", "VERDICT", "CATEGORY")]
    for event in events:
        rows.append(
            (
                f"{event.at:%Y-%m-%d %H:%M:%S}",
                clean_line(event.reviewer),
                STATUS_WORDS.get(event.status, event.status),
                event.verdict or "-",
                clean_line(event.category or "-"),
            )
        )
    _table(rows)
    return 0


def export_queue(store, args: argparse.Namespace, settings: Settings) -> int:
    """The queue's report (one row per call) on stdout or in a private file."""
    from polytui.export.queue_report import ReportRow, render_report

    from .commands import emit

    output = None if args.output is None else Path(args.output)
    if output is not None and str(output) != "-":
        from polytui.files import check_output

        check_output(output, store=settings.db_path)  # before any work
    items = store.queue_items(args.name)
    queue = store.get_queue(args.name)
    keys = [item.key for item in items]
    calls = {(row.agent, row.conversation_id): row for row in store.rows_for(keys)}
    wanted = set(keys)
    notes: dict[tuple[str, str], list[Note]] = {}
    for note in store.all_notes():
        key = (note.agent, note.conversation_id)
        if key in wanted:
            notes.setdefault(key, []).append(note)
    rows = [
        ReportRow(
            item=item,
            call=calls.get(item.key),
            notes=notes.get(item.key, ()),
            studio_url=settings.studio_url(item.conversation_id, project=item.agent),
        )
        for item in items
    ]
    emit(render_report(queue, rows, args.format), output, settings.db_path)
    return 0
