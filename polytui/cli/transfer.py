"""`polytui export` (many calls to files, notes included) and `polytui import` (conversations and
their notes from JSON files: polytui's json export or the API's own JSON)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

from polytui.core.config import Settings
from polytui.core.errors import StoreError, UsageError
from polytui.core.text import clean_line

from .args import output_path
from .batch import Batch, BatchReport, progress_bar
from .commands import FORMAT_CHOICES
from .fetch import DEFAULT_CONCURRENCY, check_concurrency, read_ids


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
    imp.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=None,
        metavar="N",
        help="processes reading the files besides the one storing them (default: one a core, "
        "up to 4, for 200 files or more; 0: none)",
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
    from . import run_async

    return run_async(_export(ids, args.format, args.output, args.concurrency, settings))


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
