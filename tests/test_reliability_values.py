"""Issue 5, beyond text: any number or date-time the API could send (JSON allows integers of any
size, Python's JSON reader also takes NaN and Infinity, ISO 8601 allows offsets that push a time
past year 9999 in UTC) is stored, exported in every format and shown in the app without an
exception; what cannot be understood shows as unknown."""

from __future__ import annotations

import asyncio
import json
import math
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from textual.app import App, ComposeResult

from polytui.adapters.sqlite import Store
from polytui.core.models import Conversation
from polytui.export import FORMATS, render
from polytui.tui.widgets.call_header import CallHeader
from polytui.tui.widgets.json_tree import JsonTree
from polytui.tui.widgets.transcript import TranscriptView

NUMBERS = st.one_of(
    st.integers(),
    st.integers(min_value=10**300, max_value=10**400),
    st.integers(max_value=-(10**300), min_value=-(10**400)),
    st.floats(),  # NaN and the infinities included
    st.none(),
)
_OFFSETS = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
DATES = st.one_of(
    st.datetimes(timezones=st.one_of(st.none(), _OFFSETS)).map(lambda d: d.isoformat()),
    st.sampled_from(
        [
            "9999-12-31T23:59:59-14:00",
            "0001-01-01T00:00:00+14:00",
            "9999-12-31T23:59:59.999999Z",
            "0001-01-01T00:00:00Z",
            "2024-02-30T10:00:00Z",
            "not a date",
            "",
        ]
    ),
    st.none(),
)


def payloads() -> st.SearchStrategy[dict]:
    turn = st.fixed_dictionaries(
        {
            "user_input": st.just("hello"),
            "agent_response": st.just("hi"),
            "latency": NUMBERS,
            "user_input_datetime": DATES,
            "agent_response_datetime": DATES,
        }
    )
    return st.fixed_dictionaries(
        {
            "conversationId": st.just("CA-values"),
            "accountId": st.just("A"),
            "projectId": st.just("P"),
            "startedAt": DATES,
            "createdAt": DATES,
            "finishedAt": DATES,
            "totalDuration": NUMBERS,
            "polyaiDuration": NUMBERS,
            "duration": NUMBERS,
            "polyScore": NUMBERS,
            "turns": st.lists(turn, min_size=1, max_size=3),
            "metrics": st.dictionaries(st.sampled_from(["a", "b"]), NUMBERS),
        }
    )


def _same(a: object, b: object) -> bool:
    """Equality that counts NaN as equal to NaN (the value round-trips, even if NaN != NaN)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b and type(a) is type(b)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payloads())
def test_any_number_or_date_is_stored_and_exported(tmp_path_factory, payload):
    conversation = Conversation.from_data(payload)
    for fmt in FORMATS:
        out = render(conversation, fmt)
        if fmt == "json":
            data = json.loads(out)
            data.pop("polytuiNotes", None)
            # NaN and the infinities are not JSON: they are written as null; the rest is exact.
            assert _same(data, _json_safe(payload))
    path = tmp_path_factory.mktemp("store") / "polytui.sqlite3"
    raw = json.dumps(payload)
    with Store(path, warn=_fail) as store:
        store.put("P", "host", raw, conversation, fetched_at=datetime.now(UTC))
        assert store.get("CA-values").raw == raw
        assert [row.conversation_id for row in store.list()] == ["CA-values"]
        store.search("hello")


def _json_safe(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    return value


def _fail(message: str) -> None:
    raise AssertionError(message)


class _Host(App[None]):
    def compose(self) -> ComposeResult:
        yield CallHeader()
        yield TranscriptView()
        yield JsonTree("metrics")


async def test_any_number_or_date_shows_in_the_app():
    app = _Host()
    async with app.run_test(size=(100, 40)) as pilot:
        loop = asyncio.get_running_loop()

        async def show(conversation: Conversation) -> None:
            app.query_one(CallHeader).set_conversation(conversation)
            app.query_one(TranscriptView).set_conversation(conversation)
            app.query_one(JsonTree).set_data(conversation.metrics)
            await pilot.pause()
            app.screen._compositor.render_strips()

        @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(payloads())
        def check(payload):
            conversation = Conversation.from_data(payload)
            asyncio.run_coroutine_threadsafe(show(conversation), loop).result(60)

        await asyncio.to_thread(check)
        assert app.is_running and not app._exception


EXTREMES = {
    "CA-huge-int": {"totalDuration": 10**400, "polyScore": -(10**400), "latency": 10**400},
    "CA-non-finite": {"totalDuration": math.inf, "polyScore": math.nan, "latency": -math.inf},
    "CA-far-dates": {"startedAt": "9999-12-31T23:59:59-14:00", "at": "0001-01-01T00:00:00+14:00"},
}


def _extreme_call(cid: str, values: dict) -> dict:
    turn = {"user_input": "hello there", "agent_response": "hi"}
    if "latency" in values:
        turn["latency"] = values["latency"]
    if "at" in values:
        turn["user_input_datetime"] = values["at"]
    top = {k: v for k, v in values.items() if k not in ("latency", "at")}
    return {"conversationId": cid, "accountId": "A", "projectId": "P", **top, "turns": [turn]}


def _strict_json(text: str) -> object:
    def refuse(name: str) -> None:
        raise AssertionError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse)


def test_extreme_values_through_the_command_line(api_env, server, capsys, tmp_path):
    from .helpers import run_cli

    for cid, values in EXTREMES.items():
        server.add(_extreme_call(cid, values))
        for fmt in FORMATS:
            code, out, err = run_cli(capsys, "show", cid, "-f", fmt)
            assert code == 0 and err == "", (cid, fmt, err)
            if fmt == "json":
                assert _strict_json(out)["conversationId"] == cid
    code, out, err = run_cli(capsys, "cache", "list")
    assert code == 0 and all(cid in out for cid in EXTREMES), err
    code, out, err = run_cli(capsys, "cache", "list", "--json")
    assert code == 0 and {r["conversationId"] for r in _strict_json(out)} == set(EXTREMES)
    code, out, err = run_cli(capsys, "cache", "search", "hello", "--json")
    assert code == 0 and len(_strict_json(out)) == 3
    code, out, err = run_cli(capsys, "export", "--all", "-o", str(tmp_path / "x"), "-f", "html")
    assert code == 0 and len(list((tmp_path / "x").iterdir())) == 3, err
