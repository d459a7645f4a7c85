"""OptionList with the app's moving keys (the one keymap): j / k, g / G, pages and Enter, as in
the transcript and the stored calls. Used for the sample calls, the search hits and the note
picker."""

from __future__ import annotations

from textual.widgets import OptionList

from polytui.tui.keys import bind


class KeyedOptionList(OptionList):
    # Bound by id on the keys OptionList binds itself (down, up, home, end, pages, enter), so a
    # remapped id leaves none of the old keys behind.
    BINDINGS = [
        bind("down", "cursor_down", "Next", show=False),
        bind("up", "cursor_up", "Previous", show=False),
        bind("first", "first", "First", show=False),
        bind("last", "last", "Last", show=False),
        bind("page_down", "page_down", "Page down", show=False),
        bind("page_up", "page_up", "Page up", show=False),
        bind("half_page_down", "page_down", "Page down", show=False),
        bind("half_page_up", "page_up", "Page up", show=False),
        bind("open", "select", "Open", show=False),
    ]
