"""The export dialog says what went wrong when the store fails, and the app keeps running."""

from __future__ import annotations

from textual.widgets import Input, Static

from polytui.core.errors import StoreError
from polytui.demo._scripts import BANK_ID
from polytui.tui.screens.conversation import ConversationScreen
from polytui.tui.screens.export import ExportScreen

from .test_app import SIZE, make_app, open_loaded


async def test_a_store_error_while_reading_notes_is_shown_in_the_dialog(server, tmp_path):
    app = make_app(server, tmp_path, initial_id=BANK_ID)
    async with app.run_test(size=SIZE) as pilot:
        await open_loaded(app, pilot)

        def locked(*args, **kwargs):
            raise StoreError("The store is busy: another polytui holds it.")

        app.loader.store.notes_for = locked
        await pilot.press("e")
        modal = app.screen
        assert isinstance(modal, ExportScreen)
        modal.query_one("#export-path", Input).value = str(tmp_path / "call.md")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ExportScreen) and app.is_running
        error = str(app.screen.query_one("#export-error", Static).render())
        assert "store is busy" in error
        assert not (tmp_path / "call.md").exists()
        await pilot.press("escape")
        assert isinstance(app.screen, ConversationScreen)
