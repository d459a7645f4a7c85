"""The export dialog (issue 12, item 8): the file name's extension picks the format, a file
already there is replaced only after a yes, the last format and folder are remembered (in this
run and the next), and every format's name shows whole."""

from __future__ import annotations

import json

import pytest
from textual.widgets import Input, RadioButton

from polytui.demo._scripts import BANK_ID
from polytui.tui.screens.confirm import ConfirmScreen
from polytui.tui.screens.conversation import ConversationScreen
from polytui.tui.screens.export import ExportScreen, format_for

from .test_app import make_app, make_settings, notices, open_loaded, screen_text, settle


def ticked(modal: ExportScreen) -> str:
    return next(b.name for b in modal.query(RadioButton) if b.value) or ""


async def export_to(app, pilot, path) -> ExportScreen:
    await pilot.press("e")
    modal = app.screen
    assert isinstance(modal, ExportScreen)
    modal.query_one("#export-path", Input).value = str(path)
    await pilot.pause()
    return modal


@pytest.mark.parametrize(
    ("name", "fmt"),
    [("x.json", "json"), ("x.MD", "markdown"), ("x.markdown", "markdown"), ("x.htm", "html"),
     ("x.txt", "text"), ("x.csv", "csv"), ("x.wav", "recording"), ("x", None), ("x.pdf", None)],
)  # fmt: skip
def test_the_extension_names_the_format(name, fmt):
    assert format_for(name) == fmt


async def test_typing_x_json_writes_json_whatever_was_ticked(server, tmp_path):
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_loaded(app, pilot)
        modal = await export_to(app, pilot, tmp_path / "x.json")
        assert ticked(modal) == "json"  # the ticks follow what is typed
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ConversationScreen)
        data = json.loads((tmp_path / "x.json").read_text(encoding="utf-8"))
        assert data["conversationId"] == BANK_ID


async def test_a_file_there_is_replaced_only_after_a_yes(server, tmp_path):
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    target = tmp_path / "report.md"
    target.write_text("a colleague's report\n", encoding="utf-8")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_loaded(app, pilot)
        await export_to(app, pilot, target)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmScreen)
        body = app.screen.query_one(".confirm-body").render()
        assert str(target) in str(body).replace("\n", "")
        await pilot.press("n")
        await settle(app, pilot)
        assert isinstance(app.screen, ExportScreen)
        assert target.read_text(encoding="utf-8") == "a colleague's report\n"
        assert "Not replaced" in screen_text(app)
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("y")
        await settle(app, pilot)
        assert isinstance(app.screen, ConversationScreen)
        assert "QuickStream" in target.read_text(encoding="utf-8")
        assert any("Exported markdown" in n for n in notices(app))


async def test_the_last_format_and_folder_are_remembered(server, tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    settings = make_settings(server, tmp_path)
    app = make_app(server, tmp_path, settings=settings, initial_id=BANK_ID)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_loaded(app, pilot)
        await export_to(app, pilot, folder / "first.csv")
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("e")
        modal = app.screen
        assert isinstance(modal, ExportScreen) and ticked(modal) == "csv"
        assert modal.query_one("#export-path", Input).value == str(folder / f"{BANK_ID}.csv")
        await pilot.press("escape")
        await settle(app, pilot)
    again = make_app(server, tmp_path, settings=settings, initial_id=BANK_ID)
    async with again.run_test(size=(120, 40)) as pilot:
        await open_loaded(again, pilot)
        await pilot.press("e")
        modal = again.screen
        assert isinstance(modal, ExportScreen) and ticked(modal) == "csv"
        assert modal.query_one("#export-path", Input).value == str(folder / f"{BANK_ID}.csv")


@pytest.mark.parametrize("size", [(50, 15), (80, 24)])
async def test_every_format_name_shows_whole(server, tmp_path, size):
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    async with app.run_test(size=size) as pilot:
        await open_loaded(app, pilot)
        await pilot.press("e")
        await pilot.pause()
        text = screen_text(app)
        for name in ("markdown", "json", "csv", "html", "text", "recording"):
            assert name in text, name
        assert "markdow…" not in text
