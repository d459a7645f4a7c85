"""`?` / F1: every key of the screen underneath, generated from its bindings and shown with the
keys in force (the keymap's), grouped as the keymap groups them."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from polytui.core.keys import KEYMAP
from polytui.tui.keys import bind, shown_keys


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
    """(keys, binding, node) for every key polytui offers on ``screen``: the focused widget's
    and its containers' first, then the screen's in the order declared, then the app's. Keys
    with the same description are merged ("j, ↓"); the keys are those in force."""
    app = screen.app
    nodes: list[object] = []
    focused = screen.focused
    if focused is not None:
        nodes.extend(n for n in focused.ancestors_with_self if n is not screen and n is not app)
    nodes += [screen, app]
    rows: dict[str, tuple[list[str], Binding, object]] = {}
    for node in nodes:
        for declared in _declared(node):
            if not _in_force(node, declared):
                continue
            keys, _, _ = rows.setdefault(declared.description, ([], declared, node))
            for shown in shown_keys(app, declared):
                if shown not in keys:
                    keys.append(shown)
    return list(rows.values())


def binding_rows(screen: Screen) -> list[tuple[str, str]]:
    return [
        (", ".join(keys), binding.description) for keys, binding, _ in reviewer_bindings(screen)
    ]


def grouped_rows(screen: Screen) -> list[tuple[str, list[tuple[str, str]]]]:
    """``binding_rows`` under the keymap's headings (Move, Search, ...), in that order."""
    groups: dict[str, list[tuple[str, str]]] = {}
    order = list(dict.fromkeys(spec.group for spec in KEYMAP.values()))
    for keys, binding, _ in reviewer_bindings(screen):
        spec = KEYMAP.get(binding.id or "")
        group = spec.group if spec is not None else order[-1]
        groups.setdefault(group, []).append((", ".join(keys), binding.description))
    return [(group, groups[group]) for group in order if group in groups]


TWO_COLUMNS = 104  # terminal columns from which help shows its groups side by side


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 72; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    HelpScreen.-wide > VerticalScroll { width: 104; }
    HelpScreen Horizontal { height: auto; }
    HelpScreen .help-column { width: 1fr; padding-right: 2; }
    HelpScreen .help-title { text-style: bold; color: $accent; margin-bottom: 1; }
    HelpScreen .help-note { margin-top: 1; }
    HelpScreen .help-foot { color: $text-muted; margin-top: 1; }
    """
    BINDINGS = [
        bind("back", "dismiss_help", "Close help", show=False),
        bind("help", "dismiss_help", "Close help", show=False),
        bind("quit", "dismiss_help", "Close help", show=False),
        bind("down", "scroll(1)", "Scroll down", show=False),
        bind("up", "scroll(-1)", "Scroll up", show=False),
        bind("page_down", "page(1)", "Page down", show=False),
        bind("page_up", "page(-1)", "Page up", show=False),
        bind("half_page_down", "page(1)", "Page down", show=False),
        bind("half_page_up", "page(-1)", "Page up", show=False),
        bind("first", "home", "Top", show=False),
        bind("last", "end", "Bottom", show=False),
    ]

    def __init__(self, under: Screen) -> None:
        super().__init__()
        self._groups = grouped_rows(under)
        self._title = getattr(under, "HELP_TITLE", "Keys")
        self._note = getattr(under, "HELP_NOTE", "")  # what the screen says beyond its keys

    def _blocks(self) -> list[list[Content]]:
        """Each group's lines: its heading, then its keys."""
        width = max((len(keys) for _, group in self._groups for keys, _ in group), default=4)
        return [
            [Content.styled(heading, "bold $text-muted")]
            + [
                Content.assemble((keys.ljust(width + 2), "bold $accent"), description)
                for keys, description in group
            ]
            for heading, group in self._groups
        ]

    def compose(self) -> ComposeResult:
        blocks = self._blocks()
        wide = self.app.size.width >= TWO_COLUMNS and len(blocks) > 1
        self.set_class(wide, "-wide")
        columns: list[list[list[Content]]] = [blocks]
        if wide:  # the groups in order, split where the two columns come out most even
            total = sum(len(block) + 1 for block in blocks)
            best, split = total, 1
            for at in range(1, len(blocks)):
                left = sum(len(block) + 1 for block in blocks[:at])
                if abs(total - 2 * left) < best:
                    best, split = abs(total - 2 * left), at
            columns = [blocks[:split], blocks[split:]]
        with VerticalScroll(can_focus=False):
            yield Static(Content(self._title), classes="help-title")
            if not blocks:
                yield Static(Content("No keys here."))
            with Horizontal():
                for column in columns:
                    lines = Content("\n\n").join(Content("\n").join(block) for block in column)
                    yield Static(lines, classes="help-column")
            if self._note:
                yield Static(Content(self._note), classes="help-note")
            yield Static(
                Content(
                    "A count typed first repeats a move or goes to a turn (37G). ctrl+p opens "
                    "the command palette with the same actions; `polytui config keys` lists "
                    "every key id, and [keys] in the config file remaps them. Esc closes."
                ),
                classes="help-foot",
            )

    @property
    def _scroller(self) -> VerticalScroll:
        return self.query_one(VerticalScroll)

    def action_scroll(self, rows: int) -> None:
        self._scroller.scroll_relative(y=rows, animate=False)

    def action_page(self, direction: int) -> None:
        scroller = self._scroller
        scroller.scroll_relative(y=direction * max(1, scroller.size.height - 2), animate=False)

    def action_home(self) -> None:
        self._scroller.scroll_home(animate=False)

    def action_end(self) -> None:
        self._scroller.scroll_end(animate=False)

    def action_dismiss_help(self) -> None:
        self.dismiss(None)
