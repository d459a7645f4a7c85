"""Any JSON value (metrics, function events) as an expandable, filterable tree.

Children are built only when their parent is expanded, and at most ``CHUNK`` at a time (a "more"
node loads the next batch), so a 10,000-item list costs a few hundred nodes, not 10,000. The data
is walked without recursion, so deeply nested payloads cannot overflow the stack.

Labels are rich ``Text`` built from ``clean_line``'d strings, never parsed as markup.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any, ClassVar, Literal

from rich.text import Text
from textual import on
from textual.binding import BindingType
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from polytui.core.readings import pretty_json
from polytui.core.text import clean, clean_line
from polytui.tui.keys import bind

CHUNK = 200
"""Children added per expansion (and per "more" node)."""
FILTER_SHOW_LIMIT = 500
"""Matches shown by ``filter``; further matches are counted, not shown."""
MAX_KEY_CHARS = 60
MAX_VALUE_CHARS = 120
MAX_PREVIEW_CHARS = 60
PREVIEW_ITEMS = 6
MATCH_STYLE = "bold reverse"
MAX_AUTO_DEPTH = 64
"""``filter`` opens nodes down to this depth; deeper matches wait behind a collapsed node
(Textual's Tree lays out expanded nodes recursively)."""

Key = str | int
Path = tuple[Key, ...]
NodeKind = Literal["value", "more", "notice"]


@dataclass(eq=False)
class JsonNodeData:
    """What a node stands for: ``value`` at ``path`` (keys and list indexes from the root).

    ``kind`` is "more" for the node that loads the next batch of its parent's children and
    "notice" for informational lines (no matches, matches not shown)."""

    path: Path
    value: Any
    kind: NodeKind = "value"
    loaded: int = 0
    complete: bool = False

    @property
    def is_container(self) -> bool:
        return self.kind == "value" and _is_container(self.value)


def _is_container(value: Any) -> bool:
    return isinstance(value, (dict, list, tuple))


def _items(value: Any, start: int = 0, stop: int | None = None) -> Iterator[tuple[Key, Any]]:
    if isinstance(value, dict):
        return islice(value.items(), start, stop)
    return islice(enumerate(value), start, stop)


def _child(value: Any, key: Key) -> Any:
    return value[key]


def scalar_text(value: Any) -> str:
    """A scalar as a reader sees it: strings as themselves, others as JSON (true, 3.5, null)."""
    if isinstance(value, str):
        return value
    if value is None or isinstance(value, (bool, int, float)):
        return json.dumps(value)
    return str(value)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _scalar_label(value: Any) -> Text:
    if isinstance(value, str):
        text = clean_line(value)
        label = Text.assemble(('"' + _shorten(text, MAX_VALUE_CHARS) + '"', "green"))
        if len(text) > MAX_VALUE_CHARS:
            label.append(f" ({len(text):,} chars)", "dim")
        return label
    if isinstance(value, bool):
        return Text(scalar_text(value), "magenta")
    if isinstance(value, (int, float)):
        return Text(scalar_text(value), "cyan")
    if value is None:
        return Text("null", "dim italic")
    return Text(_shorten(clean_line(value), MAX_VALUE_CHARS))


def _preview(value: Any) -> str:
    """A dim hint after a collapsed container: its first keys, or its first scalar items."""
    if isinstance(value, dict):
        parts = [clean_line(k) for k in islice(value.keys(), PREVIEW_ITEMS)]
    else:
        parts = [
            json.dumps(v, ensure_ascii=False) if isinstance(v, str) else scalar_text(v)
            for v in islice(value, PREVIEW_ITEMS)
            if not _is_container(v)
        ]
        parts = [clean_line(part) for part in parts]
    more = len(value) > PREVIEW_ITEMS
    return _shorten(", ".join(parts) + (", …" if more and parts else ""), MAX_PREVIEW_CHARS)


def _size_text(value: Any) -> str:
    if not value:
        return "{}" if isinstance(value, dict) else "[]"
    return f"{{{len(value):,}}}" if isinstance(value, dict) else f"[{len(value):,}]"


class JsonTree(Tree[JsonNodeData]):
    """An expandable tree of one JSON value; ``y`` (or enter on a leaf) asks to copy a value."""

    BINDINGS: ClassVar[list[BindingType]] = [
        bind("copy", "copy_value", "Copy value"),
        bind("down", "cursor_down", "Next line", show=False),
        bind("up", "cursor_up", "Previous line", show=False),
        bind("first", "scroll_home", "First line", show=False),
        bind("last", "scroll_end", "Last line", show=False),
        bind("page_down", "page_down", "Page down", show=False),
        bind("page_up", "page_up", "Page up", show=False),
        bind("half_page_down", "page_down", "Page down", show=False),
        bind("half_page_up", "page_up", "Page up", show=False),
    ]

    class CopyRequested(Message):
        """The user asked to copy ``text`` (the screen puts it on the clipboard)."""

        def __init__(self, tree: JsonTree, text: str) -> None:
            super().__init__()
            self.json_tree = tree
            self.text = text

        @property
        def control(self) -> JsonTree:
            return self.json_tree

    def __init__(
        self,
        label: str,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        self._title = clean_line(label)
        super().__init__(Text(self._title, "bold"), None, name=name, id=id, classes=classes)
        self._value: Any = None
        self._needle = ""
        self._routes: dict[Path, list[Key]] = {}
        self._first_match: Path | None = None

    # -- public ---------------------------------------------------------------------------------

    @property
    def value(self) -> Any:
        return self._value

    def set_data(self, value: Any) -> None:
        """Show ``value``, replacing what was there (and clearing any filter); the top level is
        expanded, everything below it collapsed."""
        self._value = value
        self._needle = ""
        self._routes = {}
        self._first_match = None
        self._rebuild()

    def filter(self, text: str) -> int:
        """Show only the paths to nodes whose key or value contains ``text`` (ignoring case),
        expanded, with the matches highlighted; return how many nodes match. "" clears."""
        needle = text.lower()
        if not needle:
            self.set_data(self._value)
            return 0
        matched: list[Path] = []
        count = 0
        for path, value in self._walk():
            key_hit = bool(path) and needle in clean_line(path[-1]).lower()
            value_hit = not _is_container(value) and (
                needle in clean_line(scalar_text(value)).lower()
            )
            if key_hit or value_hit:
                count += 1
                if len(matched) < FILTER_SHOW_LIMIT:
                    matched.append(path)
        routes: dict[Path, dict[Key, None]] = {}
        for path in matched:
            for depth in range(len(path)):
                routes.setdefault(path[:depth], {})[path[depth]] = None
        self._needle = needle
        self._first_match = matched[0] if matched else None
        self._routes = {prefix: list(keys) for prefix, keys in routes.items()}
        self._rebuild(hidden_matches=count - len(matched), matches=count)
        return count

    def selected_value_text(self) -> str | None:
        """The highlighted node's value to copy: a scalar as text, a container as pretty JSON
        (cleaned like everything else from the API); None when there is nothing to copy."""
        node = self.cursor_node
        if node is None or node.data is None or node.data.kind != "value":
            return None
        value = node.data.value
        if _is_container(value):
            return clean(pretty_json(value))
        return clean(scalar_text(value))

    def action_copy_value(self) -> None:
        text = self.selected_value_text()
        if text is None:
            self.app.bell()
            return
        self.post_message(self.CopyRequested(self, text))

    # -- building -------------------------------------------------------------------------------

    def _walk(self) -> Iterator[tuple[Path, Any]]:
        """Every (path, value) in document order, the root included, without recursion."""
        stack: list[tuple[Path, Any]] = [((), self._value)]
        while stack:
            path, value = stack.pop()
            yield path, value
            if _is_container(value):
                children = list(_items(value))
                for key, child in reversed(children):
                    stack.append(((*path, key), child))

    def _rebuild(self, *, hidden_matches: int = 0, matches: int = 0) -> None:
        value = self._value
        self.clear()
        root = self.root
        if value is None or (_is_container(value) and not value):
            root.set_label(Text.assemble((self._title, "bold"), " ", ("(none)", "dim")))
            root.data = None
            root.allow_expand = False
            self._reset_cursor()
            return
        root.data = JsonNodeData((), value)
        if not _is_container(value):
            label = Text.assemble((self._title, "bold"), (": ", "dim"), _scalar_label(value))
            root.set_label(self._highlight(label))
            root.allow_expand = False
            self._reset_cursor()
            return
        root.set_label(self._container_label(Text(self._title, "bold"), value, root=True))
        root.allow_expand = True
        first_match = self._expand_routes(root)
        if self._needle and matches == 0:
            root.add_leaf(Text("no matches", "dim italic"), JsonNodeData((), None, "notice"))
        if hidden_matches:
            root.add_leaf(
                Text(
                    f"… {hidden_matches:,} more matches not shown: narrow the filter",
                    "dim italic",
                ),
                JsonNodeData((), None, "notice"),
            )
        root.expand()
        self._reset_cursor(first_match)

    def _expand_routes(self, root: TreeNode[JsonNodeData]) -> TreeNode[JsonNodeData] | None:
        """Load the root's children and, when filtering, open every node on a path to a match.
        Returns the node of the first match in document order, if it is shown."""
        first: TreeNode[JsonNodeData] | None = None
        pending = [root]
        while pending:
            node = pending.pop()
            for child in self._load_children(node):
                data = child.data
                assert data is not None
                if data.path == self._first_match:
                    first = child
                if data.path in self._routes and len(data.path) < MAX_AUTO_DEPTH:
                    child.expand()
                    pending.append(child)
        return first

    def _reset_cursor(self, node: TreeNode[JsonNodeData] | None = None) -> None:
        if not self.is_mounted:
            return
        self.last_line  # noqa: B018 - builds the line index so that node lines are known
        self.move_cursor(node or self.root)

    def _load_children(self, node: TreeNode[JsonNodeData]) -> list[TreeNode[JsonNodeData]]:
        """Add the next batch of ``node``'s children (only the routed ones while filtering)."""
        data = node.data
        if data is None or not data.is_container or data.complete:
            return []
        container = data.value
        added: list[TreeNode[JsonNodeData]] = []
        if self._needle and not data.path and not self._routes:
            data.complete = True  # filtering and nothing matched: the root stays empty
            return added
        if data.path in self._routes:
            for key in self._routes[data.path]:
                added.append(self._add_value_node(node, key, _child(container, key)))
            data.loaded = len(added)
            data.complete = True
            return added
        start = data.loaded
        for key, value in _items(container, start, start + CHUNK):
            added.append(self._add_value_node(node, key, value))
        data.loaded = start + len(added)
        remaining = len(container) - data.loaded
        data.complete = remaining <= 0
        if remaining > 0:
            node.add_leaf(
                Text(
                    f"… {remaining:,} more (enter to show {min(CHUNK, remaining):,})",
                    "dim italic",
                ),
                JsonNodeData(data.path, container, "more"),
            )
        return added

    def _add_value_node(
        self, parent: TreeNode[JsonNodeData], key: Key, value: Any
    ) -> TreeNode[JsonNodeData]:
        assert parent.data is not None
        data = JsonNodeData((*parent.data.path, key), value)
        key_style = "bold dim" if isinstance(key, int) else "dim"
        key_text = Text(_shorten(clean_line(key), MAX_KEY_CHARS), key_style)
        if _is_container(value) and value:
            return parent.add(self._container_label(key_text, value), data)
        label = Text.assemble(key_text, (": ", "dim"))
        if _is_container(value):  # an empty {} or []
            label.append(_size_text(value), "dim")
        else:
            label.append_text(_scalar_label(value))
        return parent.add_leaf(self._highlight(label), data)

    def _container_label(self, key_text: Text, value: Any, *, root: bool = False) -> Text:
        label = Text.assemble(key_text, " ", (_size_text(value), "dim"))
        preview = "" if root else _preview(value)
        if preview:
            label.append("  " + preview, "dim italic")
        return self._highlight(label)

    def _highlight(self, label: Text) -> Text:
        if self._needle:
            label.highlight_words([self._needle], MATCH_STYLE, case_sensitive=False)
        return label

    # -- events ---------------------------------------------------------------------------------

    @on(Tree.NodeExpanded)
    def _load_on_expand(self, event: Tree.NodeExpanded[JsonNodeData]) -> None:
        data = event.node.data
        if data is not None and data.is_container and data.loaded == 0 and not data.complete:
            self._load_children(event.node)

    @on(Tree.NodeSelected)
    def _select(self, event: Tree.NodeSelected[JsonNodeData]) -> None:
        node = event.node
        data = node.data
        if data is None or node.tree is not self:
            return
        if data.kind == "more":
            parent = node.parent
            node.remove()
            if parent is not None:
                added = self._load_children(parent)
                if added:
                    self.last_line  # noqa: B018 - builds the line index for the cursor move
                    self.move_cursor(added[0])
        elif data.kind == "value" and not node.allow_expand:
            self.action_copy_value()
