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

from .args import bounded_int, output_path

if TYPE_CHECKING:
    from polytui.recordings import Recordings


def register(add: Callable[[str, str], argparse.ArgumentParser]) -> None:
    audio = add(
        "audio",
        "save a call's recording as a WAV file (kept for offline use too)",
    )
    audio.add_argument("conversation_id", metavar="ID", help="conversation ID or Studio link")
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
        type=output_path,
        help="write to FILE (mode 0600; '-' for standard output); default ID.wav here",
    )
    audio.add_argument("--json", action="store_true", help="print what was saved as JSON")
    audio.add_argument(
        "--play",
        action="store_true",
        help="play it here too (Ctrl+C stops); without -o no copy is written beside you",
    )
    audio.add_argument(
        "--turn",
        type=bounded_int(1, 1_000_000),
        metavar="N",
        help="with --play: start at turn N (a second and a half before its time)",
    )


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

    from .targets import one_target

    given = args.conversation_id
    args.conversation_id, settings = one_target(given, settings)
    if "://" in given:  # a Studio link names the agent, as --agent would
        args.agent = settings.agent
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
    start = _turn_start(key, args.turn, settings) if args.play and args.turn else 0.0
    if to_stdout:
        _to_stdout(recording.path)
        return 0 if not args.play else play(recording, start)
    from polytui.files import copy_private

    if args.play and args.output is None:
        where = recording.path
    else:
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
    return play(recording, start, where) if args.play else 0


def play(recording: Recording, start: float, where: Path | None = None) -> int:
    """Play the recording from ``start`` seconds until it ends (Ctrl+C stops). Where nothing
    can play: one sentence on stderr, and exit 0 (the file is saved)."""
    import time

    from polytui.core.errors import NoAudioDevice
    from polytui.playback import Player, load

    player = Player(load(recording.path))
    try:  # from here on, whatever stops us (Ctrl+C, SIGTERM) closes the device
        try:
            player.play(round(start * player.sample_rate))
        except NoAudioDevice as exc:
            saved = where or recording.path
            print(f"polytui: {exc.message}: saved to {saved} instead.", file=sys.stderr)
            return 0
        length = _clock(player.length)
        print(f"Playing from {_clock(start)} of {length}; Ctrl+C stops.", file=sys.stderr)
        while player.playing:
            time.sleep(0.1)
    finally:
        player.close()
    return 0


def _clock(seconds: float) -> str:
    from polytui.core.facts import format_offset

    return format_offset(seconds)


def _turn_start(key: RecordingKey, turn: int, settings: Settings) -> float:
    """Where turn ``turn`` starts in the recording (the call read from the store or the API)."""
    from polytui.core.errors import UsageError
    from polytui.core.facts import play_from, turn_starts
    from polytui.loader import Loader

    loader = Loader(settings)
    try:
        loaded = loader.load_local(key.conversation_id, agent=key.agent)
        if loaded is None:
            loaded = _run(_load(loader, key))
    finally:
        loader.close_store()
    starts = turn_starts(loaded.conversation)
    if turn > len(starts):
        raise UsageError(f"The call has {len(starts)} turn(s); there is no turn {turn}.")
    return play_from(starts, turn - 1)


async def _load(loader: Any, key: RecordingKey) -> Any:
    async with loader:
        return await loader.load(key.conversation_id, agent=key.agent)


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
    from . import run_async

    return run_async(coroutine)
