"""`polytui audio ID`: a call's recording as a WAV file (kept for offline use too), described
in a sentence or, with `--json`, as PolyAI's own CLI describes a download."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from polytui.core.config import Settings
from polytui.core.errors import StoreError
from polytui.core.ports import DIRECTIONS, Recording, RecordingKey
from polytui.core.text import clean_line

if TYPE_CHECKING:
    from polytui.recordings import Recordings


def register(add: Callable[[str, str], argparse.ArgumentParser]) -> None:
    audio = add(
        "audio",
        "save a call's recording as a WAV file (kept for offline use too)",
    )
    audio.add_argument("conversation_id", metavar="ID", help="conversation ID")
    audio.add_argument(
        "--direction",
        default="combined",
        choices=DIRECTIONS,
        help="both sides mixed (combined, the default), the caller only (user) or the agent only",
    )
    audio.add_argument(
        "--redacted",
        action="store_true",
        help="the recording with personal data muted (keys without PII access always get it)",
    )
    audio.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        type=Path,
        help="write to FILE (mode 0600; '-' for standard output); default ID.wav here",
    )
    audio.add_argument("--json", action="store_true", help="print what was saved as JSON")


def default_output(key: RecordingKey, directory: Path | None = None) -> Path:
    """``<ID>[-user|-agent][-redacted].wav`` in the current folder; an ID's characters that
    could leave the folder ("/", "..") are replaced."""
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in key.conversation_id)
    side = "" if key.direction == "combined" else f"-{key.direction}"
    redacted = "-redacted" if key.redacted else ""
    return (directory or Path.cwd()) / f"{safe[:100] or 'conversation'}{side}{redacted}.wav"


def size_words(size: int) -> str:
    for unit, factor in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if size >= factor:
            return f"{size / factor:.1f} {unit}"
    return f"{size} bytes"


def describe(recording: Recording) -> dict[str, Any]:
    """What ``--json`` adds to PolyAI's keys: the recording's length and format."""
    from polytui.core.wav import NotWav, wav_info

    try:
        info = wav_info(recording.path)
    except (OSError, NotWav):
        return {"duration_seconds": None, "sample_rate": None, "channels": None}
    return {
        "duration_seconds": round(info.duration, 3),
        "sample_rate": info.sample_rate,
        "channels": info.channels,
    }


def run_audio(args: argparse.Namespace, settings: Settings) -> int:
    from polytui.loader import Loader
    from polytui.recordings import Recordings
    from polytui.workspace import open_recordings

    to_stdout = args.output is not None and str(args.output) == "-"
    if args.output is not None and not to_stdout:
        from polytui.files import check_output

        check_output(args.output, store=settings.db_path)  # before any fetching
    loader = Loader(settings)
    try:
        recordings = Recordings(loader, open_recordings(settings))
        key = recordings.key(
            args.conversation_id,
            agent=getattr(args, "agent", None),
            direction=args.direction,
            redacted=args.redacted,
        )
        recording, fetched = _run(_obtain(recordings, key))
    finally:
        loader.close_store()
    if to_stdout:
        _to_stdout(recording.path)
        return 0
    from polytui.files import copy_private

    output = args.output if args.output is not None else default_output(key)
    where = copy_private(recording.path, output, store=settings.db_path)
    facts = describe(recording)
    if args.json:
        sys.stdout.write(json.dumps(_as_json(key, where, recording, fetched, facts), indent=2))
        sys.stdout.write("\n")
        return 0
    length = facts["duration_seconds"]
    from polytui.core.facts import format_duration

    how = "" if fetched else ", kept from before"
    print(
        f"Saved {key.describe()} of {clean_line(key.conversation_id)} to {where} "
        f"({size_words(recording.size)}, {format_duration(length)}{how})."
    )
    return 0


def _as_json(
    key: RecordingKey, where: Path, recording: Recording, fetched: bool, facts: dict[str, Any]
) -> dict[str, Any]:
    """PolyAI's CLI's keys (``poly conversations get-audio --json``) first, then polytui's."""
    return {
        "success": True,
        "conversation_id": key.conversation_id,
        "direction": key.direction,
        "redacted": key.redacted,
        "output_path": str(where),
        "size_bytes": recording.size,
        **facts,
        "agent": key.agent,
        "source": "api" if fetched else "cache",
        "cache_path": str(recording.path),
    }


def _to_stdout(path: Path) -> None:
    import shutil

    sys.stdout.flush()
    try:
        with open(path, "rb") as source:
            shutil.copyfileobj(source, sys.stdout.buffer, 1 << 20)
    except FileNotFoundError:
        raise StoreError(f"The recording at {path} was removed while it was being read.") from None
    sys.stdout.buffer.flush()


async def _obtain(recordings: Recordings, key: RecordingKey) -> tuple[Recording, bool]:
    async with recordings.loader:
        return await recordings.obtain(key)


def _run(coroutine: Any) -> Any:
    import asyncio

    return asyncio.run(coroutine)
