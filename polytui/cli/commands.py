"""The subcommands: `show`, `config`, the app and `demo`; `fetch` and `cache` live beside."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from polytui.core.config import Settings

from .args import output_path

AddParser = Callable[[str, str], argparse.ArgumentParser]
FORMAT_CHOICES = ("text", "markdown", "json", "csv", "html")


def register(add: AddParser, *, only: str | None = None) -> None:
    """Add the subcommands' parsers (with ``only``, just that subcommand's: the other
    modules are then not imported)."""
    if only in (None, "show"):
        _register_show(add)
    if only in (None, "list"):
        from . import listing

        listing.register(add)
    if only in (None, "fetch"):
        from . import fetch

        fetch.register(add)
    if only in (None, "audio"):
        from . import audio

        audio.register(add)
    if only in (None, "cache"):
        from . import cache

        cache.register(add)
    if only in (None, "notes"):
        from . import notes

        notes.register(add)
    if only in (None, "queue"):
        from . import queue

        queue.register(add)
    if only in (None, "export", "import"):
        from . import transfer

        transfer.register(add)
    if only in (None, "config"):
        config = add("config", "where the config file is, and the settings in force")
        config_sub = config.add_subparsers(dest="config_command", metavar="ACTION", required=True)
        config_sub.add_parser("path", help="print the config file's path")
        config_sub.add_parser("show", help="print the resolved settings (the key redacted)")
        config_sub.add_parser("keys", help="print the app's key ids and their keys in force")
    if only in (None, "demo"):
        demo = add("demo", "open the app on built-in sample calls (no key, no network)")
        demo.add_argument("conversation_id", nargs="?", metavar="ID", help="sample call to open")


def _register_show(add: AddParser) -> None:
    show = add("show", "print one conversation (from the store when finished, else the API)")
    show.add_argument("conversation_id", metavar="ID", help="conversation ID or Studio link")
    show.add_argument(
        "-f",
        "--format",
        default="text",
        choices=FORMAT_CHOICES,
        help="output format (default text)",
    )
    show.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        type=output_path,
        help="write to FILE (mode 0600) instead of standard output",
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    command = args.command
    if command == "show":
        return show(args, settings)
    if command == "list":
        from .listing import run_list

        return run_list(args, settings)
    if command == "fetch":
        from .fetch import run_fetch

        return run_fetch(args, settings)
    if command == "audio":
        from .audio import run_audio

        return run_audio(args, settings)
    if command == "cache":
        from .cache import run_cache

        return run_cache(args, settings)
    if command == "notes":
        from .notes import run_notes

        return run_notes(args, settings)
    if command == "queue":
        from .queue import run_queue

        return run_queue(args, settings)
    if command == "export":
        from .transfer import run_export

        return run_export(args, settings)
    if command == "import":
        from .importing import run_import

        return run_import(args, settings)
    if command == "config":
        return config(args, settings)
    if command == "demo":
        from polytui.tui.launch import run_demo

        return run_demo(settings, getattr(args, "conversation_id", None))
    from polytui.tui.launch import run_app

    return run_app(settings, getattr(args, "conversation_id", None))


def show(args: argparse.Namespace, settings: Settings) -> int:
    from polytui.loader import Loader

    from .targets import one_target

    conversation_id, settings = one_target(args.conversation_id, settings)
    if args.output is not None and str(args.output) != "-":
        from polytui.files import check_output

        check_output(args.output, store=settings.db_path)  # before any fetching
    loader = Loader(settings)
    try:
        if args.format == "json":  # a stored call's JSON is given back as stored: no parsing
            text = _stored_json(loader, args.conversation_id)
            if text is not None:
                emit(text, args.output, settings.db_path)
                return 0
        # A stored, finished call needs neither the network nor an event loop.
        loaded = loader.load_local(conversation_id)
        if loaded is None:
            loaded = _run_async(_load_remote(loader, conversation_id, not settings.refresh))
        notes = loader.store.notes_for(loaded.conversation_id, loaded.agent)
        key = (loaded.agent, loaded.conversation_id)
        reviews = loader.store.reviews_for([key]).get(key, [])
    finally:
        loader.close_store()
    if loaded.warning:
        print(f"polytui: {loaded.warning}", file=sys.stderr)
    from polytui.export import context_for, render

    context = context_for(loaded, settings, notes, reviews)
    text = render(loaded.conversation, args.format, context)
    emit(text, args.output, settings.db_path)
    return 0


def _stored_json(loader, conversation_id: str) -> str | None:
    """The stored call's JSON as stored, with its notes (``core.payload.faithful_json``), when
    the loading policy says the store suffices; None otherwise (then the usual way runs)."""
    from polytui.core.payload import faithful_json

    stored = loader.local_copy(conversation_id)
    if stored is None:
        return None
    from polytui.core.note import NOTES_KEY, REVIEWS_KEY

    raw = stored.checked_raw()
    notes = loader.store.notes_for(stored.conversation_id, stored.agent)
    key = (stored.agent, stored.conversation_id)
    reviews = loader.store.reviews_for([key]).get(key, [])
    added = {
        NOTES_KEY: [note.to_json_dict() for note in notes],
        REVIEWS_KEY: [item.to_json_dict() for item in reviews],
    }
    return faithful_json(raw, added)


async def _load_remote(loader, conversation_id: str, allow_stale: bool):
    async with loader:
        return await loader.load(conversation_id, allow_stale=allow_stale)


def _run_async(coroutine):
    from . import run_async

    return run_async(coroutine)


def emit(text: str, output: Path | None, store: Path | None = None) -> None:
    """Print to stdout, or write a private file and say where on stderr."""
    if output is None or str(output) == "-":
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()
        return
    from polytui.files import write_private

    where = write_private(output, text, store=store)
    print(f"polytui: wrote {where}", file=sys.stderr)


def config(args: argparse.Namespace, settings: Settings) -> int:
    from polytui.core.config import config_path

    if args.config_command == "path":
        print(config_path())
        return 0
    if args.config_command == "keys":
        return config_keys(settings)
    rows = [
        ("config file", str(config_path())),
        ("profile", settings.profile or "(none)"),
        ("agent", settings.agent or "(not set)"),
        ("region", settings.region),
        ("API host", settings.base_url),
        ("API key", "set (hidden)" if settings.api_key else "not set"),
        ("account", settings.account or "(not set: `polytui list` cannot filter)"),
        ("list API host", settings.platform_base_url),
        (
            "list API key",
            "set (hidden)"
            if settings.platform_api_key
            else "the API key"
            if settings.api_key
            else "not set",
        ),
        ("reviewer", settings.reviewer),
        ("timeout", f"{settings.timeout:g} s"),
        (
            "latency thresholds",
            f"good < {settings.latency_good:g} s, slow >= {settings.latency_warn:g} s",
        ),
        ("data directory", str(settings.data_root)),
    ]
    if settings.follow_store_symlink:
        rows.append(("store symlink", "followed (follow_store_symlink = true)"))
    width = max(len(name) for name, _ in rows)
    from polytui.core.text import clean_line

    for name, value in rows:
        # Paths come from the environment: shown as data, never as terminal escapes.
        print(f"{name:<{width}}  {clean_line(value)}")
    return 0


def config_keys(settings: Settings) -> int:
    """Each key id with its keys in force (a remapped one marked) and what it does: what the
    ``[keys]`` table of the config file can change."""
    from polytui.core.keys import KEYMAP, key_label, keys_for

    remapped = settings.keymap
    width = max(len(key_id) for key_id in KEYMAP)
    keys = {
        key_id: ",".join(key_label(key) for key in keys_for(remapped, key_id)) for key_id in KEYMAP
    }
    keys_width = max(len(value) for value in keys.values()) + 2
    for key_id, spec in KEYMAP.items():
        mark = "*" if key_id in remapped else " "
        print(f"{key_id:<{width}}  {keys[key_id]:<{keys_width}}{mark} {spec.does}")
    if remapped:
        print("(* remapped in the config file)")
    return 0
