"""The bottom line of the conversation screen where `/` searches the call and `:` goes to a
turn: a prompt, the input, then the match count."""

from __future__ import annotations

from collections.abc import Callable

from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Input, Label

COUNT_CELLS = 10  # the match count's room ("12/345", "no match") before it widens
PROMPTS = {
    "search": ("/", "search this call (Enter: the next match; Esc: keep it for n / N)"),
    "go_to": (":", "turn number, Enter"),
}


class SearchInput(Input):
    """The query. Enter searches at once, in the order the keys were typed (not when the key
    has bubbled up to the app's bindings, after the keys typed behind it); keys still reaching
    it after Enter, typed ahead in one burst ("/card⏎n"), are handed back to the app, where
    they go to the call (n: the next match) instead of into the finished query."""

    def __init__(self, on_submit: Callable[[str], None], **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._on_submit = on_submit
        self._submitted = False

    def _on_focus(self, event: events.Focus) -> None:
        self._submitted = False  # Input's own focus handling runs too

    async def _on_key(self, event: events.Key) -> None:
        if self._submitted:
            event.prevent_default()
            event.stop()
            self.app.post_message(events.Key(event.key, event.character))
        elif event.key == "enter":
            event.prevent_default()
            event.stop()
            self._submitted = True
            self._on_submit(self.value)


class SearchBar(Horizontal):
    """`/` (``mode`` "search"): Enter jumps to the next match at or after the cursor, Escape
    closes; `:` ("go_to"): a turn number."""

    DEFAULT_CSS = f"""
    SearchBar {{ height: 1; display: none; background: $panel; }}
    SearchBar.-open {{ display: block; }}
    SearchBar > Label {{ width: auto; padding: 0 1; color: $accent; }}
    SearchBar > Input {{ border: none; height: 1; width: 1fr; padding: 0; background: $panel; }}
    /* Input's own `Input:focus` border would take the one row and hide what is typed. */
    SearchBar > Input:focus {{ border: none; background-tint: $foreground 5%; }}
    SearchBar > #search-count {{
        width: auto; min-width: {COUNT_CELLS + 2}; color: $text-muted; padding: 0 1;
    }}
    """

    def __init__(self, on_submit: Callable[[str], None], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._on_submit = on_submit
        self._count_cells = COUNT_CELLS
        self.mode = "search"
        self.query_text = ""  # the search kept while the bar shows a turn prompt

    def compose(self) -> ComposeResult:
        prompt, placeholder = PROMPTS["search"]
        yield Label(prompt, id="search-prompt")
        yield SearchInput(self._on_submit, placeholder=placeholder, id="search-input")
        yield Label("", id="search-count")

    @property
    def input(self) -> SearchInput:
        return self.query_one("#search-input", SearchInput)

    def set_mode(self, mode: str) -> None:
        """Switch the prompt between searching ("search") and a turn number ("go_to")."""
        self.mode = mode
        prompt, placeholder = PROMPTS[mode]
        self.query_one("#search-prompt", Label).update(prompt)
        self.input.placeholder = placeholder
        self.input.restrict = r"[0-9]*" if mode == "go_to" else None

    def show_count(self, content: Content) -> None:
        """Show the match count; the bar is laid out again only when the count's width
        changes (a count within its room repaints just itself)."""
        cells = max(COUNT_CELLS, content.cell_length)
        self.query_one("#search-count", Label).update(content, layout=cells != self._count_cells)
        self._count_cells = cells
