"""The in-call search line shows what is typed, and its placeholder, while the input has focus
(Textual's `Input:focus` border used to take the one row and hide both)."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Input

from polytui.tui.widgets.search_bar import SearchBar


class _Bar(App[None]):
    def compose(self) -> ComposeResult:
        yield SearchBar(lambda query: None, id="bar")


def _row(app: App[None], widget: Input) -> str:
    return widget.render_line(0).text if widget.content_size.height else ""


async def test_typing_shows_in_the_focused_search_line():
    app = _Bar()
    async with app.run_test(size=(80, 6)) as pilot:
        app.query_one(SearchBar).add_class("-open")
        field = app.query_one(Input)
        field.focus()
        await pilot.pause()
        assert field.has_focus and field.content_size.height == 1
        assert "search this call" in _row(app, field)
        await pilot.press("r", "e", "f")
        await pilot.pause()
        assert _row(app, field).startswith("ref")
        assert "▔" not in _row(app, field)
