"""CallHeader and JsonTree, driven through Textual's pilot in a tiny app."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.color import Color

from polytui.core.models import Conversation
from polytui.tui.widgets.call_header import CallHeader, render_sparkline, score_class
from polytui.tui.widgets.json_tree import CHUNK, FILTER_SHOW_LIMIT, MAX_AUTO_DEPTH, JsonTree

ESC = "\x1b"
NOTE = "offline copy, fetched 2026-11-25 14:03 UTC (3 h ago)"


def full_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "conversationId": "CA0123456789abcdef0123456789abcdef",
        "accountId": "acc-1",
        "projectId": "PROJECT-1",
        # An offset other than UTC: the header must still say 14:03:05 UTC.
        "startedAt": "2026-11-25T09:03:05-05:00",
        "finishedAt": "2026-11-25T14:06:10Z",
        "channel": "VOICE",
        "direction": "INBOUND",
        "fromNumber": "+441234567890",
        "toNumber": "+442071234567",
        "language": "en-GB",
        "variantId": "variant-a",
        "clientEnv": "live",
        "totalDuration": 185,
        "polyaiDuration": 170.4,
        "duration": 184,
        "inProgress": True,
        "handoff": True,
        "handoffDestination": "Sales desk",
        "handoffReason": "caller asked for a human",
        "tags": ["billing", "vip"],
        "polyScore": 4,
        "shortSummary": json.dumps(
            {"heading": "Refund query", "content": "Caller wants a refund."}
        ),
        "note": "Escalated by QA",
        "audioUrl": "https://audio.example.test/call.wav",
        "turns": [{"latency": v} for v in (0.8, 1.2, 2.5, 3.4, None, 0.9, 4.1, 1.1)],
    }
    data.update(overrides)
    return data


MINIMAL = {"conversationId": "chat-42", "accountId": "acc-1", "projectId": "PROJECT-1"}


class HeaderApp(App[None]):
    def compose(self) -> ComposeResult:
        yield CallHeader(id="header")


class TreeApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.copied: list[str] = []

    def compose(self) -> ComposeResult:
        yield JsonTree("Metrics", id="tree")

    def on_json_tree_copy_requested(self, message: JsonTree.CopyRequested) -> None:
        self.copied.append(message.text)


def screen_lines(app: App[Any]) -> list[str]:
    """The characters on the screen, line by line, as the terminal would show them."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def screen_text(app: App[Any]) -> str:
    return "\n".join(line.rstrip() for line in screen_lines(app))


def header_text(header: CallHeader) -> str:
    """Every row's text, unwrapped (what the screen shows before wrapping and clamping)."""
    return "\n".join(row.plain for row in header.rows.values())


def shown_rows(header: CallHeader) -> list[str]:
    """The names of the rows on screen, one per line (a wrapped row repeats)."""
    return [name for name, _ in header.row_lines()]


def header_line(app: App[Any], header: CallHeader, row: str) -> int:
    """Screen row of the first line of header row ``row``."""
    return header.region.y + shown_rows(header).index(row)


def count_nodes(tree: JsonTree) -> int:
    total, stack = 0, [tree.root]
    while stack:
        node = stack.pop()
        total += 1
        stack.extend(node.children)
    return total


async def show(
    app: HeaderApp, pilot: Any, data: dict[str, Any] | None, **kwargs: Any
) -> CallHeader:
    header = app.query_one(CallHeader)
    header.set_conversation(Conversation.from_data(data) if data else None, **kwargs)
    await pilot.pause()
    return header


# -- CallHeader ----------------------------------------------------------------------------------


async def test_header_shows_every_field_of_a_full_conversation(monkeypatch):
    monkeypatch.setenv("TZ", "America/Los_Angeles")
    time.tzset()
    try:
        app = HeaderApp()
        async with app.run_test(size=(120, 40)) as pilot:
            header = await show(app, pilot, full_data(), source_note=NOTE)
            text = header_text(header)
            for expected in (
                NOTE,
                "IN PROGRESS",
                "PolyScore 4",
                "CA0123456789abcdef0123456789abcdef",
                "VOICE",
                "INBOUND",
                "+441234567890 → +442071234567",
                "lang en-GB",
                "variant variant-a",
                "env live",
                "start 2026-11-25 14:03:05 UTC",
                "end 14:06:10 UTC",
                "total 3m 05s",
                "PolyAI 2m 50s",
                "duration 3m 04s",
                "handoff → Sales desk (reason: caller asked for a human)",
                "tags billing, vip",
                "Refund query: Caller wants a refund.",
                "API note Escalated by QA",
                "audio https://audio.example.test/call.wav",
                "p50 1.20 s",
                "p95 4.10 s",
                "max 4.10 s",
                "(8 turns)",
            ):
                assert expected in text, expected
            assert "None" not in text
            on_screen = screen_text(app)
            for expected in (NOTE, "IN PROGRESS", "start 2026-11-25 14:03:05 UTC", "p95 4.10 s"):
                assert expected in on_screen
            # One bar per turn, the turn without a latency as a dot, the slowest turn full height.
            latency_line = screen_lines(app)[header_line(app, header, "latency")]
            assert latency_line.split("(8 turns)")[1].strip() == "▂▃▅▇·▃█▃"
            assert 4 <= header.size.height <= 8
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


async def test_header_hides_what_the_api_left_out():
    app = HeaderApp()
    async with app.run_test(size=(120, 30)) as pilot:
        header = await show(app, pilot, MINIMAL)
        text = screen_text(app)
        assert "chat-42" in text
        for absent in (
            "None",
            "PolyScore",
            "IN PROGRESS",
            "handoff",
            "latency",
            "tags",
            "start",
            "audio",
            "API note",
            "offline",
        ):
            assert absent not in text, absent
        rows = header.rows
        for row in ("source", "live", "score", "times", "summary", "extra", "latency"):
            assert not rows[row], row
        assert shown_rows(header) == ["ident"]
        assert header.size.height == 1


async def test_header_without_conversation_and_replacing_one():
    app = HeaderApp()
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.pause()
        assert "No conversation loaded." in screen_text(app)
        await show(app, pilot, full_data(), source_note=NOTE)
        assert NOTE in screen_text(app)
        # A fresh copy without a note: the old note and the old call's fields go away.
        await show(app, pilot, MINIMAL)
        text = screen_text(app)
        assert NOTE not in text and "Sales desk" not in text and "chat-42" in text


async def test_source_note_is_prominent_in_warning_colour():
    app = HeaderApp()
    async with app.run_test(size=(120, 30)) as pilot:
        header = await show(app, pilot, full_data(), source_note=NOTE)
        y = header_line(app, header, "source")
        assert y == header.region.y  # the first row
        warning = Color.parse(app.get_css_variables()["warning"])
        strip = app.screen._compositor.render_strips()[y]
        note = [segment for segment in strip if segment.text.strip()]
        assert "".join(segment.text for segment in note).strip() == NOTE
        for segment in note:
            assert segment.style.color.triplet == warning.rich_color.triplet
            assert segment.style.bold
        assert screen_lines(app)[y].strip() == NOTE


@pytest.mark.parametrize(
    ("score", "cls", "variable"),
    [
        (5, "-good", "success"),
        (4, "-warn", "warning"),
        (3, "-warn", "warning"),
        (2, "-bad", "error"),
        (1, "-bad", "error"),
    ],
)
async def test_polyscore_badge_colours(score, cls, variable):
    app = HeaderApp()
    async with app.run_test(size=(120, 30)) as pilot:
        header = await show(app, pilot, full_data(polyScore=score))
        assert score_class(score) == cls
        expected = Color.parse(app.get_css_variables()[variable])
        y = header_line(app, header, "ident")
        strip = app.screen._compositor.render_strips()[y]
        text = "".join(segment.text for segment in strip)
        start = text.index(f"PolyScore {score}") - 1  # the badge: a coloured cell either side
        cells = range(start, start + len(f" PolyScore {score} "))
        column = 0
        for segment in strip:
            for _ in segment.text:
                if column in cells:
                    assert segment.style.bgcolor.triplet == expected.rich_color.triplet
                column += 1
        assert f"PolyScore {score}" in screen_text(app)


def test_score_class_thresholds():
    assert score_class(5) == "-good"
    assert score_class(4.5) == "-warn"
    assert score_class(2.9) == "-bad"
    assert score_class(None) is None
    assert score_class(float("nan")) is None


async def test_compact_mode_is_one_line_and_back():
    app = HeaderApp()
    async with app.run_test(size=(200, 30)) as pilot:
        header = await show(app, pilot, full_data(), source_note=NOTE)
        full_height = header.size.height
        header.compact = True
        await pilot.pause()
        assert header.size.height == 1
        line = screen_lines(app)[header.region.y]
        for expected in (
            "IN PROGRESS",
            "PolyScore 4",
            "CA0123456789abcdef0123456789abcdef",
            NOTE,
            "VOICE",
        ):
            assert expected in line, expected
        assert shown_rows(header) == ["compact"]
        header.compact = False
        await pilot.pause()
        assert header.size.height == full_height


async def test_header_fits_80x24():
    long_summary = json.dumps({"heading": "Long", "content": "word " * 200})
    app = HeaderApp()
    async with app.run_test(size=(80, 24)) as pilot:
        header = await show(app, pilot, full_data(shortSummary=long_summary), source_note=NOTE)
        assert header.size.height <= 9
        assert shown_rows(header).count("summary") == 1
        assert screen_lines(app)[header_line(app, header, "summary")].rstrip().endswith("…")
        header.compact = True
        await pilot.pause()
        line = screen_lines(app)[header.region.y].rstrip()
        # What does not fit is left out whole, never cut inside a value.
        assert len(line) <= 80 and "…" not in line
        assert "CA0123456789abcdef0123456789abcdef" in line and "3m 05s" in line


async def test_hostile_api_text_is_shown_literally_and_inert():
    hostile = full_data(
        conversationId="CA-evil",
        tags=["[bold]x[/]"],
        note="[@click=app.quit]press me",
        channel="[red]voice[/red]",
        shortSummary=json.dumps({"heading": "a [/] b", "content": f"clear {ESC}[2J done"}),
        handoffReason=f"bell\x07 and {ESC}]52;c;SGVsbG8=\x07",
    )
    app = HeaderApp()
    async with app.run_test(size=(120, 30)) as pilot:
        await show(app, pilot, hostile)
        text = screen_text(app)
        assert "tags [bold]x[/]" in text
        assert "API note [@click=app.quit]press me" in text
        assert "[red]voice[/red]" in text
        assert "a [/] b: clear ␛[2J done" in text
        assert ESC not in text and "\x07" not in text
        svg = app.export_screenshot()
        assert "[bold]x[/]" in svg and "[@click=app.quit]press" in svg
        # Clicking the would-be action does nothing: the app keeps running.
        row, column = next(
            (y, line.index("[@click"))
            for y, line in enumerate(screen_lines(app))
            if "[@click" in line
        )
        await pilot.click(offset=(column + 2, row))
        await pilot.pause()
        assert app.is_running and app.return_code is None


def test_sparkline_colours_by_threshold_and_buckets():
    content = render_sparkline([0.5, None, 2.0, 5.0], 20, 1.5, 3.0)
    # One scale for all bars, topped by the slowest turn (5.0 s here): 0.5 s is low, 2.0 s mid.
    assert content.plain == "▂·▄█"
    assert [span.style for span in content.spans] == ["$success", "dim", "$warning", "bold $error"]
    assert len(render_sparkline([1.0] * 100, 10, 1.5, 3.0).plain) == 10
    # A bucket shows its slowest turn.
    assert render_sparkline([0.1, 6.0, 0.1, 0.1], 2, 1.5, 3.0).plain == "█▁"
    assert render_sparkline([], 10, 1.5, 3.0).plain == ""
    assert render_sparkline([float("nan")], 10, 1.5, 3.0).plain == "·"
    # A run of one colour is one span (fewer to draw on every move to another call).
    run = render_sparkline([0.5, 0.6, 0.7, None, 2.0, 2.1], 20, 1.5, 3.0)
    assert [(s.start, s.end, s.style) for s in run.spans] == [
        (0, 3, "$success"), (3, 4, "dim"), (4, 6, "$warning")
    ]  # fmt: skip


# -- JsonTree ------------------------------------------------------------------------------------

METRICS = {
    "outcome": ["resolved", "transferred"],
    "nested": {"level1": {"level2": "Deep Value"}},
    "score": 4,
    "flag": True,
    "missing": None,
}


async def test_json_tree_builds_lazily_and_pages_big_lists():
    app = TreeApp()
    async with app.run_test(size=(100, 30)) as pilot:
        tree = app.query_one(JsonTree)
        tree.set_data(list(range(10_000)))
        # Root + one batch + the "more" node, not 10,000 nodes.
        assert count_nodes(tree) == 1 + CHUNK + 1
        await pilot.pause()
        assert "Metrics [10,000]" in screen_text(app)
        tree.set_data({"big": list(range(10_000))})
        assert count_nodes(tree) == 2  # collapsed containers have no children yet
        tree.focus()
        await pilot.press("down", "enter")  # Enter opens a node (space pages, as everywhere)
        await pilot.pause()
        assert count_nodes(tree) == 2 + CHUNK + 1
        more = tree.root.children[0].children[-1]
        assert more.data is not None and more.data.kind == "more"
        assert f"{10_000 - CHUNK:,} more" in str(more.label)
        tree.select_node(more)
        await pilot.pause()
        assert count_nodes(tree) == 2 + 2 * CHUNK + 1
        assert tree.cursor_node is not None and tree.cursor_node.data.path == ("big", CHUNK)


async def test_json_tree_labels_expand_and_multi_valued_metrics():
    app = TreeApp()
    async with app.run_test(size=(100, 30)) as pilot:
        tree = app.query_one(JsonTree)
        tree.set_data(METRICS)
        tree.focus()
        await pilot.pause()
        text = screen_text(app)
        for expected in (
            "Metrics {5}",
            'outcome [2]  "resolved", "transferred"',
            "nested {1}",
            "score: 4",
            "flag: true",
            "missing: null",
        ):
            assert expected in text, expected
        await pilot.press("down", "enter")  # open "outcome"
        await pilot.pause()
        text = screen_text(app)
        assert '0: "resolved"' in text and '1: "transferred"' in text
        await pilot.press("down", "down", "down", "enter", "down", "enter")  # nested > level1
        await pilot.pause()
        assert 'level2: "Deep Value"' in screen_text(app)


async def test_selected_value_text_and_copy_requests():
    app = TreeApp()
    async with app.run_test(size=(100, 30)) as pilot:
        tree = app.query_one(JsonTree)
        tree.set_data(METRICS)
        tree.focus()
        await pilot.pause()
        assert json.loads(tree.selected_value_text() or "") == METRICS  # the root
        await pilot.press("down")
        assert json.loads(tree.selected_value_text() or "") == ["resolved", "transferred"]
        await pilot.press("y")
        await pilot.pause()
        assert json.loads(app.copied[-1]) == ["resolved", "transferred"]
        await pilot.press("down", "down")
        assert tree.selected_value_text() == "4"
        await pilot.press("enter")  # enter on a leaf copies it
        await pilot.pause()
        assert app.copied[-1] == "4"
        await pilot.press("down", "down")
        assert tree.selected_value_text() == "null"
        assert len(app.copied) == 2


async def test_empty_values_show_none_root():
    app = TreeApp()
    async with app.run_test(size=(80, 20)) as pilot:
        tree = app.query_one(JsonTree)
        for value in (None, {}, []):
            tree.set_data(value)
            await pilot.pause()
            assert screen_text(app).splitlines()[0].strip() == "Metrics (none)"
            assert count_nodes(tree) == 1
            assert tree.selected_value_text() is None
        tree.set_data("just text")
        await pilot.pause()
        assert 'Metrics: "just text"' in screen_text(app)
        assert tree.selected_value_text() == "just text"


async def test_filter_finds_nested_values_and_keys():
    app = TreeApp()
    async with app.run_test(size=(100, 30)) as pilot:
        tree = app.query_one(JsonTree)
        tree.set_data(METRICS)
        plain_count = count_nodes(tree)
        assert tree.filter("deep value") == 1
        await pilot.pause()
        lines = [line.strip() for line in screen_text(app).splitlines() if line.strip()]
        assert [line.lstrip("├└─│ ") for line in lines] == [
            "▼ Metrics {5}",
            "▼ nested {1}  level1",
            "▼ level1 {1}  level2",
            'level2: "Deep Value"',
        ]
        assert tree.selected_value_text() == "Deep Value"  # the cursor is on the match
        assert tree.filter("LEVEL1") == 1  # a key matches too
        assert tree.filter("r") == 4  # outcome, resolved, transferred, level2's value
        assert tree.filter("no such thing") == 0
        await pilot.pause()
        assert "no matches" in screen_text(app)
        assert count_nodes(tree) == 2  # the root and the notice, none of the data
        assert tree.filter("") == 0
        assert count_nodes(tree) == plain_count


async def test_filter_caps_what_it_shows_and_survives_deep_nesting():
    app = TreeApp()
    async with app.run_test(size=(100, 30)) as pilot:
        tree = app.query_one(JsonTree)
        tree.set_data({"calls": [{"name": f"x{i}"} for i in range(2_000)]})
        assert tree.filter("x") == 2_000
        assert count_nodes(tree) <= 2 + 2 * FILTER_SHOW_LIMIT + 1
        notice = tree.root.children[-1]
        assert notice.data is not None and notice.data.kind == "notice"
        assert f"{2_000 - FILTER_SHOW_LIMIT:,} more matches not shown" in str(notice.label)
        deep: Any = "needle"
        for _ in range(3_000):
            deep = {"k": deep}
        tree.set_data(deep)
        assert tree.filter("needle") == 1
        await pilot.pause()
        assert count_nodes(tree) <= MAX_AUTO_DEPTH + 2
        assert tree.selected_value_text() is not None


async def test_json_tree_hostile_and_long_strings():
    long_value = "y" * 5_000
    app = TreeApp()
    async with app.run_test(size=(120, 20)) as pilot:
        tree = app.query_one(JsonTree)
        tree.set_data({"[bold]k[/]": f"{ESC}[2J[@click=app.quit]", "long": long_value})
        tree.focus()
        await pilot.pause()
        text = screen_text(app)
        assert '[bold]k[/]: "␛[2J[@click=app.quit]"' in text
        assert ESC not in text
        long_label = str(tree.root.children[1].label)
        assert long_label.endswith('…" (5,000 chars)') and len(long_label) < 200
        await pilot.press("down")
        assert tree.selected_value_text() == "␛[2J[@click=app.quit]"
        await pilot.press("down", "y")
        await pilot.pause()
        assert app.copied[-1] == long_value
        assert app.is_running


async def test_set_data_before_mount():
    tree = JsonTree("Functions")
    tree.set_data([{"name": "lookup", "args": {"id": 1}}])
    assert count_nodes(tree) == 2

    class Early(App[None]):
        def compose(self) -> ComposeResult:
            yield tree

    app = Early()
    async with app.run_test(size=(80, 10)) as pilot:
        await pilot.pause()
        assert "Functions [1]" in screen_text(app)
