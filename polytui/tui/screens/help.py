"""`?` / F1: every key of the screen underneath, generated from its bindings."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Static


def _declared(node: object) -> list[Binding]:
    """Bindings that polytui's own classes declare on ``node`` (not Textual's inherited ones)."""
    found: list[Binding] = []
    for cls in type(node).__mro__:
        if not cls.__module__.startswith("polytui"):
            continue
        for item in cls.__dict__.get("BINDINGS", ()):
            if isinstance(item, Binding) and item.description and not item.system:
                found.append(item)
    return found


def _in_force(node: object, binding: Binding) -> bool:
    """False for a key that exists only in some state of its screen and is not in force now
    (the queue's keys on a call not opened from a queue): ``ONLY_WHEN_ACTIVE`` names them."""
    only = getattr(node, "ONLY_WHEN_ACTIVE", ())
    if not only:
        return True
    from textual.actions import parse as parse_action

    _, name, parameters = parse_action(binding.action)
    return name not in only or bool(node.check_action(name, parameters))  # type: ignore[attr-defined]


def reviewer_bindings(screen: Screen) -> list[tuple[list[str], Binding, object]]:
    """(keys, binding, node) for every key polytui offers on ``screen``: the screen's own keys first in
    the order declared, then the focused widget's, then the app's. Keys with the same description
    are merged ("j / down")."""
    app = screen.app
    nodes: list[object] = [screen]
    focused = screen.focused
    if focused is not None:
        nodes.extend(
            n
            for n in reversed(list(focused.ancestors_with_self))
            if n is not screen and n is not app
        )
    nodes.append(app)
    rows: dict[str, tuple[list[str], Binding, object]] = {}
    for node in nodes:
        for declared in _declared(node):
            if not _in_force(node, declared):
                continue
            keys, _, _ = rows.setdefault(declared.description, ([], declared, node))
            for key in declared.key.split(","):
                shown = app.get_key_display(Binding(key.strip(), declared.action))
                if declared.key_display and key == declared.key.split(",")[0]:
                    shown = declared.key_display
                if shown not in keys:
                    keys.append(shown)
    return list(rows.values())


def binding_rows(screen: Screen) -> list[tuple[str, str]]:
    return [
        (" / ".join(keys), binding.description) for keys, binding, _ in reviewer_bindings(screen)
    ]


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 64; max-width: 100%; height: auto; max-height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    HelpScreen .help-title { text-style: bold; color: $accent; margin-bottom: 1; }
    HelpScreen .help-foot { color: $text-muted; margin-top: 1; }
    """
    BINDINGS = [
        Binding("escape,q,question_mark,f1", "dismiss_help", "Close help", show=False),
    ]

    def __init__(self, under: Screen) -> None:
        super().__init__()
        self._rows = binding_rows(under)
        self._title = getattr(under, "HELP_TITLE", "Keys")

    def compose(self) -> ComposeResult:
        width = max((len(keys) for keys, _ in self._rows), default=4) + 2
        lines = [
            Content.assemble((keys.ljust(width), "bold $accent"), description)
            for keys, description in self._rows
        ]
        with VerticalScroll():
            yield Static(Content(self._title), classes="help-title")
            yield Static(Content("\n").join(lines) if lines else Content("No keys here."))
            yield Static(
                Content("ctrl+p opens the command palette with the same actions. Esc closes."),
                classes="help-foot",
            )

    def action_dismiss_help(self) -> None:
        self.dismiss(None)
