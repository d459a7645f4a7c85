"""Issue 5, hostile text in the real app: each named case served by the loopback API and opened
in PolyTUI, 100,000-character turns and 10,000 intents, and conversation IDs that try to leave
the URL path (typed in the start screen)."""

from __future__ import annotations

import re

import pytest
from textual.widgets import Input, Static

from polytui.core.config import Settings
from polytui.core.text import clean, clean_line
from polytui.demo.samples import DEMO_ACCOUNT, DEMO_AGENT
from polytui.loader import Loader
from polytui.tui.app import PolyTUI
from polytui.tui.screens.conversation import ConversationScreen
from polytui.tui.screens.start import StartScreen
from polytui.tui.widgets.transcript import TranscriptView

from .helpers import SECRET_KEY
from .hostile import NAMED, UNSAFE, payload_from, squash
from .notices import said
from .test_app import settle

SIZE = (120, 40)


def _app(server, tmp_path, **kwargs) -> PolyTUI:
    settings = Settings(
        api_key=SECRET_KEY,
        agent=DEMO_AGENT,
        account=DEMO_ACCOUNT,
        base_url_override=server.url,
        data_path=tmp_path / "store",
    )
    app: PolyTUI | None = None

    def tell(message: str) -> None:
        assert app is not None
        app._announce(message)

    app = PolyTUI(settings, loader=Loader(settings, announce=tell, warn=tell), **kwargs)
    return app


async def _settle(app, pilot) -> None:
    await settle(app, pilot)


def _screen_lines(app) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


def _check_screen_inert(app) -> None:
    for strip in app.screen._compositor.render_strips():
        for segment in strip:
            found = UNSAFE.search(segment.text)
            assert found is None, repr(segment.text)
            style = segment.style
            if style is not None:
                assert not style.link and not (style.meta or {}).get("@click"), style
    svg = app.export_screenshot()
    found = UNSAFE.search(svg)
    assert found is None, repr(found.group())
    for notice in said(app):
        assert not UNSAFE.search(str(notice.message)), notice.message


def _transcript_text(view: TranscriptView) -> str:
    return "\n".join(view.render_line(y).text for y in range(view.scrollable_content_region.height))


@pytest.mark.parametrize("value", NAMED.values(), ids=NAMED.keys())
async def test_named_case_in_the_app_is_shown_as_data(value, server, tmp_path):
    call = payload_from([value, value + " (en)"], two_turns=True)
    call["conversationId"] = "CA-named"
    server.add(call)
    app = _app(server, tmp_path, initial_id="CA-named")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await _settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ConversationScreen) and screen.loaded is not None
        view = screen.transcript
        _check_screen_inert(app)
        assert squash(clean(value))[:30] in squash(_transcript_text(view))
        # Click wherever the text is on screen: no action, no link, the app carries on.
        needle = clean_line(value).strip()[:8]
        spots = [
            (match.start() + 1, y)
            for y, line in enumerate(_screen_lines(app))
            for match in re.finditer(re.escape(needle), line)
        ]
        assert spots
        for x, y in spots[:3]:
            await pilot.click(offset=(x, y))
        assert app.is_running and app.return_code is None
        # Keys work over the hostile call, and nothing they show lets it out either.
        view.focus()
        await pilot.press("j", "t", "y")
        await pilot.pause()
        _check_screen_inert(app)
        await pilot.press("q")
    assert app.return_code == 0


async def test_huge_turns_and_ten_thousand_intents_open_and_respond(server, tmp_path):
    unbroken = "9" * 100_000  # one 100,000-character word: must be folded, not overflow
    words = " ".join(f"word{i}" for i in range(20_000))[:100_000]
    call = {
        "conversationId": "CA-huge",
        "accountId": "A",
        "projectId": DEMO_AGENT,
        "note": words,
        "turns": [
            {"user_input": "first turn", "agent_response": "hello"},
            {"user_input": unbroken, "agent_response": words},
            {"user_input": "many intents", "intents": [f"intent_{i}" for i in range(10_000)]},
            {"user_input": "last turn", "agent_response": "bye"},
        ],
        "metrics": {f"m{i}": words[:200] for i in range(2_000)},
    }
    server.add(call)
    app = _app(server, tmp_path, initial_id="CA-huge")
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ConversationScreen) and screen.loaded is not None
        view = screen.transcript
        assert view.turn_count == 4
        width = view.scrollable_content_region.width
        await pilot.press("j")  # onto the 100,000-character turn
        await pilot.pause()
        assert view.cursor == 1
        assert all(view.render_line(y).cell_length == width for y in range(20))
        await pilot.press("pagedown", "pagedown")  # paging stays inside the tall turn
        assert view.cursor == 1 and view.scroll_y > 0
        await pilot.press("G")
        await pilot.pause()
        assert view.cursor == 3 and "last turn" in _transcript_text(view)
        await pilot.press("slash")
        screen.query_one("#search-input", Input).value = "intent_9999"
        await pilot.press("enter")
        await pilot.pause()
        assert view.match_count == 1 and view.cursor == 2
        _check_screen_inert(app)
        await pilot.press("escape", "g")
        assert view.cursor == 0
        await pilot.press("q")
    assert app.return_code == 0


ODD_IDS = [
    ("a/b", True),
    ("../../v1/agents/other", True),
    ("x?admin=1", True),
    ("x#frag", True),
    ("two words", True),
    ("%2e%2e%2f", True),
    ("..", False),
    ("x" * 10_000, False),
    ("CA\x1b[2J", False),
]


@pytest.mark.parametrize(("cid", "accepted"), ODD_IDS, ids=[i[:20] for i, _ in ODD_IDS])
async def test_odd_ids_typed_in_the_app_stay_in_their_path_segment(cid, accepted, server, tmp_path):
    from polytui.demo.server import parse_path

    app = _app(server, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.screen.query_one("#conversation-id", Input).value = cid
        await pilot.press("enter")
        await _settle(app, pilot)
        if accepted:
            assert isinstance(app.screen, ConversationScreen)
            assert "not found" in " ".join(" ".join(_screen_lines(app)).split())
            [request] = server.requests
            assert request.path.count("/") == 5 and "?" not in request.path
            assert parse_path(request.path) == (DEMO_AGENT, cid)
        else:
            assert isinstance(app.screen, StartScreen)
            shown = str(app.screen.query_one("#start-error", Static).render())
            assert shown and "\x1b" not in shown
            assert server.hits == 0
