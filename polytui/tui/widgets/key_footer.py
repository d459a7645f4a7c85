"""The footer: the screen's most important keys that fit the width, in a fixed priority, and a
status at the right (the turn's position, a count being typed).

The screen names its keys by id, most important first (``FOOTER_KEYS``); a key shows when it
is active there now (bound on the focused widget, the screen or the app, not taken by a text
box, its action allowed) and the screen's ``footer_offers(id)`` does not refuse it. Each shows
its first key in force (the keymap's), so a remapped key shows as remapped. What does not fit
is left out from the least important up; ``?`` lists everything."""

from __future__ import annotations

from dataclasses import dataclass

from textual import events
from textual.binding import Binding
from textual.content import Content
from textual.reactive import reactive
from textual.screen import Screen
from textual.strip import Strip
from textual.widget import Widget

from polytui.core.keys import CHARACTER_NAMES
from polytui.tui.keys import key_display, keys_in_force

from .plain_rows import line_key, line_strip

GAP = 2  # cells between two keys
PALETTE = ("^p", "palette")
PALETTE_BESIDE_STATUS = 140  # cells from which the palette's hint shows beside a status


@dataclass(frozen=True)
class FooterKey:
    key: str  # the key to simulate on a click
    shown: str  # how it shows: "?", "esc", "^f"
    description: str


def footer_keys(screen: Screen) -> list[FooterKey]:
    """The keys ``screen`` offers now, most important first (see the module's doc)."""
    app = screen.app
    active = screen.active_bindings
    order = list(getattr(screen, "FOOTER_KEYS", ()))
    offers = getattr(screen, "footer_offers", None)
    focused = screen.focused

    def taken(key: str) -> bool:
        """The focused box types ``key`` (Textual misses some: "slash" is "/")."""
        if focused is None:
            return False
        character = key if len(key) == 1 else CHARACTER_NAMES.get(key)
        return character is not None and focused.check_consume_key(key, character)

    found: dict[str, tuple[int, FooterKey]] = {}
    for active_binding in active.values():
        binding: Binding = active_binding.binding
        if not (binding.show and binding.description and active_binding.enabled):
            continue
        name = binding.id or binding.action
        if name in found or (offers is not None and not offers(name)):
            continue
        usable = [k for k in keys_in_force(app, binding) if k in active and not taken(k)]
        if not usable:
            continue  # every key of it types into the focused box
        key = usable[0]
        rank = order.index(name) if name in order else len(order) + len(found)
        found[name] = (rank, FooterKey(key, key_display(app, key), binding.description))
    return [item for _, item in sorted(found.values(), key=lambda pair: pair[0])]


def fit(keys: list[FooterKey], width: int) -> list[FooterKey]:
    """The most important keys whose labels fit in ``width`` cells (in priority order)."""
    kept: list[FooterKey] = []
    used = 0
    for item in keys:
        cells = len(item.shown) + 1 + len(item.description) + (GAP if kept else 0)
        if used + cells > width:
            continue  # a shorter, less important key may still fit
        kept.append(item)
        used += cells
    return kept


class KeyFooter(Widget):
    """One row docked at the bottom; ``status`` shows at its right."""

    DEFAULT_CSS = """
    KeyFooter {
        dock: bottom; height: 1; padding: 0 1;
        background: $footer-background; color: $footer-foreground;
    }
    """
    ALLOW_SELECT = False

    status: reactive[str] = reactive("")

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._spans: list[tuple[int, int, str]] = []  # (start, end, key) of each shown key
        # The keys' part and the status's part ("left", "right") as last drawn: a move that
        # changes only the status (the turn's position) draws only that.
        self._drawn: dict[str, tuple[tuple[object, ...], Strip]] = {}

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self.refresh()

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, _screen: Screen) -> None:
        self.refresh()

    def shown(self) -> list[FooterKey]:
        """The keys on show at the current width."""
        right = self._right()
        room = self.content_size.width - (right.cell_length + GAP if right else 0)
        return fit(footer_keys(self.screen), room)

    def _right(self) -> Content:
        status = Content.styled(self.status, "bold $footer-key-foreground") if self.status else None
        palette = Content.assemble(
            (PALETTE[0], "bold $footer-key-foreground"),
            " ",
            (PALETTE[1], "$footer-description-foreground"),
        )
        if status is None:
            return palette
        if self.content_size.width >= PALETTE_BESIDE_STATUS:
            return Content.assemble(status, "  ", palette)
        return status

    def _keys_part(self, room: int) -> Content:
        """The keys that fit in ``room`` cells, and where each is (``_spans``, for clicks)."""
        parts: list[Content] = []
        self._spans = []
        x = 0
        for item in fit(footer_keys(self.screen), room):
            if parts:
                parts.append(Content(" " * GAP))
                x += GAP
            label = Content.assemble(
                (item.shown, "bold $footer-key-foreground"),
                " ",
                (item.description, "$footer-description-foreground"),
            )
            self._spans.append((x, x + label.cell_length, item.key))
            parts.append(label)
            x += label.cell_length
        return Content.assemble(*parts)

    def _layout(self, width: int) -> tuple[Content, int, Content]:
        """The line's three parts: the keys that fit, the blank cells after them, the status
        (or the palette's hint) at the right."""
        right = self._right()
        left = self._keys_part(width - (right.cell_length + GAP if right else 0))
        return left, max(GAP, width - left.cell_length - right.cell_length), right

    def render(self) -> Content:
        width = self.content_size.width
        left, filler, right = self._layout(width)
        line = Content.assemble(left, " " * filler, right)
        return line.truncate(width) if line.cell_length > width else line

    def render_line(self, y: int) -> Strip:
        """The line ``render`` gives, drawn in parts: each part is drawn again only when it
        changed (the keys seldom do; the status at the right with every move)."""
        width = self.size.width
        style = self.visual_style
        if y != 0 or width <= 0 or self.text_selection is not None:
            return super().render_line(y) if y == 0 else Strip.blank(width, style.rich_style)
        left, filler, right = self._layout(width)
        filled = Strip.blank(filler, style.rich_style)
        line = Strip.join([self._part(left, "left"), filled, self._part(right, "right")])
        return line.crop(0, width) if line.cell_length > width else line

    def _part(self, content: Content, side: str) -> Strip:
        key = line_key(content)
        drawn = self._drawn.get(side)
        if drawn is None or drawn[0] != key:
            drawn = self._drawn[side] = (key, line_strip(self, content, content.cell_length))
        return drawn[1]

    def notify_style_update(self) -> None:
        super().notify_style_update()
        getattr(self, "_drawn", {}).clear()  # (Widget.__init__ may call this before it is set)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        for start, end, key in self._spans:
            if start <= offset.x < end:
                event.stop()
                self.app.simulate_key(key)
                return

    def watch_status(self) -> None:
        self.refresh()
