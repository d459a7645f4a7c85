"""One validation of IDs (polytui.core.ids) on every road in: the command line (show, fetch,
notes add, import, --agent and POLYAI_AGENT_ID), a Studio link, the app's fields, and the store
itself, which refuses to keep any ID the others would refuse (issue 13, item 3)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.widgets import Input, Static

from polytui.adapters.sqlite import Store
from polytui.core.errors import EXIT_USAGE, UsageError
from polytui.core.ids import parse_studio_url
from polytui.core.models import Conversation
from polytui.tui.screens.start import StartScreen

from .helpers import run_cli
from .test_app import SIZE, make_app, settle

BAD_IDS = {
    "empty": "",
    "escape": "X\x1b]0;pwned\x07Y",
    "newline": "A\nB",
    "long": "C" * 513,
    "bidi": "A\u2028B",
}
EXPECTED = {
    "empty": "is empty",
    "escape": "contains control characters",
    "newline": "contains control characters",
    "long": "at most 512 characters",
    "bidi": "contains control characters",
}


def _call(cid: str, project: str = "PROJECT-1") -> dict:
    return {"conversationId": cid, "accountId": "ACC", "projectId": project, "turns": []}


def _one_usage_line(code: int, err: str, reason: str) -> None:
    assert code == EXIT_USAGE, err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("polytui: ") and reason in lines[0], err


@pytest.mark.parametrize("kind", sorted(BAD_IDS))
def test_the_store_keeps_no_id_the_commands_refuse(kind, tmp_path):
    bad = BAD_IDS[kind]
    with Store(tmp_path / "s.sqlite3") as store:
        if kind != "empty":  # a conversation without its ID is refused before the store
            data = _call(bad)
            with pytest.raises(UsageError, match=EXPECTED[kind]):
                store.put("PROJECT-1", "h", json.dumps(data), Conversation.from_data(data))
        good = _call("CA1")
        with pytest.raises(UsageError, match=EXPECTED[kind]):
            store.put(bad, "h", json.dumps(good), Conversation.from_data(good))
        with pytest.raises(UsageError, match=EXPECTED[kind]):
            store.add_note("PROJECT-1", bad, None, "a note")
        with pytest.raises(UsageError, match=EXPECTED[kind]):
            store.add_note(bad, "CA1", None, "a note")
        assert store.count() == 0 and store.all_notes() == []


def test_the_store_refuses_ids_with_spaces_around_them(tmp_path):
    with Store(tmp_path / "s.sqlite3") as store:
        data = _call(" CA1 ")
        with pytest.raises(UsageError, match="spaces around it"):
            store.put("PROJECT-1", "h", json.dumps(data), Conversation.from_data(data))
        with pytest.raises(UsageError, match="spaces around it"):
            store.add_note(" PROJECT-1", "CA1", None, "x")
        assert store.count() == 0


@pytest.mark.parametrize("kind", sorted(BAD_IDS))
def test_import_with_a_bad_agent_is_refused_before_anything_is_kept(kind, tmp_path, capsys):
    source = tmp_path / "call.json"
    source.write_text(json.dumps(_call("CA-IMPORTED")))
    code, _, err = run_cli(capsys, "import", "--agent", BAD_IDS[kind], str(source))
    if kind == "empty":  # an empty --agent means "not given": the projectId is used
        assert code == 0, err
        return
    _one_usage_line(code, err, EXPECTED[kind])
    assert "--agent" in err
    code, out, _ = run_cli(capsys, "cache", "list", "--json")
    assert json.loads(out or "[]") == []


@pytest.mark.parametrize("kind", ["escape", "long", "newline"])
def test_a_bad_agent_in_the_environment_is_a_usage_error_for_every_command(
    kind, monkeypatch, capsys
):
    monkeypatch.setenv("POLYAI_AGENT_ID", BAD_IDS[kind])
    for args in (["show", "CA1"], ["notes", "add", "CA1", "x"], ["cache", "list"]):
        code, _, err = run_cli(capsys, *args)
        _one_usage_line(code, err, EXPECTED[kind])
        assert "POLYAI_AGENT_ID" in err


@pytest.mark.parametrize("kind", ["escape", "long", "newline", "bidi"])
def test_show_fetch_and_notes_add_refuse_the_same_ids(kind, capsys):
    bad = BAD_IDS[kind]
    for args in (
        ["show", bad, "--agent", "P"],
        ["fetch", bad, "--agent", "P"],
        ["notes", "add", bad, "x"],
        ["--offline", "show", bad],
    ):
        code, _, err = run_cli(capsys, *args)
        assert code == EXIT_USAGE, (args, err)
        assert EXPECTED[kind] in err, (args, err)


@pytest.mark.parametrize("kind", ["escape", "long", "newline"])
def test_a_studio_link_with_a_bad_project_is_refused(kind):
    project = BAD_IDS[kind].replace("\n", "%0A").replace("\x1b", "%1B").replace("\x07", "%07")
    url = f"https://studio.eu.poly.ai/ACC/{project}/conversations/CA1"
    with pytest.raises(UsageError, match=EXPECTED[kind]):
        parse_studio_url(url)


async def test_the_apps_agent_field_refuses_a_bad_agent(server, tmp_path: Path):
    app = make_app(server, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, StartScreen)
        app.screen.query_one("#agent", Input).value = "PROJ\x1b[31m"
        box = app.screen.query_one("#conversation-id", Input)
        box.value = "CA1"
        box.focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, StartScreen)
        error = app.screen.query_one("#start-error", Static)
        assert "agent ID" in str(error.render()) and "control characters" in str(error.render())
        assert app.settings.agent != "PROJ\x1b[31m"
