"""The data formats: JSON (faithful: the payload as the API sent it, unknown fields kept) and
CSV (one row per turn, for spreadsheets: cleaned cells, guarded against formula injection)."""

from __future__ import annotations

import csv
import io
import json
import math
import re
from typing import Any

from polytui.core.models import Conversation, Note
from polytui.core.note import NOTES_KEY, REVIEWS_KEY
from polytui.core.payload import faithful_json
from polytui.core.readings import as_bool, json_safe
from polytui.core.text import clean, escape_json_text

from .common import (
    DEFAULT_CONTEXT,
    ExportContext,
    group_notes,
    pretty_json,
    review_text,
    turn_flags,
)
from .details import event_cell

CSV_COLUMNS = (
    "conversation_id",
    "turn",
    "offset",
    "user_input",
    "user_input_dtmf",
    "is_silence",
    "agent_response",
    "latency",
    "translated_user_input",
    "english_agent_response",
    "intents",
    "entities",
    "is_ood",
    "user_input_datetime",
    "agent_response_datetime",
    "flags",
    "barge_in",
    "asr_corrected",
    "function_events",
    "retrieved_topics",
    "review",
    "notes",
)


def _payload(conversation: Conversation) -> dict[str, Any]:
    """The payload exactly as received (a shallow copy, so notes can be added)."""
    return dict(conversation.to_dict())


def render_json(conversation: Conversation, ctx: ExportContext | None = None) -> str:
    """The conversation as the API spelled it, plus reviewer notes under ``NOTES_KEY`` and its
    review-queue items under ``REVIEWS_KEY``: the stored text itself when the context has it
    (``payload.faithful_json``), else written out."""
    ctx = ctx or DEFAULT_CONTEXT
    added = {
        NOTES_KEY: [note.to_json_dict() for note in ctx.notes],
        REVIEWS_KEY: [item.to_json_dict() for item in ctx.reviews],
    }
    if ctx.raw is not None:
        text = faithful_json(ctx.raw, added)
        if text is not None:
            return text
    data = _payload(conversation)
    data.update((key, values) for key, values in added.items() if values)
    return json_text(data)


def json_text(data: Any) -> str:
    """Pretty JSON that is safe to print (``text.escape_json_text``): the values are unchanged
    for any JSON reader but nothing in them can act on a terminal. Ends in a newline."""
    return escape_json_text(_dumps(data)) + "\n"


def _dumps(data: Any) -> str:
    try:
        return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)
    except ValueError:  # NaN / Infinity (Python's json reads them) are not JSON: write null
        data = json_safe(data)
    except RecursionError:  # nested deeper than Python's recursion limit
        return pretty_json(json_safe(data))
    try:
        return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)
    except RecursionError:
        return pretty_json(data)


# -- CSV -----------------------------------------------------------------------------------------

_FORMULA_START = tuple("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def csv_cell(value: object) -> str:
    """A text cell: cleaned (newlines kept) and, when a spreadsheet would read it as a formula,
    prefixed with ``'``. Plain numbers such as ``-5`` are left alone."""
    text = clean(value)
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def _flag(value: bool | None) -> str:
    return "" if value is None else ("true" if value else "false")


def _number(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, float) and not math.isfinite(value):
        return ""
    return str(value)


def _offset(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return ""
    text = f"{seconds:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _entities(value: list[Any] | None) -> str:
    if not value:
        return ""
    try:
        return json.dumps(value, ensure_ascii=False)
    except RecursionError:
        return pretty_json(value)


def _notes_cell(notes: list[Note]) -> str:
    return " | ".join(f"[{n.label}] {n.text}" if n.label else n.text for n in notes)


def render_csv(conversation: Conversation, ctx: ExportContext | None = None) -> str:
    """One row per turn under a header row (``CSV_COLUMNS``); ``offset`` is seconds from the
    start of the call. Notes on the whole call (or on turns this copy lacks) go in one last row
    whose ``turn`` is empty. ``review`` (the call's status and verdict in each review queue)
    repeats on every row, as the conversation ID does."""
    ctx = ctx or DEFAULT_CONTEXT
    c = conversation
    turns = c.turn_list
    call_notes, by_turn = group_notes(ctx.notes, len(turns))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    conversation_id = csv_cell(c.conversation_id)
    review = csv_cell(" | ".join(review_text(item) for item in ctx.reviews))
    for number, turn in enumerate(turns, start=1):
        writer.writerow(
            (
                conversation_id,
                number,
                _offset(c.turn_offset(turn)),
                csv_cell(turn.user_input),
                csv_cell(turn.user_input_dtmf),
                _flag(turn.is_silence),
                csv_cell(turn.agent_response),
                _number(turn.latency),
                csv_cell(turn.translated_user_input),
                csv_cell(turn.english_agent_response),
                csv_cell("; ".join(turn.intent_list)),
                csv_cell(_entities(turn.entities)),
                _flag(turn.is_ood),
                csv_cell(turn.user_input_datetime),
                csv_cell(turn.agent_response_datetime),
                csv_cell("; ".join(turn_flags(turn, ctx, c))),
                _flag(as_bool(turn.get_raw("barge_in"))),
                csv_cell(turn.asr_corrected),
                csv_cell("; ".join(event_cell(e) for e in c.function_events_for(number))),
                csv_cell("; ".join(turn.retrieved_topics)),
                review,
                csv_cell(_notes_cell(by_turn.get(number, []))),
            )
        )
    if call_notes:
        texts = []
        for item in call_notes:
            text = _notes_cell([item.note])
            if item.missing_turn is not None:
                text = f"(turn {item.missing_turn}, not in this copy) {text}"
            texts.append(text)
        row = [""] * len(CSV_COLUMNS)
        row[0] = conversation_id
        row[-2] = review
        row[-1] = csv_cell(" | ".join(texts))
        writer.writerow(row)
    return buffer.getvalue()
