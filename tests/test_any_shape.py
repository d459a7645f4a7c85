"""The tolerant reader, end to end: a payload with string ``conversationId``, ``accountId`` and
``projectId`` always opens, whatever JSON any other field holds, at any depth.

Each example takes a real sample (spec-shaped or real-shaped, cut to a few turns), picks paths
among *every* path the sample has (a top-level field, a turn's field, inside a turn's
``metadata``, a function event, a metric's history, the summary's keys, a latency object's
keys...) and puts an arbitrary JSON value there (huge integers, NaN and the infinities, markup,
escape sequences, lists and objects of them), sometimes adding an unknown key to some object.
Then everything a reviewer can do with the call must work: open it, export it in every format
(json giving back exactly what was sent), store it and read it back, search the store, and lay
out the app's transcript rows and header.

The number of examples follows the Hypothesis profile (tests/conftest.py): ``ci`` by default,
``HYPOTHESIS_PROFILE=nightly`` for a long run.
"""

from __future__ import annotations

import copy
import json
import math
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.segment import Segment
from textual.app import App, ComposeResult

from polytui.adapters.sqlite import Store
from polytui.core.config import Settings
from polytui.core.errors import EXIT_NOT_FOUND
from polytui.core.facts import DEFAULT_BANDS
from polytui.core.models import Conversation
from polytui.demo import real_shaped_conversations, sample_conversations
from polytui.export import FORMATS, NOTES_KEY, render
from polytui.tui.app import PolyTUI
from polytui.tui.screens.conversation import ConversationScreen
from polytui.tui.widgets.call_header import CallHeader
from polytui.tui.widgets.transcript import TranscriptView
from polytui.tui.widgets.transcript_model import TranscriptModel
from polytui.tui.widgets.transcript_render import Palette, RenderOptions, render_turn

from .helpers import run_cli
from .hostile import NAMED, UNSAFE
from .hostile import text as hostile_text

IDS = ("conversationId", "accountId", "projectId")
SNAKE_IDS = ("conversation_id", "account_id", "project_id")
MAX_TURNS = 6

Path_ = tuple[str | int, ...]


# -- the base payloads and their paths ------------------------------------------------------------


def _small(payload: dict[str, Any]) -> dict[str, Any]:
    small = copy.deepcopy(payload)
    if isinstance(small.get("turns"), list):
        small["turns"] = small["turns"][:MAX_TURNS]
    return small


BASES: list[dict[str, Any]] = [
    _small(p) for p in [*sample_conversations(), *real_shaped_conversations()]
]


def _walk(value: Any, path: Path_ = ()) -> list[tuple[Path_, Any]]:
    """Every (path, value) under ``value``, ``value`` itself first."""
    found = [(path, value)]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _walk(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _walk(item, (*path, index))
    return found


def _replaceable(path: Path_) -> bool:
    return bool(path) and not (len(path) == 1 and path[0] in (*IDS, *SNAKE_IDS))


PATHS = [[p for p, _ in _walk(base) if _replaceable(p)] for base in BASES]
OBJECT_PATHS = [[p for p, v in _walk(base) if isinstance(v, dict)] for base in BASES]
# Keys the payloads use, so generated objects often hold something a reader looks for.
KNOWN_KEYS = sorted(
    {str(p[-1]) for base in BASES for p, _ in _walk(base) if p and isinstance(p[-1], str)}
    | {"perceived_latency", "value", "seconds", "latency", "timestamp", "heading", "content"}
    - {*IDS, *SNAKE_IDS}
)
# The paths the search below exercises a lot: make sure the bases really have them.
assert any(p[:1] == ("turns",) and "metadata" in p for paths in PATHS for p in paths)
assert any(p[:1] == ("functionEvents",) for paths in PATHS for p in paths)
assert any(p[:1] == ("metrics",) and len(p) >= 3 for paths in PATHS for p in paths)
assert any(p[:1] == ("shortSummary",) and len(p) >= 2 for paths in PATHS for p in paths)
assert any(p[:1] == ("turns",) and "latency" in p and len(p) >= 4 for paths in PATHS for p in paths)


# -- arbitrary JSON --------------------------------------------------------------------------------

HOSTILE = [
    *NAMED.values(),
    "[bold]",
    "[/]",
    "\x1b[2J",
    "\x1b",
    "\\x1b[2J",
    "\r\n",
    "\x00",
    "",
    " ",
    "null",
    "NaN",
    "1e999",
    "-0",
    "12345678901234567890123",
    "2024-05-01T10:00:00Z",
    "9999-12-31T23:59:59-14:00",
    '{"heading": "h", "content": "c"}',
    "[1, 2]",
    "true",
]
TEXT = st.one_of(st.sampled_from(HOSTILE), hostile_text(), st.text(max_size=8))
KEYS = st.one_of(st.sampled_from(KNOWN_KEYS), TEXT).filter(lambda k: k != NOTES_KEY)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=2**63, max_value=10**400),
    st.integers(min_value=-(10**400), max_value=-(2**63)),
    st.floats(),  # NaN and the infinities included
    st.sampled_from([math.nan, math.inf, -math.inf, -0.0, 1e308, 5e-324]),
    TEXT,
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(KEYS, inner, max_size=4),
    ),
    max_leaves=12,
)


def _at(root: Any, path: Path_) -> tuple[bool, Any]:
    node = root
    for key in path:
        in_dict = isinstance(node, dict) and isinstance(key, str) and key in node
        in_list = isinstance(node, list) and isinstance(key, int) and key < len(node)
        if not (in_dict or in_list):
            return False, None
        node = node[key]
    return True, node


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    """A base payload with one to three of its values replaced (or keys added) at random."""
    index = draw(st.integers(min_value=0, max_value=len(BASES) - 1), label="base")
    payload = copy.deepcopy(BASES[index])
    changes = draw(st.integers(min_value=1, max_value=3), label="changes")
    for _ in range(changes):
        if draw(st.integers(min_value=0, max_value=3)) == 0:  # an unknown key, now and then
            path = draw(st.sampled_from(OBJECT_PATHS[index]), label="object")
            found, node = _at(payload, path)
            key = draw(KEYS, label="new key")
            if found and isinstance(node, dict) and not (path == () and key in (*IDS, *SNAKE_IDS)):
                node[key] = draw(JSON, label="new value")
        else:
            path = draw(st.sampled_from(PATHS[index]), label="path")
            found, parent = _at(payload, path[:-1])
            if found and isinstance(parent, dict | list) and _at(parent, path[-1:])[0]:
                parent[path[-1]] = draw(JSON, label="value")
    return payload


# -- checks ----------------------------------------------------------------------------------------


def nulled(value: Any) -> Any:
    """``value`` as JSON can hold it: NaN and the infinities as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: nulled(v) for k, v in value.items()}
    if isinstance(value, list):
        return [nulled(v) for v in value]
    return value


def same(a: Any, b: Any) -> bool:
    """Equal, with the same types (1 is not 1.0 nor True) and the same key order."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def check_safe(out: str, where: str) -> None:
    found = UNSAFE.search(out)
    assert found is None, f"{where}: {found.group()!r} at {found.start()}"


_SURROGATE = re.compile("[\ud800-\udfff]")


def _fail(message: str) -> None:
    raise AssertionError(message)


def _words(value: Any) -> list[str]:
    """A few words of ``value``'s strings, as a reviewer could type them (a typed query is
    valid Unicode: no lone surrogates)."""
    words = [w for _, v in _walk(value) if isinstance(v, str) for w in v.split()]
    return [w for w in words if not _SURROGATE.search(w)][:3]


def check_opens_exports_and_stores(payload: dict[str, Any], store_dir: Path) -> None:
    conversation = Conversation.from_data(payload)
    assert conversation.conversation_id == payload["conversationId"]
    # The readings everything else is built from, each of the type it promises.
    for number, turn in enumerate(conversation.turn_list, start=1):
        assert isinstance(turn.user_text, str) and isinstance(turn.agent_text, str)
        assert all(isinstance(i, str) for i in turn.intent_list)
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in turn.entity_pairs())
        assert isinstance(turn.metadata, dict) and isinstance(turn.reviews, list)
        assert turn.latency_label is None or isinstance(turn.latency_label, str)
        assert all(isinstance(t, str) for t in turn.retrieved_topics)
        assert all(isinstance(t, str) for t, _ in turn.top_transcripts)
        for event in conversation.function_events_for(number):
            assert isinstance(event.name, str) and isinstance(event.error_text, str)
            assert isinstance(event.handoff_text, str) and isinstance(event.state_changes, dict)
            assert event.started is None or isinstance(event.started, datetime)
    for event in conversation.loose_function_events:
        assert isinstance(event.name, str) and isinstance(event.error_text, str)
    for metric in conversation.metric_list:
        point = metric.latest
        if point is not None:
            assert isinstance(point.text, str)
            assert point.number is None or type(point.number) in (int, float)
            assert point.at is None or isinstance(point.at, datetime)
    summary = conversation.summary
    if summary is not None:
        assert isinstance(summary.one_line, str)
    seconds = conversation.call_seconds
    assert seconds is None or isinstance(seconds, float)
    assert all(isinstance(x, float) for x in conversation.latencies())
    assert all(isinstance(t, str) for t in conversation.tag_list)

    for fmt in FORMATS:
        out = render(conversation, fmt)
        assert isinstance(out, str), fmt
        out.encode("utf-8")  # writing it can never fail
        if fmt == "json":
            check_safe(out.replace("\n", ""), fmt)
            data = json.loads(out)
            data.pop(NOTES_KEY, None)
            assert same(data, nulled(payload)), "json must give back exactly what was sent"
        elif fmt == "csv":
            check_safe(out.replace("\r\n", "\n"), fmt)
        else:
            check_safe(out, fmt)

    raw = json.dumps(payload)  # NaN and Infinity as Python writes them, as a server might
    with Store(store_dir / "polytui.sqlite3", warn=_fail) as store:
        store.put("P", "api.test", raw, conversation, fetched_at=datetime.now(UTC))
        stored = store.get(payload["conversationId"])
        assert stored is not None and stored.raw == raw
        assert same(nulled(json.loads(stored.raw)), nulled(payload))
        assert [r.conversation_id for r in store.list()] == [payload["conversationId"]]
        for word in [*_words(payload.get("turns")), "hello", '"unbalanced', "NEAR(", "*"]:
            store.search(word)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_any_shape_opens_exports_and_stores(payload):
    with tempfile.TemporaryDirectory() as tmp:
        check_opens_exports_and_stores(payload, Path(tmp))


class _Host(App[None]):
    CSS = "TranscriptView { height: 30; }"

    def compose(self) -> ComposeResult:
        yield CallHeader()
        yield TranscriptView()


def check_rows(payload: dict[str, Any], header: CallHeader, palette: Palette) -> None:
    """The transcript rows and the header's lines, as the conversation screen paints them."""
    conversation = Conversation.from_data(payload)
    model = TranscriptModel(conversation)
    for width in (100, 23):
        options = RenderOptions(width, palette, "a", True, DEFAULT_BANDS)
        for entry in model.entries:
            for cursor in (True, False):
                for strip in render_turn(entry, conversation, [], cursor=cursor, options=options):
                    assert strip.cell_length == width
                    for segment in strip:
                        assert isinstance(segment, Segment)
                        check_safe(segment.text, "transcript")
    header.set_conversation(conversation, source_note="stored copy")
    for compact in (False, True):
        header.compact = compact
        for width in (100, 23):
            for _, line in header.row_lines(width):
                check_safe(line.plain, "header")
    header.compact = False


async def test_any_shape_lays_out_the_transcript_rows_and_header():
    app = _Host()
    async with app.run_test(size=(100, 50)):
        view = app.query_one(TranscriptView)
        header = app.query_one(CallHeader)
        palette = Palette(view)

        @settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(mutated())
        def check(payload):
            check_rows(payload, header, palette)

        check()


# -- fixed hostile variants: the whole app and the command line ------------------------------------


def _variant(name: str) -> dict[str, Any]:
    """A real-shaped call (with function events and metrics) with every part of one kind
    replaced by something the spec never describes."""
    base = copy.deepcopy(BASES[-2])  # real-shaped, the bigger one
    base["conversationId"] = f"CA-any-{name}"
    turns = base["turns"]
    hostile = NAMED["CSI 2J screen clear"] + NAMED["click action"]
    if name == "turn-fields":
        for turn in turns:
            for key in list(turn):
                turn[key] = [hostile, {"[bold]": 10**400}]
    elif name == "metadata":
        for i, turn in enumerate(turns):
            turn["metadata"] = [math.nan, hostile, None] if i % 2 else {"x": {"y": [hostile]}}
            turn["latency"] = {"perceived_latency": {"value": hostile}, "seconds": math.inf}
    elif name == "top-level":
        for key in list(base):
            if key not in IDS and key != "turns":
                base[key] = {hostile: [10**400, -math.inf, True]}
    elif name == "turns-object":
        base["turns"] = {str(i): turn for i, turn in enumerate(turns)}
        base["functionEvents"] = hostile
        base["metrics"] = [[[hostile]]]
        base["shortSummary"] = [{"heading": 1e308, "content": [hostile]}]
    elif name == "odd-turns":
        base["turns"] = [None, 7, hostile, [], {}, *turns, {"user_input": {"a": hostile}}]
        base["functionEvents"] = {"1": [{"name": 10**400, "turn_id": [hostile]}], "x": None}
    return base


VARIANTS = ["turn-fields", "metadata", "top-level", "turns-object", "odd-turns"]


def test_the_fixed_variants_hold_what_they_say():
    for name in VARIANTS:
        payload = _variant(name)
        check_opens_exports_and_stores(payload, Path(tempfile.mkdtemp()))


@pytest.mark.parametrize("name", VARIANTS)
async def test_a_hostile_call_opens_in_the_app_and_its_keys_work(name, tmp_path):
    payload = _variant(name)
    cid = payload["conversationId"]
    data = tmp_path / "store"
    data.mkdir()
    with Store(data / "polytui.sqlite3", warn=_fail) as store:
        store.put("P", "api.test", json.dumps(payload), Conversation.from_data(payload))
    settings_ = Settings(agent="P", offline=True, data_path=data)
    app = PolyTUI(settings_, initial_id=cid)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ConversationScreen), screen
        assert not screen.has_class("-failed")
        for key in ("]", "[", "t", "j", "]", "t", "G", "["):
            await pilot.press(key)
            await pilot.pause()
        assert app.screen is screen and app._exception is None
        text = "".join(strip.text for strip in app.screen._compositor.render_strips())
        check_safe(text, "screen")
        await pilot.press("q")
    assert app._exception is None


@pytest.mark.parametrize("name", VARIANTS)
def test_a_hostile_call_imports_and_shows_in_every_format(name, hermetic_env, capsys, tmp_path):
    payload = _variant(name)
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(payload))
    code, out, err = run_cli(capsys, "import", str(path))
    assert code == 0 and out.startswith("Imported 1 conversation(s)"), err
    cid = payload["conversationId"]
    for fmt in FORMATS:
        code, out, err = run_cli(capsys, "show", cid, "--format", fmt, "--offline")
        assert code == 0 and err == "", (fmt, err)
        if fmt == "json":
            data = json.loads(out)
            data.pop(NOTES_KEY, None)
            assert same(data, nulled(payload))
        else:
            check_safe(out.replace("\r\n", "\n"), fmt)
    for query in ("quit", "bold", '"[2J'):
        code, out, err = run_cli(capsys, "cache", "search", query, "--json")
        assert code in (0, EXIT_NOT_FOUND) and err == "", err
        assert isinstance(json.loads(out), list)
