"""Search results in `polytui cache search` and the app's search screen: highlights from the
hits' spans, best score first, and never a word of FTS5's own error text, whatever is typed."""

from __future__ import annotations

import json

import pytest
from textual.content import Content
from textual.widgets import Input

from polytui.adapters.sqlite import Store
from polytui.demo._scripts import BANK_ID
from polytui.demo.samples import DEMO_AGENT
from polytui.tui.screens.search import CallSearchScreen, highlighted_snippet

from .helpers import run_cli
from .test_app import SIZE, screen_text, settle
from .test_call_browser import fill, offline_app, scripted, start  # noqa: F401 - a fixture
from .test_search_store import call, put

BACKEND_WORDS = ("fts5", "syntax error", "sqlite", "unterminated", "no such column", "parser")
HOSTILE = [
    '"refund',
    "refund)",
    "(",
    "AND",
    "NOT refund",
    "refund OR",
    "foo: refund",
    "caller:",
    "*",
    "re*fund",
    "NEAR(refund",
    "{caller agent}: refund",
    "refund + card",
    "^refund",
    "refund -card",
    "caller : : refund",
    "(" * 40 + "refund",
    "caller:" * 30 + "refund",
    '"' * 7,
    "\x1b[2J\x00 refund",
]


@pytest.fixture
def stored(hermetic_env):
    with Store(hermetic_env["data"] / "polytui.sqlite3") as store:
        put(store, call("CA-1", "A refund for İSTANBUL please", "the refund went to the card"))
        put(store, call("CA-2", "nothing to see", "refund refund refund"))
        store.add_note("PROJECT-1", "CA-2", 1, "caller asked about the Straße refund")
    return hermetic_env


# -- polytui cache search --------------------------------------------------------------------


def test_cache_search_shows_the_spans_and_says_what_is_not_syntax(stored, capsys) -> None:
    code, out, err = run_cli(capsys, "cache", "search", "istanbul")
    assert code == 0 and err == ""
    assert out == (
        "CA-1  2025-03-01 10:00  1 hit\n  turn 1     caller: A refund for **İSTANBUL** please\n"
    )
    code, out, err = run_cli(capsys, "cache", "search", '"refund')
    assert code == 0 and "**refund**" in out
    assert err == (
        'polytui: The quote before “refund” is never closed: end the phrase with another ". '
        "Matching the words as typed.\n"
    )


def test_cache_search_groups_hits_by_call_best_first(stored, capsys) -> None:
    code, out, err = run_cli(capsys, "cache", "search", "refund", "--hits", "1")
    assert code == 0 and err == ""
    assert out.splitlines() == [
        "CA-2  2025-03-01 10:00  2 hits",  # a reviewer's note and a turn
        "  turn 1     note: caller asked about the Straße **refund**",
        "             … 1 more in this call",
        "CA-1  2025-03-01 10:00  2 hits",
        "  turn 1     caller: A **refund** for İSTANBUL please",
        "             … 1 more in this call",
    ]
    code, out, _ = run_cli(capsys, "cache", "search", "refund", "-n", "1")
    assert out.startswith("CA-2 ") and "CA-1" not in out


def test_cache_search_json_gives_calls_with_plain_snippets_spans_and_scores(stored, capsys) -> None:
    code, out, err = run_cli(capsys, "cache", "search", "refund", "--json")
    assert code == 0 and err == ""
    calls = json.loads(out)
    assert [c["conversationId"] for c in calls] == ["CA-2", "CA-1"]
    assert [c["count"] for c in calls] == [2, 2]
    scores = [c["score"] for c in calls]
    assert scores == sorted(scores, reverse=True)
    hits = [hit for c in calls for hit in c["hits"]]
    assert hits and all("rank" not in hit for hit in hits)
    for hit in hits:
        words = [hit["snippet"][start:end] for start, end in hit["highlights"]]
        assert words and all(word.lower() == "refund" for word in words), hit
    assert {hit["field"] for hit in hits} == {"caller", "note"}


@pytest.mark.parametrize("query", HOSTILE)
def test_no_backend_error_text_reaches_cache_search(stored, capsys, query) -> None:
    for extra in ((), ("--json",)):
        code, out, err = run_cli(capsys, "cache", "search", query, *extra)
        assert code in (0, 3), (query, err)
        assert not any(word in err.lower() for word in BACKEND_WORDS), err
        assert err == "" or err.startswith("polytui: ")
        if extra:
            assert isinstance(json.loads(out), list)


# -- the app's search screen -------------------------------------------------------------------


def test_the_snippet_is_highlighted_at_its_spans_and_never_read_as_markup() -> None:
    snippet = "[bold]x[/bold] İSTANBUL and straße"
    content = highlighted_snippet(snippet, ((15, 23), (28, 34)))
    assert content.plain == snippet  # markup is text
    styled = [content.plain[span.start : span.end] for span in content.spans]
    assert styled == ["İSTANBUL", "straße"]
    # Spans a backend got wrong are left out, never raise or cut the text.
    for spans in (((5, 2),), ((0, 99),), ((4, 8), (6, 9)), ((-1, 3),)):
        shown = highlighted_snippet(snippet, spans)
        assert isinstance(shown, Content) and shown.plain == snippet


async def test_the_search_screen_never_shows_backend_error_text(tmp_path, scripted):  # noqa: F811
    app = offline_app(tmp_path)
    fill(app.settings.db_path, scripted)
    with Store(app.settings.db_path) as store:
        store.add_note(DEMO_AGENT, BANK_ID, 3, "asked about İSTANBUL transfers")
    async with app.run_test(size=SIZE) as pilot:
        await start(app, pilot)
        await pilot.press("ctrl+f")
        screen = app.screen
        assert isinstance(screen, CallSearchScreen)
        box = screen.query_one("#call-search", Input)
        for query in [*HOSTILE, "istanbul"]:
            box.value = query
            box.focus()
            await pilot.press("enter")
            await settle(app, pilot)
            status = str(screen.query_one("#search-status").render())
            text = " ".join(screen_text(app).split()) + status
            assert not any(word in text.lower() for word in BACKEND_WORDS), (query, status)
            assert app.screen is screen and app.is_running
            if query == '"refund':
                assert "is never closed" in status and "Matching the words as typed." in status
        [hit] = screen.hits  # istanbul: the note
        assert hit.field == "note" and hit.turn == 3
        assert [hit.snippet[a:b] for a, b in hit.highlights] == ["İSTANBUL"]
        assert "asked about İSTANBUL transfers" in screen_text(app)


@pytest.mark.parametrize("size", [(80, 24), (50, 15), (120, 40)])
async def test_a_long_hit_wraps_under_its_own_start(tmp_path, scripted, size):  # noqa: F811
    """A hit or a summary longer than the list is wide goes on under its own start (indented),
    never from the list's left edge, where it would read as the next call."""
    app = offline_app(tmp_path)
    fill(app.settings.db_path, scripted)
    async with app.run_test(size=size) as pilot:
        await start(app, pilot)
        await pilot.press("ctrl+f", *"refund", "enter")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, CallSearchScreen) and screen.entries
        hits = screen.query_one("#search-hits")
        for width in (size[0], size[0] + 17):  # a resize wraps them again for the new width
            if width != size[0]:
                await pilot.resize_terminal(width, size[1])
                await settle(app, pilot)
            rows = [hits.render_line(y).text.rstrip() for y in range(hits.size.height)]
            rows = [row.strip() and row for row in rows if row.strip()]
            assert any(row.startswith(("▸", "▾")) for row in rows), rows
            for row in rows:  # every line but a call's own first line starts indented
                if not row.startswith(("▸", "▾")):
                    assert row.startswith("  "), (row, rows)
