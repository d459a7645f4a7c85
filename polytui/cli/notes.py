"""`polytui notes list | add | rm`: reviewer notes from the command line (kept locally only)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

from polytui.core.config import Settings
from polytui.core.errors import NotFoundError, PolytuiError, UsageError
from polytui.core.note import MAX_TURN, NOTE_LABELS, Note
from polytui.core.text import clean_line

from .args import MAX_ROW_ID, bounded_int
from .inputs import read_bounded

MAX_NOTE_BYTES = 1 << 20  # a note from standard input: 1 MiB of text


def register(add: Callable[[str, str], argparse.ArgumentParser]) -> None:
    labels = ", ".join(NOTE_LABELS)
    notes = add("notes", "reviewer notes: list, add, rm (kept on this machine only)")
    sub = notes.add_subparsers(dest="notes_command", metavar="ACTION", required=True)
    listing = sub.add_parser(
        "list",
        help="every note, grouped by call (calls with the newest notes first); "
        "--agent on the command line shows one agent's only",
    )
    listing.add_argument("conversation_id", nargs="?", metavar="ID", help="only this call")
    listing.add_argument("--json", action="store_true", help="print a JSON list")
    adding = sub.add_parser("add", help="add a note to a stored call, or to one of its turns")
    adding.add_argument(
        "conversation_id", metavar="ID", help="conversation ID or Studio link (must be stored)"
    )
    adding.add_argument(
        "--turn",
        type=bounded_int(1, MAX_TURN),
        metavar="N",
        help="turn number from 1 (default: the whole call)",
    )
    adding.add_argument("--label", metavar="LABEL", help=f"one of: {labels}")
    adding.add_argument(
        "text",
        nargs="+",
        metavar="TEXT",
        help="the note ('-' reads standard input; '' for a label alone)",
    )
    remove = sub.add_parser("rm", help="delete notes by their number (see 'notes list')")
    remove.add_argument("note_ids", nargs="+", type=bounded_int(1, MAX_ROW_ID), metavar="NOTE_ID")


def run_notes(args: argparse.Namespace, settings: Settings) -> int:
    from contextlib import closing

    from polytui.stores import open_store

    from .targets import one_target

    given = getattr(args, "conversation_id", None)
    if given:
        args.conversation_id, settings = one_target(given, settings)
        if "://" in given:  # a Studio link names the agent, as --agent would
            args.agent = settings.agent
    with closing(open_store(settings)) as store:
        if args.notes_command == "list":
            agent = getattr(args, "agent", None)  # only when given on the command line
            return list_notes(store, args.conversation_id, agent, as_json=args.json)
        if args.notes_command == "add":
            return add_note(store, args, settings)
        return remove_notes(store, args.note_ids)


# -- list -------------------------------------------------------------------------------------


def note_dict(note: Note) -> dict[str, Any]:
    """A note as ``notes list --json`` prints it (the export's note fields plus its call)."""
    return {"agent": note.agent, "conversationId": note.conversation_id, **note.to_json_dict()}


def by_call(notes: Sequence[Note]) -> list[Note]:
    """Notes grouped by call, the call changed most recently first; within a call, whole-call
    notes first, then by turn, then oldest first."""
    latest: dict[tuple[str, str], float] = {}
    for note in notes:
        key = (note.agent, note.conversation_id)
        latest[key] = max(latest.get(key, float("-inf")), note.updated_at.timestamp())

    def order(note: Note) -> tuple[Any, ...]:
        key = (note.agent, note.conversation_id)
        turn = 0 if note.turn is None else note.turn
        return (-latest[key], key, turn, note.created_at, note.id)

    return sorted(notes, key=order)


def list_notes(store, conversation_id: str | None, agent: str | None, *, as_json: bool) -> int:
    if conversation_id is not None:
        from polytui.core.ids import validate_conversation_id

        notes = store.notes_for(validate_conversation_id(conversation_id), agent)
    else:
        notes = [n for n in store.all_notes() if agent is None or n.agent == agent]
    notes = by_call(notes)
    if as_json:
        print_json([note_dict(note) for note in notes])
        return 0
    if not notes:
        where = f" on {clean_line(conversation_id)}" if conversation_id else ""
        print(f"No reviewer notes{where} yet.", file=sys.stderr)
        return 0
    table = [("NOTE", "AGENT", "CONVERSATION", "TURN", "LABEL", "UPDATED", "TEXT")]
    for note in notes:
        table.append(
            (
                str(note.id),
                clean_line(note.agent),
                clean_line(note.conversation_id),
                "call" if note.turn is None else str(note.turn),
                clean_line(note.label or "-"),
                f"{note.updated_at:%Y-%m-%d %H:%M}",
                clean_line(note.text) or "-",
            )
        )
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
    return 0


# -- add / rm ---------------------------------------------------------------------------------


def normalise_label(value: str | None) -> str | None:
    """A label as stored: case, hyphens and underscores forgiven ("Bad-Response" works);
    UsageError naming the labels otherwise."""
    if value is None:
        return None
    wanted = " ".join(value.replace("-", " ").replace("_", " ").split()).lower()
    if wanted in NOTE_LABELS:
        return wanted
    choices = ", ".join(NOTE_LABELS)
    raise UsageError(f"Unknown note label '{clean_line(value)[:40]}': use one of {choices}.")


def _note_text(words: Sequence[str]) -> str:
    if list(words) == ["-"]:
        data = read_bounded("-", limit=MAX_NOTE_BYTES, what="note text")
        return data.decode("utf-8", "replace")
    return " ".join(words)


def add_note(store, args: argparse.Namespace, settings: Settings) -> int:
    from polytui.core.ids import validate_conversation_id

    conversation_id = validate_conversation_id(args.conversation_id)
    label = normalise_label(args.label)
    turn = args.turn
    if turn is not None and turn < 1:
        raise UsageError(f"--turn must be a turn number from 1 up, not {turn}.")
    text = _note_text(args.text)
    if not text.strip() and label is None:
        raise UsageError("A note needs some text or a --label.")
    stored = store.get(conversation_id, settings.agent)
    if stored is None:
        raise NotFoundError(
            f"Conversation {clean_line(conversation_id)} is not stored: "
            "fetch it first ('polytui fetch ID') or import it."
        )
    if turn is not None:
        count = len(stored.conversation().turn_list)
        if turn > count:
            raise UsageError(
                f"Conversation {clean_line(conversation_id)} has {count} turn(s); "
                f"there is no turn {turn}."
            )
    note = store.add_note(stored.agent, conversation_id, turn, text, label)
    where = "the whole call" if turn is None else f"turn {turn}"
    print(f"Added note {note.id} on {clean_line(conversation_id)} ({where}).")
    return 0


def remove_notes(store, note_ids: Sequence[int]) -> int:
    removed = 0
    missing: list[PolytuiError] = []
    for note_id in dict.fromkeys(note_ids):
        try:
            store.delete_note(note_id)
        except NotFoundError as exc:
            missing.append(exc)
        else:
            removed += 1
    for error in missing:
        print(f"polytui: {error}", file=sys.stderr)
    print(f"Removed {removed} note(s).")
    return NotFoundError.exit_code if missing else 0


# -- output -----------------------------------------------------------------------------------


def print_json(data: object) -> None:
    """JSON on stdout, with characters a terminal could act on (C1 controls, bidi overrides)
    escaped: the values are unchanged for any JSON reader."""
    from polytui.export.data import json_text

    sys.stdout.write(json_text(data))
