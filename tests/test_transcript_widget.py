"""TranscriptView: the virtual transcript pane, driven in a real (headless) Textual app."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from textual.app import App, ComposeResult

from polytui.core.models import Conversation, Note
from polytui.tui.widgets.transcript import NO_CONVERSATION, NO_TRANSCRIPT, TranscriptView
from polytui.tui.widgets.transcript_model import TranscriptModel

WORDS = (
    "hello",
    "booking",
    "table",
    "tonight",
    "please",
    "thanks",
    "reservation",
    "party",
    "seven",
    "pm",
    "for",
    "two",
)
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
SIZE = (100, 30)


def make_turn(i: int, words: int = 12, **extra: Any) -> dict[str, Any]:
    text = " ".join(WORDS[(i + k) % len(WORDS)] for k in range(words))
    turn = {
        "user_input": f"caller {i} says {text}",
        "agent_response": f"agent {i} answers {text} {text}",
        "user_input_datetime": f"2024-05-01T10:{(i // 60) % 60:02d}:{i % 60:02d}Z",
        "latency": 0.5,
    }
    turn.update(extra)
    return turn


def make_conversation(turns: list[Any] | None, **extra: Any) -> Conversation:
    data = {
        "conversationId": "CA1",
        "accountId": "acc",
        "projectId": "PROJECT-1",
        "startedAt": "2024-05-01T10:00:00Z",
        "turns": turns,
    }
    data.update(extra)
    return Conversation.from_data(data)


def many(n: int, words: int = 12) -> Conversation:
    return make_conversation([make_turn(i, words) for i in range(n)])


def note(turn: int, text: str, label: str | None = None) -> Note:
    now = datetime(2024, 5, 2, tzinfo=UTC)
    return Note(1, "PROJECT-1", "CA1", turn, text, label, now, now)


class TranscriptApp(App):
    def __init__(self, conversation: Conversation | None) -> None:
        super().__init__()
        self.conversation = conversation
        self.moves: list[int] = []

    def compose(self) -> ComposeResult:
        yield TranscriptView(self.conversation, latency_good=1.5, latency_warn=3.0)

    def on_transcript_view_cursor_moved(self, message: TranscriptView.CursorMoved) -> None:
        self.moves.append(message.index)


def lines(view: TranscriptView) -> list[str]:
    return [view.render_line(y).text for y in range(view.scrollable_content_region.height)]


def screen_text(view: TranscriptView) -> str:
    return "\n".join(lines(view))


def header_row(view: TranscriptView, number: int) -> int | None:
    """Screen row of turn ``number``'s header, None when it is not on screen."""
    pattern = re.compile(rf"^..#{number}  ")
    for row, text in enumerate(lines(view)):
        if pattern.match(text):
            return row
    return None


async def test_paints_first_turns_with_labels_time_and_latency():
    app = TranscriptApp(many(50))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = app.query_one(TranscriptView)
        text = lines(view)
        assert text[0].startswith("▌ #1  00:00")
        assert text[0].rstrip().endswith("0.50 s")
        assert "caller  caller 0 says hello" in text[1]
        assert any(line.startswith("▌ agent   agent 0 answers") for line in text)
        assert header_row(view, 2) is not None
        assert view.cursor == 0
        assert 0 < view.wrapped_turn_count < 50


async def test_cursor_moves_scroll_and_post_messages():
    app = TranscriptApp(many(50))
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TranscriptView)
        await pilot.pause()
        view.move_cursor(1)
        view.move_cursor(1)
        await pilot.pause()
        assert view.cursor == 2 and view.scroll_y == 0
        assert lines(view)[header_row(view, 3)].startswith("▌")
        view.move_cursor(20)
        await pilot.pause()
        assert view.cursor == 22
        assert view.scroll_y > 0
        assert header_row(view, 23) is not None
        view.move_cursor(-1000)
        await pilot.pause()
        assert view.cursor == 0 and view.scroll_y == 0
        assert app.moves[:3] == [1, 2, 22] and app.moves[-1] == 0
        # The widget's own keys move the cursor too.
        view.focus()
        await pilot.press("down", "down", "up")
        assert view.cursor == 1


async def test_first_last_and_paging():
    app = TranscriptApp(many(60))
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TranscriptView)
        await pilot.pause()
        view.cursor_last()
        await pilot.pause()
        assert view.cursor == 59
        assert view.scroll_y == view.max_scroll_y > 0
        assert header_row(view, 60) is not None
        view.cursor_first()
        await pilot.pause()
        assert view.cursor == 0 and view.scroll_y == 0

        height = view.scrollable_content_region.height
        view.page(1)
        await pilot.pause()
        first_page_top = view.scroll_y
        assert height - 10 <= first_page_top <= height + 10
        assert view.cursor > 0 and header_row(view, view.cursor + 1) is not None
        view.page(1)
        await pilot.pause()
        assert view.scroll_y > first_page_top
        cursor = view.cursor
        view.page(-1)
        await pilot.pause()
        assert view.cursor < cursor and header_row(view, view.cursor + 1) is not None
        for _ in range(40):
            view.page(1)
        await pilot.pause()
        assert view.cursor == 59 and view.scroll_y == view.max_scroll_y
        for _ in range(40):
            view.page(-1)
        await pilot.pause()
        assert view.cursor == 0 and view.scroll_y == 0


async def test_search_counts_highlights_and_cycles():
    turns = [make_turn(i) for i in range(30)]
    turns[4]["user_input"] = "I need a TAXI now"
    turns[11]["agent_response"] = "your taxi is booked"
    turns[25]["english_agent_response"] = "the Taxi arrives"
    turns[25]["agent_response"] = "el coche llega"
    app = TranscriptApp(make_conversation(turns))
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TranscriptView)
        await pilot.pause()
        assert view.search("taxi") == 3
        await pilot.pause()
        assert view.cursor == 4 and view.match_count == 3 and view.match_index == 1
        row = header_row(view, 5)
        strip = view.render_line(row + 1)
        hits = [seg for seg in strip if seg.text == "TAXI"]
        match_style = view.get_component_rich_style("transcript--match")
        assert hits and hits[0].style.bgcolor == match_style.bgcolor
        assert view.next_match() and view.cursor == 11 and view.match_index == 2
        assert view.next_match() and view.cursor == 25
        assert view.next_match() and view.cursor == 4  # wraps around
        assert view.next_match(-1) and view.cursor == 25
        view.move_cursor(-3)
        assert view.match_index == 0
        # Translations hidden: the match only in a translation goes away.
        view.show_translations = False
        await pilot.pause()
        assert view.match_count == 2
        view.cursor_first()
        assert view.search("no such words") == 0 and not view.next_match()
        assert view.search("") == 0 and view.match_index == 0


async def test_flagged_navigation_without_wrap():
    turns = [make_turn(i) for i in range(20)]
    turns[3]["is_ood"] = True
    turns[6]["latency"] = 3.2
    turns[9]["user_input"] = ""
    turns[9]["user_input_dtmf"] = "1234"
    turns[12]["is_silence"] = True
    turns[12]["user_input"] = ""
    app = TranscriptApp(make_conversation(turns, handoff=True))
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TranscriptView)
        view.set_notes([note(16, "wrong info", "wrong information"), note(None, "call note")])
        await pilot.pause()
        seen = []
        while view.next_flagged(1):
            seen.append(view.cursor)
        assert seen == [3, 6, 9, 12, 15, 19]  # note on turn #16, handoff on the last turn
        assert not view.next_flagged(1) and view.cursor == 19
        assert view.next_flagged(-1) and view.cursor == 15
        view.cursor_first()
        assert not view.next_flagged(-1) and view.cursor == 0
        view.move_cursor(9)
        await pilot.pause()
        text = screen_text(view)
        assert "DTMF 1 2 3 4" in text and " DTMF " in lines(view)[header_row(view, 10)]
        view.move_cursor(3)
        await pilot.pause()
        assert "(silence)" in lines(view)[header_row(view, 13) + 1]
        assert " SILENCE " in lines(view)[header_row(view, 13)]


async def test_translations_toggle_notes_and_plain_text():
    turns = [
        make_turn(
            0,
            user_input="bonjour",
            translated_user_input="hello",
            agent_response="salut",
            english_agent_response="hi there",
            intents=["greet", None],
            entities=[{"name": "Ana"}, {"party": ["2", "3"]}],
        ),
        make_turn(1),
    ]
    app = TranscriptApp(make_conversation(turns))
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TranscriptView)
        await pilot.pause()
        shown = lines(view)
        assert any("→ en  hello" in line for line in shown)
        assert any("→ en  hi there" in line for line in shown)
        assert any("intents: greet  ·  entities: name=Ana, party=2, 3" in line for line in shown)
        height = view.virtual_size.height
        view.show_translations = False
        await pilot.pause()
        assert not any("→ en" in line for line in lines(view))
        assert view.virtual_size.height == height - 2
        view.set_notes([note(1, "too long\nand vague", "bad response")])
        await pilot.pause()
        shown = lines(view)
        assert any("✎ [bad response] too long" in line for line in shown)
        assert " NOTE " in shown[0]
        copied = view.turn_plain_text(0)
        assert copied.splitlines()[0].startswith("#1  00:00  0.50 s  [NOTE]")
        assert "caller: bonjour" in copied and "→ en" not in copied
        assert "✎ [bad response] too long\nand vague" in copied
        view.show_translations = True
        assert "  → en: hello" in view.turn_plain_text(0)
        assert view.turn_plain_text(99) == ""


def cursor_turn_rows(view: TranscriptView) -> tuple[int, int]:
    """Screen rows of the cursor turn's first and last line (its separator left out)."""
    layout = view._layout
    assert layout is not None
    first = layout.start(view.cursor) - round(view.scroll_y)
    return first, first + layout.height(view.cursor) - 2


async def test_resize_rewraps_to_the_new_width_and_keeps_cursor_turn():
    app = TranscriptApp(many(80, words=40))
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TranscriptView)
        await pilot.pause()
        view.move_cursor(30)
        await pilot.pause()
        wide_height = view.virtual_size.height
        await pilot.resize_terminal(50, 30)
        await pilot.pause()
        width = view.scrollable_content_region.width
        assert width < 50
        for y in range(view.scrollable_content_region.height):
            assert view.render_line(y).cell_length <= width
        assert view.virtual_size.height > wide_height
        # Rewrapped taller, the cursor turn would run off the bottom: the view scrolls just
        # enough to show all of it (the reviewer's place is the whole selected turn).
        first, last = cursor_turn_rows(view)
        assert header_row(view, 31) == first >= 0
        assert last == view.scrollable_content_region.height - 1
        # A resize that leaves the whole turn on screen keeps it on its row.
        await pilot.resize_terminal(50, 29)
        await pilot.pause()
        await pilot.resize_terminal(50, 36)
        await pilot.pause()
        row = header_row(view, 31)
        assert row is not None and cursor_turn_rows(view)[1] < 35
        await pilot.resize_terminal(52, 36)
        await pilot.pause()
        assert header_row(view, 31) == row
        await pilot.resize_terminal(20, 12)
        await pilot.pause()
        width = view.scrollable_content_region.width
        assert all(view.render_line(y).cell_length <= width for y in range(12))


async def test_untrusted_text_is_literal_and_has_no_control_characters():
    nasty = (
        "[bold]x[/] [@click=app.quit]hi[/] a [/] b \x1b[2J\x1b]52;c;ZXZpbA==\x07 \x9b31m"
        " \u202eevil\u2066 \x00\x08"
    )
    turns = [
        make_turn(
            0,
            user_input=nasty,
            agent_response=nasty,
            translated_user_input=nasty + "!",
            intents=[nasty],
            entities=[{nasty: nasty}],
            user_input_dtmf="1\x1b2",
        ),
    ]
    app = TranscriptApp(make_conversation(turns))
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TranscriptView)
        view.set_notes([note(1, nasty, "bad response")])
        await pilot.pause()
        text = screen_text(view)
        assert "[bold]x[/] [@click=app.quit]hi[/] a [/] b" in text
        assert "\u241b[2J" in text  # ESC shown as a control picture, not executed
        assert not UNSAFE.search(text.replace("\n", ""))
        assert not UNSAFE.search(view.turn_plain_text(0).replace("\n", ""))
        for y in range(view.scrollable_content_region.height):
            for segment in view.render_line(y):
                assert not (segment.style and segment.style.meta.get("@click"))
        await pilot.click(TranscriptView, offset=(20, 1))
        await pilot.pause()
        assert app.is_running


async def test_empty_states_and_null_turns():
    app = TranscriptApp(None)
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TranscriptView)
        await pilot.pause()
        assert NO_CONVERSATION in view.render_line(0).text
        assert view.turn_count == 0 and view.search("x") == 0
        view.move_cursor(1)
        view.page(1)
        assert not view.next_flagged()
        view.set_conversation(make_conversation([]))
        await pilot.pause()
        assert NO_TRANSCRIPT in screen_text(view)
        view.set_conversation(make_conversation([None, make_turn(0), None, make_turn(1)]), cursor=5)
        await pilot.pause()
        assert view.turn_count == 2 and view.cursor == 1
        assert header_row(view, 2) is not None and "#3" not in screen_text(view)


async def test_scrolling_up_through_estimated_turns_does_not_jump():
    app = TranscriptApp(many(3000, words=30))
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TranscriptView)
        await pilot.pause()
        view.scroll_to(y=view.virtual_size.height // 2, animate=False)
        await pilot.pause()
        for _ in range(40):
            before = lines(view)
            view.scroll_to(y=view.scroll_y - 1, animate=False)
            await pilot.pause()
            assert lines(view)[1:] == before[:-1]
        for _ in range(10):
            before = lines(view)
            view.scroll_to(y=view.scroll_y + 3, animate=False)
            await pilot.pause()
            assert lines(view)[:-3] == before[3:]


async def test_click_selects_turn():
    app = TranscriptApp(many(10))
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TranscriptView)
        await pilot.pause()
        row = header_row(view, 3)
        await pilot.click(TranscriptView, offset=(10, row + 1))
        await pilot.pause()
        assert view.cursor == 2


async def test_huge_turn_and_ten_thousand_intents():
    huge = " ".join(WORDS[k % len(WORDS)] for k in range(16000))[:100_000]
    intents = [f"intent_{k}" for k in range(10_000)]
    turns = [make_turn(0), make_turn(1, user_input=huge), make_turn(2, intents=intents)]
    turns.append(make_turn(3))
    app = TranscriptApp(make_conversation(turns))
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TranscriptView)
        await pilot.pause()
        view.move_cursor(1)
        await pilot.pause()
        assert header_row(view, 2) == 0
        width = view.scrollable_content_region.width
        # Paging stays inside the turn taller than the screen instead of skipping it.
        view.page(1)
        await pilot.pause()
        assert view.cursor == 1 and view.scroll_y > 0
        assert all(view.render_line(y).cell_length <= width for y in range(30))
        # j inside a turn taller than the screen scrolls it a row, as in less.
        before = round(view.scroll_y)
        view.move_cursor(1)
        await pilot.pause()
        assert view.cursor == 1 and round(view.scroll_y) == before + 1
        view.move_cursor(-1)
        await pilot.pause()
        assert view.cursor == 1 and round(view.scroll_y) == before
        view.cursor = 2
        await pilot.pause()
        assert header_row(view, 3) == 0 and "intent_0, intent_1" in screen_text(view)
        assert view.search("intent_9999") == 1 and view.cursor == 2
        view.cursor_last()
        await pilot.pause()
        assert header_row(view, 4) is not None
        assert view.virtual_size.height > 2000


async def test_latency_colours_follow_thresholds():
    turns = [make_turn(0, latency=0.4), make_turn(1, latency=2.0), make_turn(2, latency=3.5)]
    app = TranscriptApp(make_conversation(turns))
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TranscriptView)
        await pilot.pause()
        expected = [f"transcript--latency-{kind}" for kind in ("good", "warn", "bad")]
        colours = set()
        for number, component in enumerate(expected, 1):
            strip = view.render_line(header_row(view, number))
            segment = next(seg for seg in strip if seg.text.endswith(" s"))
            assert segment.style.color == view.get_component_rich_style(component).color
            colours.add(segment.style.color)
        assert len(colours) == 3
        assert " SLOW " in lines(view)[header_row(view, 3)]


@pytest.mark.parametrize("count", [5000])
async def test_large_conversation_opens_lazily(count):
    timings = {}
    for n in (50, count):
        conversation = many(n)
        app = TranscriptApp(None)
        async with app.run_test(size=SIZE) as pilot:
            view = app.query_one(TranscriptView)
            await pilot.pause()
            start = time.perf_counter()
            view.set_conversation(conversation)
            view.refresh()
            await pilot.pause()
            assert header_row(view, 1) == 0
            timings[n] = time.perf_counter() - start
            assert view.wrapped_turn_count < 200
            if n == count:
                view.cursor_last()
                await pilot.pause()
                assert header_row(view, count) is not None
                view.move_cursor(-count // 2)
                await pilot.pause()
                assert header_row(view, count // 2 + 1) is not None
                assert view.wrapped_turn_count < 200
                start = time.perf_counter()
                found = view.search("caller 4321 says")
                timings["search"] = time.perf_counter() - start
                assert found == 1 and view.cursor == 4321
    print(
        f"\ntranscript first paint: 50 turns {timings[50] * 1000:.1f} ms, "
        f"{count} turns {timings[count] * 1000:.1f} ms; first search over {count} turns "
        f"{timings['search'] * 1000:.1f} ms"
    )


async def test_external_cursor_binding_and_theme_change():
    app = TranscriptApp(many(40))
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TranscriptView)
        await pilot.pause()
        view.cursor = 25  # what a screen's data_bind does
        view.cursor = 999  # clamped to the last turn
        await pilot.pause()
        assert view.cursor == 39 and app.moves[-2:] == [25, 39]
        assert header_row(view, 40) is not None
        before = list(view.render_line(header_row(view, 40)))[0].style
        app.theme = "textual-light" if app.theme != "textual-light" else "textual-dark"
        await pilot.pause()
        after = list(view.render_line(header_row(view, 40)))[0].style
        assert before.bgcolor != after.bgcolor  # strips were re-rendered with the new theme


async def test_an_empty_caller_side_is_silence_only_when_flagged():
    turns = [
        make_turn(0, user_input=""),  # the agent's greeting: nothing from the caller yet
        make_turn(1, user_input=None, is_silence=True),
    ]
    app = TranscriptApp(make_conversation(turns))
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TranscriptView)
        await pilot.pause()
        greeting = lines(view)[header_row(view, 1) + 1]
        assert "(no input)" in greeting and "(silence)" not in greeting
        assert "(silence)" in lines(view)[header_row(view, 2) + 1]
        assert "caller: (no input)" in view.turn_plain_text(0)
        assert "caller: (silence)" in view.turn_plain_text(1)


async def test_a_long_call_keeps_the_cursor_turn_in_place_when_estimates_are_refined():
    """A long call's first frame estimates only the turns near the cursor (the others take
    their mean); the full estimates come just after it, and the cursor turn keeps its row."""
    # Long turns first, short ones near the cursor: the mean of those near the cursor
    # underestimates the call by far.
    conversation = make_conversation([make_turn(i, 60 if i < 1000 else 8) for i in range(3000)])
    app = TranscriptApp(None)
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TranscriptView)
        await pilot.pause()
        view.set_conversation(conversation, cursor=2500)
        view.refresh()
        await pilot.pause()
        row = header_row(view, 2501)
        assert row is not None
        await pilot.pause()
        await pilot.pause()
        assert header_row(view, 2501) == row
        model = TranscriptModel(conversation)
        width = view.scrollable_content_region.width
        rough = sum(model.estimate_heights(width, True, {}, near=2500))
        full = sum(model.estimate_heights(width, True, {}))
        assert rough < full - 1000
        total = view.virtual_size.height  # the refined estimates are in place
        assert abs(total - full) < abs(total - rough)
        view.cursor_first()
        await pilot.pause()
        assert header_row(view, 1) == 0
        view.cursor_last()
        await pilot.pause()
        assert header_row(view, 3000) is not None
