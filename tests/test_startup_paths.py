"""What each launch path loads and builds: kept small so that polytui starts fast (the speed
itself is measured by benchmarks/bench.py, never asserted here)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from polytui.adapters.sqlite import Store
from polytui.cli.commands import FORMAT_CHOICES
from polytui.core.models import Conversation
from polytui.core.note import NOTES_KEY as NOTE_MODULE_KEY
from polytui.demo.samples import DEMO_AGENT, sample_conversations
from polytui.export import FORMATS, NOTES_KEY


def _probe(tmp_path: Path, steps: list[list[str]]) -> str:
    probe = (
        "import sys; from polytui.cli import main; "
        f"codes = [main(a) for a in {steps!r}]; "
        "loaded = sorted({m.split('.')[0] for m in sys.modules} "
        "& {'pydantic', 'textual', 'httpx', 'tomllib'}); "
        "print('CODES', codes, 'LOADED', loaded)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env={**os.environ, "POLYTUI_DATA_DIR": str(tmp_path), "POLYTUI_CONFIG_DIR": str(tmp_path)},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_cache_search_and_notes_load_no_api_models(tmp_path):
    call = sample_conversations()[0]
    with Store(tmp_path / "polytui.sqlite3") as store:
        store.put(DEMO_AGENT, "https://h", json.dumps(call), Conversation.from_data(call))
        store.add_note(DEMO_AGENT, call["conversationId"], 1, "hello", None)
    steps = [
        ["--offline", "cache", "search", "the"],
        ["--offline", "cache", "list"],
        ["notes", "list"],
    ]
    out = _probe(tmp_path, steps)
    # No pydantic (the API models), no Textual, no httpx, and no TOML parser without a file.
    assert "CODES [0, 0, 0] LOADED []" in out, out
    assert "hello" in out


def test_show_of_a_stored_call_loads_no_pydantic_ui_or_http(tmp_path):
    call = sample_conversations()[0]
    with Store(tmp_path / "polytui.sqlite3") as store:
        store.put(DEMO_AGENT, "https://h", json.dumps(call), Conversation.from_data(call))
    out = _probe(tmp_path, [["--offline", "show", call["conversationId"]]])
    assert "CODES [0] LOADED []" in out, out
    assert "Account / project" in out


def test_a_stored_call_that_needed_coercion_still_shows(tmp_path):
    """Stored raw text is kept as the API sent it: a number sent as a string is read as a
    number when shown, with no schema loaded."""
    call = {**sample_conversations()[0], "polyScore": "4"}
    with Store(tmp_path / "polytui.sqlite3") as store:
        store.put(DEMO_AGENT, "https://h", json.dumps(call), Conversation.from_data(call))
    out = _probe(tmp_path, [["--offline", "show", call["conversationId"]]])
    assert "CODES [0] LOADED []" in out, out
    assert "PolyScore" in out and " 4" in out


# What the read-only commands leave out (each loads where it is used): the event loop and
# logging, file-writing helpers, the models of queues and listings, search's syntax and values,
# the keymap, the rules about a call, the recordings' values. Speed lives in the benchmarks;
# this keeps the imports from creeping back.
_NOT_FOR_READING = (
    "asyncio",
    "logging",
    "shutil",
    "tempfile",
    "platformdirs",
    "polytui.core.queues",
    "polytui.core.listing",
    "polytui.core.listed",
    "polytui.core.keys",
    "polytui.core.facts",
    "polytui.core.readings",
    "polytui.core.media",
    "polytui.workspace",
)


def _loaded_after(tmp_path: Path, argv: list[str]) -> set[str]:
    probe = (
        "import sys, json; from polytui.cli import main; "
        f"code = main({argv!r}); print(json.dumps([code, sorted(sys.modules)]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env={**os.environ, "POLYTUI_DATA_DIR": str(tmp_path), "POLYTUI_CONFIG_DIR": str(tmp_path)},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    code, modules = json.loads(done.stdout.strip().splitlines()[-1])
    assert code == 0, done.stderr
    return set(modules)


def test_the_read_only_commands_load_only_what_they_use(tmp_path):
    call = sample_conversations()[0]
    cid = call["conversationId"]
    with Store(tmp_path / "polytui.sqlite3") as store:
        store.put(DEMO_AGENT, "https://h", json.dumps(call), Conversation.from_data(call))
    listing = _loaded_after(tmp_path, ["--offline", "cache", "list", "-n", "50"])
    shown = _loaded_after(tmp_path, ["--offline", "show", cid, "--format", "json"])
    found = _loaded_after(tmp_path, ["--offline", "cache", "search", "the"])
    for loaded in (listing, shown, found):
        assert not loaded & set(_NOT_FOR_READING), sorted(loaded & set(_NOT_FOR_READING))
    assert "polytui.adapters.sqlite" in listing  # the probe did read the store
    assert "polytui.core.note" not in listing  # no note is read
    for module in ("polytui.core.search", "polytui.core.hits", "polytui.core.snippets"):
        assert module not in listing and module not in shown and module in found


def test_the_export_formats_and_notes_key_have_one_spelling():
    assert FORMAT_CHOICES == FORMATS
    assert NOTES_KEY == NOTE_MODULE_KEY == "polytuiNotes"


async def test_a_stored_call_opens_on_its_data_and_the_start_screen_comes_later(tmp_path):
    from polytui.core.config import Settings
    from polytui.tui.app import PolyTUI
    from polytui.tui.screens.conversation import ConversationScreen
    from polytui.tui.screens.start import StartScreen

    call = sample_conversations()[0]
    with Store(tmp_path / "polytui.sqlite3") as store:
        store.put(DEMO_AGENT, "https://h", json.dumps(call), Conversation.from_data(call))
    settings = Settings(agent=DEMO_AGENT, offline=True, data_path=tmp_path)
    app = PolyTUI(settings, initial_id=call["conversationId"])
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()  # the app reads the store off the event loop
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ConversationScreen)
        # Read from the store before the screen was built: no loading state, no load worker.
        assert screen.loaded is not None and screen.loaded.source == "store"
        assert not screen.has_class("-loading") and screen.has_class("-panels")
        assert not [worker for worker in app.workers if worker.node is screen]
        assert not any(isinstance(s, StartScreen) for s in app.screen_stack)
        await pilot.press("escape")
        assert isinstance(app.screen, StartScreen)  # made when the reviewer goes back


async def test_a_call_missing_offline_still_opens_its_error_page(tmp_path):
    from polytui.core.config import Settings
    from polytui.tui.app import PolyTUI
    from polytui.tui.screens.conversation import ConversationScreen

    settings = Settings(agent=DEMO_AGENT, offline=True, data_path=tmp_path)
    app = PolyTUI(settings, initial_id="CA-not-stored")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ConversationScreen) and screen.has_class("-failed")
        assert screen.loaded is None
