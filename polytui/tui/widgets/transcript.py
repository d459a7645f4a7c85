"""The transcript pane: a virtual, keyboard-driven view of a conversation's turns.

Each turn shows a header ("#12  03:41", badges, latency coloured by thresholds), the caller
side (text, "DTMF 1 2 3 4" or a dim "(silence)"), the agent side, English translations when
present and shown, intents/entities and reviewer notes, then a blank separator row. The cursor
turn has a tinted background and a bar in the gutter; search matches are highlighted.

Virtualisation lives in ``VirtualTurnsView`` (transcript_virtual.py): 5,000 turns open about as
fast as 50 because only the turns on or near the screen are ever wrapped.

Navigation never animates. ``next_flagged`` does not wrap around (returns False at the end);
``search`` and ``next_match`` wrap around like vim's wrapscan.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from textual import events
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip

from polytui.core.facts import DEFAULT_BANDS, LatencyBands
from polytui.core.models import Conversation, Note

from ..keys import bind
from .transcript_model import TranscriptModel
from .transcript_render import (
    COMPONENT_CLASSES,
    Palette,
    RenderOptions,
    message_strip,
    render_turn,
)
from .transcript_virtual import VirtualTurnsView

NO_CONVERSATION = "No conversation"
NO_TRANSCRIPT = (
    "This conversation has no transcript (transcripts may be switched off for the project)."
)


class TranscriptView(VirtualTurnsView, can_focus=True):
    """Turns of one conversation: header, caller, agent, translations, intents, notes."""

    COMPONENT_CLASSES: ClassVar[set[str]] = set(COMPONENT_CLASSES)
    DEFAULT_CSS = """
    TranscriptView {
        background: $surface;
        color: $text;
        overflow-x: hidden;
        overflow-y: scroll;
        &:focus { background-tint: $foreground 4%; }
        & > .transcript--cursor { background: $accent 18%; }
        & > .transcript--cursor-bar { color: $accent; }
        & > .transcript--number { color: $text; text-style: bold; }
        & > .transcript--time { color: $text-muted; }
        & > .transcript--caller-label { color: $text-primary; text-style: bold; }
        & > .transcript--agent-label { color: $text-secondary; text-style: bold; }
        & > .transcript--caller { color: $text; }
        & > .transcript--agent { color: $text; }
        & > .transcript--translation { color: $text-muted; }
        & > .transcript--meta { color: $text-muted; }
        & > .transcript--note { color: $text-warning; }
        & > .transcript--silence { color: $text-muted; text-style: italic; }
        & > .transcript--match { background: $warning; color: auto 90%; }
        & > .transcript--latency-good { color: $success; }
        & > .transcript--latency-warn { color: $warning; }
        & > .transcript--latency-bad { color: $error; }
        & > .transcript--empty { color: $text-muted; text-style: italic; }
        & > .transcript--badge-ood {
            background: $warning-muted; color: $text-warning; text-style: bold;
        }
        & > .transcript--badge-silence { background: $boost; color: $text-muted; }
        & > .transcript--badge-dtmf {
            background: $accent-muted; color: $text-accent; text-style: bold;
        }
        & > .transcript--badge-slow {
            background: $error-muted; color: $text-error; text-style: bold;
        }
        & > .transcript--badge-barge-in {
            background: $warning-muted; color: $text-warning; text-style: bold;
        }
        & > .transcript--badge-function { background: $boost; color: $text-accent; }
        & > .transcript--badge-error {
            background: $error-muted; color: $text-error; text-style: bold;
        }
        & > .transcript--badge-handoff {
            background: $secondary-muted; color: $text-secondary; text-style: bold;
        }
        & > .transcript--badge-note {
            background: $primary-muted; color: $text-primary; text-style: bold;
        }
    }
    """
    # The moving keys, by id (the one keymap): they replace ScrollableContainer's scrolling keys
    # so they move the cursor (no animation). A count typed first (digits) repeats a move, or
    # with g / G goes to that turn, as in less and vim.
    BINDINGS = [
        bind("down", "cursor_down", "Next turn", show=False),
        bind("up", "cursor_up", "Previous turn", show=False),
        bind("first", "cursor_first", "First turn (37g: turn 37)", show=False),
        bind("last", "cursor_last", "Last turn (37G: turn 37)", show=False),
        bind("page_down", "page_down", "Page down", show=False),
        bind("page_up", "page_up", "Page up", show=False),
        bind("half_page_down", "half_page(1)", "Half a page down", show=False),
        bind("half_page_up", "half_page(-1)", "Half a page up", show=False),
    ]

    show_translations: reactive[bool] = reactive(True, init=False)
    show_heard: reactive[bool] = reactive(False, init=False)  # speech recognition's alternatives
    cursor: reactive[int] = reactive(0, init=False, repaint=False)
    search_query: reactive[str] = reactive("", init=False)
    notes: reactive[dict[int, list[Note]]] = reactive(dict, init=False, always_update=True)

    class CursorMoved(Message):
        """The cursor turn changed (``index`` is 0-based)."""

        def __init__(self, transcript: TranscriptView, index: int) -> None:
            super().__init__()
            self.transcript = transcript
            self.index = index

        @property
        def control(self) -> TranscriptView:
            return self.transcript

    class CountChanged(Message):
        """Digits typed ahead of a move (``count`` is "" once used or dropped)."""

        def __init__(self, transcript: TranscriptView, count: str) -> None:
            super().__init__()
            self.transcript = transcript
            self.count = count

        @property
        def control(self) -> TranscriptView:
            return self.transcript

    def __init__(
        self,
        conversation: Conversation | None = None,
        *,
        latency_good: float = DEFAULT_BANDS.good,
        latency_warn: float = DEFAULT_BANDS.warn,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        self._palette: Palette | None = None
        super().__init__(name=name, id=id, classes=classes)
        self.bands = LatencyBands(latency_good, latency_warn)
        self._model = TranscriptModel(conversation)
        self._notes_version = 0
        self._matches: list[int] | None = None
        self._count = ""  # digits typed so far
        self._armed = ""  # the count of the key being handled (see on_key)

    # -- public API ---------------------------------------------------------------------------

    @property
    def conversation(self) -> Conversation | None:
        return self._model.conversation

    @property
    def model(self) -> TranscriptModel:
        """The turns shown (a long call's search text is built on it off the event loop)."""
        return self._model

    @property
    def turn_count(self) -> int:
        return len(self._model)

    def draw_ahead(self, conversation: Conversation, notes: Sequence[Note]) -> DrawnAhead | None:
        """The first screen of ``conversation`` drawn now, as ``set_conversation`` would draw
        it with the cursor on the first turn, for showing it later without drawing (a queue's
        next call); None while the view has no size."""
        width, height = self.scrollable_content_region.size
        if width <= 0 or height <= 0:
            return None
        model = TranscriptModel(conversation)
        by_turn = _by_turn(notes)
        options = self._render_options(width)
        strips: dict[tuple[int, bool], list[Strip]] = {}
        rows = 0
        for index in range(len(model)):
            if rows >= height:
                break
            drawn = render_turn(
                model.entries[index],
                conversation,
                by_turn.get(index + 1, ()),
                cursor=index == 0,
                options=options,
            )
            strips[(index, index == 0)] = drawn
            rows += len(drawn)
        # Every turn's height estimated (the layout the call opens with), for this width.
        heights = model.estimate_heights(width, self.show_translations, by_turn, None)
        finish = self._finisher()  # and finished for the screen, as render_lines will ask
        if finish is not None:
            for drawn in strips.values():
                for strip in drawn:
                    finish(strip)
        return DrawnAhead(
            conversation, model, by_turn, (width, *self._draw_state()), strips, heights
        )

    def set_conversation(
        self,
        conversation: Conversation | None,
        *,
        cursor: int = 0,
        notes: Sequence[Note] | None = None,
        drawn: DrawnAhead | None = None,
    ) -> None:
        """Show ``conversation`` (None for a blank pane) with the cursor on turn ``cursor``;
        ``notes``, when given, are its reviewer notes (as ``set_notes``), laid out with it
        rather than after it (the turns on screen are drawn once, not twice). ``drawn``: its
        first screen drawn ahead (``draw_ahead``), used when nothing it was drawn for changed."""
        if notes is not None:
            self.set_reactive(TranscriptView.notes, _by_turn(notes))
            self._notes_version += 1
        usable = (
            drawn is not None
            and drawn.conversation is conversation
            and cursor == 0
            and drawn.notes == self.notes
        )
        self._model = drawn.model if usable and drawn is not None else TranscriptModel(conversation)
        self._matches = None
        self._first_layout = True  # a new call's first frame may estimate roughly far off
        self._discard_layout()
        self._seeded = dict(drawn.strips) if usable and drawn is not None else {}
        self._seed_key = (drawn.key[0], *self._seed_state()) if usable and drawn else None
        if usable and drawn is not None and drawn.key != (drawn.key[0], *self._draw_state()):
            self._seeded, self._seed_key = {}, None  # drawn with other options: draw again
        self._seeded_heights = None
        if self._seed_key is not None and drawn is not None and drawn.heights:
            self._seeded_heights = ((drawn.key[0], *self._layout_state()), drawn.heights)
        if self.is_mounted:
            self.scroll_to(y=0, animate=False)
        self.set_reactive(TranscriptView.cursor, self.validate_cursor(cursor))
        self._reveal_pending = True
        self._reveal(self.cursor)
        self.post_message(self.CursorMoved(self, self.cursor))
        self.refresh()

    def turns_added(self) -> None:
        """More of a long call's turns are read (``Conversation.reading``): the transcript
        takes them, the turns on screen staying where they are."""
        self._model = TranscriptModel(self._model.conversation)
        self._matches = None
        self._discard_layout(keep_anchor=True)
        self.refresh()

    def go_to(self, index: int) -> None:
        """The cursor to turn ``index`` (0-based), brought into view."""
        self._set_cursor(index)

    def has_translations(self) -> bool:
        return self._model.has_translations()

    def has_alternatives(self) -> bool:
        return self._model.has_alternatives()

    def set_notes(self, notes: Sequence[Note]) -> None:
        """Show reviewer notes under their turns (call-level notes, turn None, are ignored)."""
        self.notes = _by_turn(notes)

    def move_cursor(self, delta: int) -> None:
        """``delta`` turns on; a single step inside a turn taller than the screen scrolls it a
        row instead, until its end (or start) is on screen."""
        if abs(delta) == 1 and self._scroll_within(self.cursor, delta):
            self.refresh()
            return
        self._set_cursor(self.cursor + delta)

    def cursor_first(self) -> None:
        self._set_cursor(0)

    def cursor_last(self) -> None:
        """The last turn, scrolled to the very end of the transcript."""
        if len(self._model):
            self._set_cursor(len(self._model) - 1, to_end=True)

    def page(self, direction: int, *, half: bool = False) -> None:
        """Scroll a screen (``half``: half a screen) up (direction < 0) or down; the cursor
        follows to the first turn starting on the new screen (or stays on a turn taller than
        the screen)."""
        if not len(self._model) or not direction:
            return
        if not self._ensure_layout():
            self.move_cursor(1 if direction > 0 else -1)
            return
        target = self._page_target(direction, self._view_height() // 2 if half else None)
        if target is None:  # at the very top or bottom already: stay there
            self._set_cursor(len(self._model) - 1 if direction > 0 else 0, keep_visible=True)
            return
        target = max(target, self.cursor) if direction > 0 else min(target, self.cursor)
        self._set_cursor(target, keep_visible=True)

    def next_flagged(self, direction: int = 1) -> bool:
        """Move to the next (direction >= 0) or previous flagged turn: OOD, silence, DTMF, slow,
        handoff or with notes. No wrap-around: False (cursor unchanged) when there is none."""
        entries = self._model.entries
        notes = self.notes
        step = 1 if direction >= 0 else -1
        index = self.cursor + step
        while 0 <= index < len(entries):
            if entries[index].flagged(self.bands, bool(notes.get(index + 1))):
                self._set_cursor(index)
                return True
            index += step
        return False

    def search(self, query: str) -> int:
        """Highlight ``query`` (case-insensitive literal); jump to the first matching turn at or
        after the cursor, wrapping to the first match. Returns the number of matching turns."""
        self.search_query = query
        matches = self._match_list()
        if matches:
            position = bisect_left(matches, self.cursor)
            self._set_cursor(matches[position] if position < len(matches) else matches[0])
        return len(matches)

    def next_match(self, direction: int = 1) -> bool:
        """Jump to the next/previous matching turn, wrapping around; False when nothing matches."""
        matches = self._match_list()
        if not matches:
            return False
        if direction >= 0:
            target = matches[bisect_right(matches, self.cursor) % len(matches)]
        else:
            target = matches[bisect_left(matches, self.cursor) - 1]
        self._set_cursor(target)
        return True

    @property
    def match_count(self) -> int:
        return len(self._match_list())

    @property
    def match_index(self) -> int:
        """1-based position of the cursor turn among the matches, 0 when it is not a match."""
        matches = self._match_list()
        position = bisect_left(matches, self.cursor)
        return position + 1 if position < len(matches) and matches[position] == self.cursor else 0

    def turn_plain_text(self, index: int) -> str:
        """Turn ``index`` as cleaned plain text for copying; "" when there is no such turn."""
        entries = self._model.entries
        if not 0 <= index < len(entries):
            return ""
        return entries[index].plain_text(
            self._model.conversation,
            show_translations=self.show_translations,
            notes=self.notes.get(index + 1, ()),
            bands=self.bands,
            show_heard=self.show_heard,
        )

    # -- counts -------------------------------------------------------------------------------

    @property
    def pending_count(self) -> str:
        """Digits typed ahead of the next move ("" for none)."""
        return self._count

    def take_count(self) -> int | None:
        """The count typed before the key being handled (None without one); used once."""
        armed, self._armed = self._armed, ""
        return int(armed) if armed else None

    def clear_count(self) -> bool:
        """Drop a count being typed (Escape); True when there was one."""
        had = bool(self._count or self._armed)  # Escape itself hands the count on (on_key)
        self._count = self._armed = ""
        if had:
            self.post_message(self.CountChanged(self, ""))
        return had

    def on_key(self, event: events.Key) -> None:
        # Bindings run after this, when the key reaches the app: the count typed so far is
        # handed to the key being pressed (``take_count``) and never outlives it.
        character = event.character
        if (
            character is not None
            and character in "0123456789"
            and (self._count or character != "0")
        ):
            event.stop()
            event.prevent_default()
            self._count = (self._count + character)[-6:]
            self.post_message(self.CountChanged(self, self._count))
            return
        self._armed, self._count = self._count, ""
        if self._armed:
            self.post_message(self.CountChanged(self, ""))

    # -- actions (the widget's own keys) ------------------------------------------------------

    def action_cursor_up(self) -> None:
        self.move_cursor(-(self.take_count() or 1))

    def action_cursor_down(self) -> None:
        self.move_cursor(self.take_count() or 1)

    def action_page_up(self) -> None:
        self._pages(-1, self.take_count() or 1)

    def action_page_down(self) -> None:
        self._pages(1, self.take_count() or 1)

    def _pages(self, direction: int, count: int) -> None:
        """``count`` pages, stopping where the transcript ends."""
        for _ in range(count):
            before = (self.cursor, round(self.scroll_y))
            self.page(direction)
            if (self.cursor, round(self.scroll_y)) == before:
                break

    def action_half_page(self, direction: int) -> None:
        self.take_count()
        self.page(direction, half=True)

    def action_cursor_first(self) -> None:
        count = self.take_count()
        if count:
            self.go_to_turn(count)
        else:
            self.cursor_first()

    def action_cursor_last(self) -> None:
        count = self.take_count()
        if count:
            self.go_to_turn(count)
        else:
            self.cursor_last()

    def go_to_turn(self, number: int) -> None:
        """Turn ``number`` (1-based; past the end: the last turn), its top on screen."""
        if len(self._model):
            self._set_cursor(min(max(number, 1), len(self._model)) - 1)

    # -- reactives and events -----------------------------------------------------------------

    def validate_cursor(self, value: int) -> int:
        count = len(self._model)
        return min(max(int(value), 0), count - 1) if count else 0

    def watch_cursor(self) -> None:
        self._after_cursor_change(keep_visible=False)

    def watch_show_translations(self) -> None:
        self._matches = None
        self._discard_layout(keep_anchor=True)
        self.refresh()

    def watch_show_heard(self) -> None:
        self._discard_layout(keep_anchor=True)
        self.refresh()

    def watch_search_query(self) -> None:
        self._matches = None
        self._clear_strips()
        self.refresh()

    def watch_notes(self) -> None:
        self._notes_version += 1
        self._matches = None
        self._discard_layout(keep_anchor=True)
        self.refresh()

    def notify_style_update(self) -> None:
        self._palette = None
        super().notify_style_update()

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        index = None if offset is None else self._row_item(offset.y)
        if index is not None:
            self._set_cursor(index, keep_visible=True)

    # -- VirtualTurnsView hooks ---------------------------------------------------------------

    def _item_count(self) -> int:
        return len(self._model)

    def _layout_state(self) -> tuple[object, ...]:
        return (self.show_translations, self.show_heard, self._notes_version)

    def _estimate_heights(self, width: int, near: int | None = None) -> list[int]:
        return self._model.estimate_heights(width, self.show_translations, self.notes, near)

    def _seed_state(self) -> tuple[object, ...]:
        return (*self._layout_state(), *self._draw_state())

    def _draw_state(self) -> tuple[object, ...]:
        """What drawing a turn depends on besides the width, the turn and its notes."""
        return (
            self.show_translations,
            self.show_heard,
            self.search_query.lower(),
            id(self._get_palette()),
            self.bands,
        )

    def _render_options(self, width: int) -> RenderOptions:
        return RenderOptions(
            width=width,
            palette=self._get_palette(),
            query=self.search_query.lower(),
            show_translations=self.show_translations,
            bands=self.bands,
            show_heard=self.show_heard,
        )

    def _render_item(self, index: int, width: int, is_cursor: bool) -> list[Strip]:
        options = self._render_options(width)
        return render_turn(
            self._model.entries[index],
            self._model.conversation,
            self.notes.get(index + 1, ()),
            cursor=is_cursor,
            options=options,
        )

    def _render_empty(self, row: int, width: int) -> Strip:
        palette = self._get_palette()
        if row == 0 and not len(self._model):
            message = NO_CONVERSATION if self._model.conversation is None else NO_TRANSCRIPT
            return message_strip(message, width, palette)
        return Strip.blank(width, palette.resolve("base"))

    # -- internals ----------------------------------------------------------------------------

    def _get_palette(self) -> Palette:
        if self._palette is None:
            self._palette = Palette(self)
        return self._palette

    def _match_list(self) -> list[int]:
        if self._matches is None:
            self._matches = self._model.find(self.search_query, self.show_translations, self.notes)
        return self._matches

    def _set_cursor(self, index: int, *, keep_visible: bool = False, to_end: bool = False) -> None:
        """Move the cursor without going through the watcher (so paging can ask to keep a
        visible turn where it is); still scrolls it into view and posts CursorMoved."""
        new = self.validate_cursor(index)
        changed = new != self.cursor
        if changed:
            self.set_reactive(TranscriptView.cursor, new)
        # A move past the first or last turn goes nowhere and leaves the screen where it is
        # (a move by 0 still brings the cursor turn into view).
        stuck = not changed and new != index
        self._after_cursor_change(
            keep_visible=keep_visible or stuck, changed=changed, to_end=to_end
        )

    def _after_cursor_change(
        self, *, keep_visible: bool, changed: bool = True, to_end: bool = False
    ) -> None:
        self._reveal(self.cursor, keep_visible=keep_visible, to_end=to_end)
        if changed:
            self.post_message(self.CursorMoved(self, self.cursor))
        self.refresh()


@dataclass(frozen=True)
class DrawnAhead:
    """A call's first screen drawn before it is shown (``TranscriptView.draw_ahead``)."""

    conversation: Conversation
    model: TranscriptModel
    notes: dict[int, list[Note]]  # by turn, as drawn
    key: tuple[object, ...]  # (width, what the drawing depended on)
    strips: dict[tuple[int, bool], list[Strip]] = field(repr=False)  # (turn index, cursor)
    heights: list[int] = field(repr=False, default_factory=list)  # every turn's, estimated


def _by_turn(notes: Sequence[Note]) -> dict[int, list[Note]]:
    by_turn: dict[int, list[Note]] = {}
    for note in notes:
        if note.turn is not None:
            by_turn.setdefault(note.turn, []).append(note)
    return by_turn
