"""Issue 5, hostile text: any string in any text field of the API renders in the app and in
every export without an exception, without being read as markup, and without a control
character reaching the terminal.

What "reaching the terminal" means per output:
- the app, text, markdown and csv: what is written is shown on a terminal as is (``polytui show``
  prints it), so no C0/C1 control, ESC, DEL, bidi control or lone surrogate may be in it; they are
  shown as visible symbols (ESC as U+241B). CSV's own CR LF row ends are the one exception.
- html: read in a browser, where a control character is inert but markup is not: API text must
  be escaped (no element, attribute or link from the API), and is cleaned as the others are.
- json: data, not terminal output. The values must round-trip exactly (the reviewer's tools get
  the string the API sent), so nothing is replaced; the unsafe characters are written as
  ``\\uXXXX`` escapes, which JSON readers turn back into the same string and terminals show as
  six harmless characters.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from markdown_it import MarkdownIt
from rich.segment import Segment
from textual.app import App, ComposeResult
from textual.strip import Strip

from polytui.core.facts import DEFAULT_BANDS
from polytui.core.models import Conversation
from polytui.core.text import clean, clean_line
from polytui.export import FORMATS, NOTES_KEY, render
from polytui.tui.widgets.call_header import CallHeader
from polytui.tui.widgets.json_tree import JsonTree
from polytui.tui.widgets.transcript import TranscriptView
from polytui.tui.widgets.transcript_model import TranscriptModel
from polytui.tui.widgets.transcript_render import Palette, RenderOptions, render_turn

from .hostile import NAMED, UNSAFE, conversations, payload_from, squash

EXAMPLES_EXPORT = 2000
EXAMPLES_TRANSCRIPT = 2000
EXAMPLES_SCREEN = 120
DANGEROUS_TAGS = {
    "script",
    "img",
    "iframe",
    "object",
    "embed",
    "svg",
    "math",
    "form",
    "input",
    "link",
    "base",
    "meta",
    "style",
    "audio",
    "video",
    "source",
    "button",
}


# -- checks ---------------------------------------------------------------------------------------


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _template_tags() -> set[str]:
    """The element names the HTML export uses for a plain call (the head's style included)."""
    page = _Page()
    page.feed(
        render(
            Conversation.from_data(
                {
                    "conversationId": "CA1",
                    "accountId": "a",
                    "projectId": "p",
                    "turns": [{"user_input": "x"}],
                }
            ),
            "html",
        )
    )
    return {tag for tag, _ in page.tags}


TEMPLATE_TAGS = _template_tags()


def check_terminal_safe(out: str, where: str) -> None:
    found = UNSAFE.search(out)
    assert found is None, f"{where}: {found.group()!r} at {found.start()}"


def check_html(out: str, payload: dict) -> None:
    check_terminal_safe(out, "html")
    page = _Page()
    page.feed(out)
    page.close()
    for tag, attrs in page.tags:
        # Tags the template itself uses in <head> are fine there; the API adds none.
        assert tag not in DANGEROUS_TAGS or tag in TEMPLATE_TAGS, tag
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            if name in ("href", "src", "action", "formaction"):
                assert value and (value.startswith("#") or value == payload.get("audioUrl")), value
                assert value.startswith(("#", "http://", "https://")), value
    shown = squash("".join(page.text))
    for turn in payload["turns"]:
        assert squash(clean(turn["user_input"])) in shown


def check_markdown(out: str, payload: dict) -> None:
    check_terminal_safe(out, "markdown")
    tokens = MarkdownIt("commonmark").parse(out)
    stack = list(tokens)
    while stack:
        token = stack.pop()
        stack.extend(token.children or ())
        assert token.type not in ("html_inline", "html_block", "image"), token
        if token.type == "link_open":
            href = token.attrs.get("href")
            assert href == payload.get("audioUrl") and str(href).startswith("http"), href


def check_csv(out: str, payload: dict) -> None:
    check_terminal_safe(out.replace("\r\n", "\n"), "csv")
    rows = list(csv.reader(io.StringIO(out, newline="")))
    assert len(rows) == 1 + len(payload["turns"])


def check_json(out: str, payload: dict) -> None:
    check_terminal_safe(out.replace("\n", ""), "json")
    data = json.loads(out)
    data.pop(NOTES_KEY, None)
    assert data == payload, "json must give back exactly what the API sent"


def check_exports(payload: dict) -> None:
    conversation = Conversation.from_data(payload)
    for fmt in FORMATS:
        out = render(conversation, fmt)
        out.encode("utf-8")  # writing it can never fail
        if fmt == "json":
            check_json(out, payload)
        elif fmt == "html":
            check_html(out, payload)
        elif fmt == "markdown":
            check_markdown(out, payload)
        elif fmt == "csv":
            check_csv(out, payload)
        else:
            check_terminal_safe(out, fmt)
            assert squash(clean(payload["turns"][0]["user_input"])) in squash(out)


def check_strips(strips: list[Strip], width: int | None = None) -> str:
    """No unsafe character, no click action and no link in any segment; returns the text."""
    texts = []
    for strip in strips:
        if width is not None:
            assert strip.cell_length == width
        for segment in strip:
            assert isinstance(segment, Segment)
            check_terminal_safe(segment.text, "screen")
            style = segment.style
            if style is not None:
                assert not style.link, style.link
                assert not (style.meta or {}).get("@click"), style.meta
        texts.append(strip.text)
    return "\n".join(texts)


# -- property tests ---------------------------------------------------------------------------------


@settings(max_examples=EXAMPLES_EXPORT, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(conversations())
def test_any_text_in_any_field_exports_safely_in_every_format(payload):
    check_exports(payload)


class _Host(App[None]):
    """The widgets that show API text, side by side as the conversation screen has them."""

    CSS = "TranscriptView { height: 30; } JsonTree { height: 10; }"

    def compose(self) -> ComposeResult:
        yield CallHeader()
        yield TranscriptView()
        yield JsonTree("metrics", id="metrics")
        yield JsonTree("function events", id="functions")


async def test_any_text_renders_in_the_transcript_rows_literally_and_inert():
    app = _Host()
    async with app.run_test(size=(100, 60)):
        view = app.query_one(TranscriptView)
        palette = Palette(view)

        @settings(
            max_examples=EXAMPLES_TRANSCRIPT,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        )
        @given(conversations())
        def check(payload):
            conversation = Conversation.from_data(payload)
            model = TranscriptModel(conversation)
            for width in (100, 23):
                options = RenderOptions(width, palette, "", True, DEFAULT_BANDS)
                for entry in model.entries:
                    for cursor in (True, False):
                        strips = render_turn(
                            entry, conversation, [], cursor=cursor, options=options
                        )
                        shown = squash(check_strips(strips, width))
                    for key in ("user", "agent", "tr_user", "tr_agent"):
                        assert squash(entry.text[key]) in shown, key

        check()


async def test_any_text_renders_on_screen_in_header_transcript_and_panels():
    """Whole widgets in a running app: Hypothesis runs in a thread and hands each example to
    the app's event loop, which lays it out and paints it like any other update."""
    app = _Host()
    async with app.run_test(size=(100, 60)) as pilot:
        loop = asyncio.get_running_loop()

        async def show(conversation: Conversation) -> list[Strip]:
            app.query_one(CallHeader).set_conversation(conversation)
            app.query_one(TranscriptView).set_conversation(conversation)
            app.query_one("#metrics", JsonTree).set_data(conversation.metrics)
            app.query_one("#functions", JsonTree).set_data(conversation.function_events)
            await pilot.pause()
            return list(app.screen._compositor.render_strips())

        @settings(
            max_examples=EXAMPLES_SCREEN,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        )
        @given(conversations())
        def check(payload):
            conversation = Conversation.from_data(payload)
            strips = asyncio.run_coroutine_threadsafe(show(conversation), loop).result(60)
            screen = squash(check_strips(strips))
            channel = squash(clean_line(payload["channel"]))[:20]
            assert channel in screen

        await asyncio.to_thread(check)
        assert app.is_running


# -- the named cases, one by one ---------------------------------------------------------------------


def _named_payload(value: str) -> dict:
    """Every text field holds ``value`` or ``value`` plus a suffix (so translations show)."""
    return payload_from([value, value + " (en)"], two_turns=True)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("value", NAMED.values(), ids=NAMED.keys())
def test_named_case_in_every_export(value, fmt):
    payload = _named_payload(value)
    out = render(Conversation.from_data(payload), fmt)
    {"json": check_json, "html": check_html, "markdown": check_markdown, "csv": check_csv}.get(
        fmt, lambda o, p: check_terminal_safe(o, "text")
    )(out, payload)
    if fmt != "json":
        if fmt == "text":  # verbatim there; markdown and html escape their syntax
            assert squash(clean(value)) in squash(out)
        if fmt == "csv":
            rows = list(csv.DictReader(io.StringIO(out, newline="")))
            assert all(row["user_input"].startswith(clean(value).strip()) for row in rows)
        if "\x1b" in value:
            assert "\u241b" in out, "ESC is shown as a visible symbol, not dropped"


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_100000_character_turn_and_10000_intents_export_whole(fmt):
    unbroken = "7" * 100_000
    intents = [f"intent_{i}" for i in range(10_000)]
    payload = {
        "conversationId": "CA-huge",
        "accountId": "A",
        "projectId": "P",
        "turns": [
            {"user_input": unbroken, "agent_response": "ok", "intents": intents},
            {"user_input": "after", "agent_response": "the end"},
        ],
    }
    out = render(Conversation.from_data(payload), fmt)
    check_terminal_safe(out.replace("\r\n", "\n"), fmt)
    assert squash(out).count(unbroken) == 1
    assert out.replace("\\_", "_").count("intent_9999") == 1 and "the end" in out
    if fmt == "json":
        check_json(out, payload)


def test_every_control_and_format_code_point_is_made_visible_or_replaced():
    """Exhaustive over this Python's Unicode database (found by Hypothesis: U+1D173, a
    musical format character, used to pass through)."""
    import unicodedata

    kept = {"\n", "\u200c", "\u200d"}  # newline; the joiners scripts and emoji need
    survivors = [
        f"U+{code:04X}"
        for code in range(0x110000)
        if unicodedata.category(chr(code)) in ("Cc", "Cf", "Cs", "Zl", "Zp")
        and chr(code) not in kept
        and chr(code) in clean(f"a{chr(code)}b")
    ]
    assert survivors == []
