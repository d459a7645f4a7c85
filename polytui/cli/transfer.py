"""`polytui export` (many calls to files, notes included) and `polytui import` (conversations and
their notes from JSON files: polytui's json export or the API's own JSON)."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from polytui.core import jsontext
from polytui.core.config import Settings
from polytui.core.errors import BadPayloadError, PolytuiError, StoreError, UsageError
from polytui.core.note import MAX_TURN, NOTE_LABELS, NOTES_KEY, REVIEWS_KEY
from polytui.core.text import clean_line

from .args import output_path
from .batch import Batch, BatchReport, progress_bar
from .commands import FORMAT_CHOICES
from .fetch import DEFAULT_CONCURRENCY, check_concurrency, read_ids
from .inputs import read_upto

IMPORT_HOST = "import"  # stored as the host of imported conversations
MAX_IMPORT_BYTES = 256 * 1024 * 1024


def register(add: Callable[[str, str], argparse.ArgumentParser]) -> None:
    export = add("export", "write conversations to files in a folder, one per call, notes included")
    export.add_argument("conversation_ids", nargs="*", metavar="ID", help="conversation IDs")
    export.add_argument("--all", action="store_true", help="every stored conversation")
    export.add_argument(
        "--from-file", metavar="FILE", help="read IDs from FILE, one per line ('-' for stdin)"
    )
    export.add_argument(
        "-f",
        "--format",
        default="markdown",
        choices=FORMAT_CHOICES,
        help="file format (default markdown)",
    )
    export.add_argument(
        "-o",
        "--output",
        required=True,
        type=output_path,
        metavar="DIR",
        help="folder for the files (created, private, when missing); files are mode 0600",
    )
    export.add_argument(
        "-j",
        "--concurrency",
        type=int,
        default=DEFAULT_CONCURRENCY,
        metavar="N",
        help=f"calls fetched at once when not stored (default {DEFAULT_CONCURRENCY})",
    )
    export.epilog = (
        "Exit code: 0 when every call was written, else that of the most telling failure "
        "(4 key refused, 5 API, 3 not found, 2 bad ID, 1 local)."
    )
    imp = add("import", "store conversations (and their notes) from JSON files")
    imp.epilog = (
        "The agent is --agent (or POLYAI_AGENT_ID / the config), else the payload's projectId. "
        "Notes already stored with the same turn, label and text are not added again. "
        "Exit code: 0 when every file was imported, 2 when any was bad (each is listed), "
        "1 when the store could not be written."
    )
    imp.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="'show --format json' output or the API's JSON: one conversation or a list ('-': stdin)",
    )


# -- export -----------------------------------------------------------------------------------


def run_export(args: argparse.Namespace, settings: Settings) -> int:
    check_concurrency(args.concurrency)
    if args.all and (args.conversation_ids or args.from_file):
        raise UsageError("Give conversation IDs or --all, not both.")
    ids = None
    if not args.all:
        from .targets import targets

        ids, settings = targets(read_ids(args), settings)
    import asyncio

    return asyncio.run(_export(ids, args.format, args.output, args.concurrency, settings))


def prepare_directory(path: Path) -> Path:
    """``path`` as an existing folder: created with mode 0700 when missing (an existing one
    keeps its mode). UsageError when it is something else, StoreError when it cannot be made."""
    path = Path(path).expanduser()
    if path.exists() and not path.is_dir():
        raise UsageError(f"Cannot export into {path}: it is not a folder.")
    if not path.is_dir():
        try:
            path.mkdir(mode=0o700, parents=True)
            os.chmod(path, 0o700)  # mkdir's mode is narrowed by the umask, never widened
        except FileExistsError:
            if not path.is_dir():
                raise UsageError(f"Cannot export into {path}: it is not a folder.") from None
        except OSError as exc:
            raise StoreError(f"Cannot create the folder {path}: {exc.strerror or exc}.") from None
    return path.resolve()


class FileNames:
    """File names from conversation IDs (``export_filename``), unique within one export even
    on case-insensitive file systems: a clash gets ``-2``, ``-3``... before the extension."""

    def __init__(self, fmt: str) -> None:
        self.fmt = fmt
        self._taken: set[str] = set()

    def name_for(self, conversation_id: str) -> str:
        from polytui.core.models import Conversation
        from polytui.export import export_filename

        name = export_filename(
            Conversation.model_construct(conversation_id=conversation_id), self.fmt
        )
        stem, dot, ext = name.rpartition(".")
        candidate, number = name, 1
        while candidate.lower() in self._taken:
            number += 1
            candidate = f"{stem}-{number}{dot}{ext}"
        self._taken.add(candidate.lower())
        return candidate


async def _export(
    ids: list[str] | None, fmt: str, output: Path, concurrency: int, settings: Settings
) -> int:
    from polytui.export import context_for, render
    from polytui.files import write_private
    from polytui.loader import Loader

    report = BatchReport(verb="exported")
    async with Loader(settings) as loader:
        if ids is None:  # --all: every stored copy, never the network
            targets: list[tuple[str, str | None]] = [
                (row.conversation_id, row.agent) for row in loader.store.list()
            ]
            if not targets:
                print(f"The store holds no conversations ({settings.db_path}).", file=sys.stderr)
                return 0
        else:
            targets = [(cid, None) for cid in ids]
        folder = prepare_directory(output)
        names = FileNames(fmt)
        jobs = [(cid, agent, names.name_for(cid.strip())) for cid, agent in targets]
        bar, advance, _ = progress_bar("exporting", len(jobs), settings)

        async def export_one(job: tuple[str, str | None, str]) -> None:
            cid, agent, name = job
            loaded = await loader.load(cid, agent=agent, offline=True if agent else None)
            store = loader.store
            notes = store.notes_for(loaded.conversation_id, loaded.agent)
            key = (loaded.agent, loaded.conversation_id)
            reviews = store.reviews_for([key]).get(key, [])
            write_private(
                folder / name,
                render(loaded.conversation, fmt, context_for(loaded, settings, notes, reviews)),
                store=settings.db_path,
            )
            report.done.append(cid)
            if loaded.warning:
                report.warnings.append(f"{clean_line(cid)}: {loaded.warning}")

        with bar:
            await Batch(
                report, export_one, lambda job: job[0], concurrency=concurrency, advance=advance
            ).run(jobs)
    report.print_problems()
    print(f"{report.summary(len(jobs))} to {folder}.")
    return report.exit_code


# -- import -----------------------------------------------------------------------------------


@dataclass
class ImportReport:
    conversations: int = 0
    notes_added: int = 0
    notes_already: int = 0
    failed: list[tuple[str, PolytuiError]] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return BatchReport(failed=self.failed).exit_code

    def summary(self) -> str:
        parts = [
            f"Imported {self.conversations} conversation(s)",
            f"{self.notes_added} new note(s)",
        ]
        if self.notes_already:
            parts.append(f"{self.notes_already} note(s) already stored")
        if self.failed:
            parts.append(f"{len(self.failed)} failed")
        return ", ".join(parts) + "."


IMPORT_BATCH = 500  # calls stored per transaction: one commit (one sync) per batch, not per call


def run_import(args: argparse.Namespace, settings: Settings) -> int:
    from contextlib import closing

    from polytui.stores import open_store

    if list(args.files).count("-") > 1:
        raise UsageError("Standard input ('-') can be imported only once.")
    report = ImportReport()
    with closing(open_store(settings)) as store:
        batches = _Batches(store, report)
        try:
            for name in args.files:
                shown = "standard input" if name == "-" else clean_line(name)
                try:
                    items = read_items(name)
                except PolytuiError as exc:
                    report.failed.append((shown, exc))
                    continue
                for index, item in enumerate(items, start=1):
                    where = shown if len(items) == 1 else f"{shown} (item {index})"
                    batches.add(where, item, settings.agent)
                del items
        except BaseException as exc:  # Ctrl+C, SIGTERM: the open batch is undone, not half-kept
            batches.abort(exc)
            raise
        batches.close()
    for where, error in report.failed:
        print(f"polytui: {where}: {error}", file=sys.stderr)
    print(report.summary())
    return report.exit_code


class _Batches:
    """Imports items in batches of ``IMPORT_BATCH``, each one transaction of the store. An item
    that fails (bad JSON, a store write refused) fails alone; a batch whose commit fails (a
    full disk) fails every item in it, and nothing of it is kept."""

    def __init__(self, store: Any, report: ImportReport) -> None:
        self.store = store
        self.report = report
        self._open: Any = None  # the open batch's context manager
        self._done: list[tuple[str, int, int]] = []  # (where, added, already) of the open batch

    def add(self, where: str, item: Any, agent: str | None) -> None:
        if self._open is None:
            try:
                self._open = self.store.batch()
                self._open.__enter__()
            except PolytuiError as exc:
                self._open = None
                self.report.failed.append((where, exc))
                return
        try:
            added, already = import_item(self.store, item, agent)
        except PolytuiError as exc:
            self.report.failed.append((where, exc))
        else:
            self._done.append((where, added, already))
        if len(self._done) >= IMPORT_BATCH:
            self.close()

    def abort(self, exc: BaseException) -> None:
        batch, self._open, self._done = self._open, None, []
        if batch is not None:
            with contextlib.suppress(Exception):
                batch.__exit__(type(exc), exc, exc.__traceback__)

    def close(self) -> None:
        """Commit the open batch; its items count as imported only once it is kept."""
        batch, done, self._open, self._done = self._open, self._done, None, []
        if batch is None:
            return
        try:
            batch.__exit__(None, None, None)
        except PolytuiError as exc:
            self.report.failed.extend((where, exc) for where, _, _ in done)
            return
        for _, added, already in done:
            self.report.conversations += 1
            self.report.notes_added += added
            self.report.notes_already += already


def read_items(name: str) -> list[Any]:
    """The conversation objects a file holds (one object, or a list of them), unchecked;
    UsageError with the reason when the file cannot be read or is not such JSON."""
    try:
        data = read_upto(name, MAX_IMPORT_BYTES)
    except OSError as exc:
        raise UsageError(f"cannot read it ({exc.strerror or exc}).") from None
    if len(data) > MAX_IMPORT_BYTES:
        raise UsageError(f"it is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB.")
    if not data.strip():
        raise UsageError("it is empty.")
    try:
        parsed = jsontext.loads(data)
    except RecursionError:
        raise UsageError("its JSON is nested too deeply to read.") from None
    except ValueError as exc:  # UnicodeDecodeError is a ValueError
        raise UsageError(f"it is not JSON ({_short(exc)}).") from None
    if isinstance(parsed, dict):
        return [parsed]
    if isinstance(parsed, list) and parsed:
        return parsed
    raise UsageError("it holds no conversation (expected a JSON object or a list of them).")


def import_item(store, item: Any, agent: str | None) -> tuple[int, int]:
    """Store one conversation (host ``import``) and the notes it carries under NOTES_KEY, leaving
    out notes already stored with the same turn, label and text (an export's review-queue items,
    under REVIEWS_KEY, belong to the exporter's queues: not imported). Returns (added, already)."""
    from polytui.core.ids import exact_id
    from polytui.core.models import Conversation

    if not isinstance(item, dict):
        raise UsageError("it is not a conversation object.")
    payload = {key: value for key, value in item.items() if key not in (NOTES_KEY, REVIEWS_KEY)}
    notes = parse_notes(item.get(NOTES_KEY))
    try:
        conversation = Conversation.from_data(payload)
    except BadPayloadError as exc:
        detail = exc.message.partition(": ")[2].rstrip(".") or exc.message.rstrip(".")
        raise UsageError(f"not a conversation: {detail}.") from None
    cid = exact_id(conversation.conversation_id, "conversationId")
    owner = agent or exact_id(conversation.project_id, "agent ID (projectId)")
    store.put(owner, IMPORT_HOST, _dumps(payload), conversation)
    return store.add_notes_once(owner, cid, notes)


def parse_notes(value: Any) -> list[tuple[int | None, str | None, str]]:
    """(turn, label, text) of each note in an export's NOTES_KEY list; UsageError naming the
    first bad one."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise UsageError(f"{NOTES_KEY} is not a list of notes.")
    notes: list[tuple[int | None, str | None, str]] = []
    for number, entry in enumerate(value, start=1):
        if not isinstance(entry, dict):
            raise UsageError(f"note {number} under {NOTES_KEY} is not an object.")
        turn, label, text = entry.get("turn"), entry.get("label"), entry.get("text")
        if turn is not None and (
            isinstance(turn, bool) or not isinstance(turn, int) or not 1 <= turn <= MAX_TURN
        ):
            raise UsageError(
                f"note {number} under {NOTES_KEY} has a bad turn number "
                f"(turns are numbered from 1 to {MAX_TURN:,})."
            )
        if label is not None and label not in NOTE_LABELS:
            raise UsageError(
                f"note {number} under {NOTES_KEY} has an unknown label {clean_line(label)[:40]!r}."
            )
        if text is not None and not isinstance(text, str):
            raise UsageError(f"note {number} under {NOTES_KEY} has text that is not a string.")
        text = (text or "").strip()
        if not text and label is None:
            raise UsageError(f"note {number} under {NOTES_KEY} has neither text nor a label.")
        notes.append((turn, label, text))
    return notes


def _dumps(payload: dict[str, Any]) -> str:
    """The conversation's JSON text as stored: compact, non-ASCII kept unless it cannot be
    encoded (lone surrogates), then escaped."""
    try:
        text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return json.dumps(payload, separators=(",", ":"))
    except RecursionError:
        raise UsageError("its JSON is nested too deeply to store.") from None


def _short(exc: BaseException) -> str:
    text = clean_line(exc)
    return text if len(text) <= 80 else text[:77] + "..."
