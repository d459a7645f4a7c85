"""A long call read as it is shown (polytui.core.long_call): the same call as read whole, turn
for turn, whatever the pieces its text comes in; what it cannot stream it leaves to the whole
reading; and the app paints such a call before its last turns are read."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from polytui.adapters.sqlite import Store
from polytui.core import long_call
from polytui.core.config import Settings
from polytui.core.facts import turn_starts
from polytui.core.long_call import NotStreamable, open_streamed, stream_or_none
from polytui.core.models import Conversation, Note
from polytui.demo.samples import DEMO_AGENT, big_conversation
from polytui.tui.widgets.transcript_heights import estimate_from_sizes, estimate_heights

HOST = "https://api.us.poly.ai"


def odd_call(turns: int = 700) -> dict[str, Any]:
    """A long call with what a stream must carry: null and non-object turns, turn IDs and
    function events (the call's and a turn's own), odd types, text beyond ASCII, line
    breaks, translations, and top-level fields after the turns."""
    call = big_conversation(turns, conversation_id="CA-long")
    listed = call.pop("turns")
    listed[3]["turn_id"] = 9003
    listed[5]["metadata"] = {"function_events": [{"name": "lookup", "args": {"q": "x"}}]}
    listed[7]["latency"] = {"label": "slow", "perceived_latency": 2.5}
    listed[8]["latency"] = "0.75"
    listed[9]["user_input"] = "Ça va? 日本語 — naïve\nsecond line"
    listed[10]["translated_user_input"] = "Is it ok?"
    listed[11]["intents"] = ["a", None, "b"]
    listed[12] = {}
    listed[-1]["agent_response"] = "the very last words: zanzibar"
    listed.insert(20, None)
    listed.insert(40, "not a turn")
    call["turns"] = listed
    call["functionEvents"] = {"6": [{"name": "transfer"}], "x": [{"turn_id": 9003, "name": "t"}]}
    call["afterTurns"] = [1, 2.5, None]
    return call


def pieces_of(text: str, sizes: tuple[int, ...]) -> Iterator[str]:
    position, index = 0, 0
    while position < len(text):
        size = sizes[index % len(sizes)]
        yield text[position : position + size]
        position += size
        index += 1


def read_all(text: str, sizes: tuple[int, ...] = (4096,)) -> Conversation:
    head, turns = open_streamed(pieces_of(text, sizes))
    conversation = Conversation.streamed(head, turns, lambda: text)
    while not turns.advance(500):
        pass
    conversation.finish_reading()
    return conversation


@pytest.mark.parametrize("sizes", [(4096,), (1, 7, 3, 64), (1 << 20,)])
def test_a_streamed_call_is_the_call_read_whole(monkeypatch, sizes) -> None:
    monkeypatch.setattr(long_call, "LOOKAHEAD", 100)  # many refills, values across pieces
    text = json.dumps(odd_call(), ensure_ascii=False)
    whole = Conversation.from_json_bytes(text)
    streamed = read_all(text, sizes)
    assert streamed.long_turns is not None and streamed.long_turns.failure is None
    assert len(streamed.turn_list) == len(whole.turn_list) == 700  # two values that are no turns
    assert list(streamed.turn_list) == whole.turn_list
    assert streamed.latency_values() == whole.latency_values()
    assert streamed.turn_function_events == whole.turn_function_events
    assert streamed.turn_function_events[6] and streamed.turn_function_events[4]
    assert streamed.loose_function_events == whole.loose_function_events
    assert streamed.get_raw("afterTurns") == [1, 2.5, None]
    assert streamed.metrics == whole.metrics
    assert streamed.to_dict() == whole.to_dict()
    assert streamed.turn_list[-1].agent_response == "the very last words: zanzibar"
    long = streamed.long_turns
    now = datetime.now(UTC)
    note = Note(1, "a", "CA-long", 9, "two\nlines", None, now, now)
    notes = {9: [note]}
    for width in (30, 100):
        for translations in (True, False):
            expected = estimate_heights(whole.turn_payloads(), width, translations, notes)
            got = estimate_from_sizes(long.sizes, len(long), width, translations, notes)
            assert got == expected


def test_the_first_turns_come_before_the_rest_is_read() -> None:
    text = json.dumps(odd_call(3000))
    head, turns = open_streamed(pieces_of(text, (4096,)))
    assert head["conversationId"] == "CA-long"
    assert 256 <= len(turns) < 3000 and not turns.complete
    first = turns[0]
    assert turns.advance(10_000) and len(turns) == 3000
    assert turns[0] == first and turns[-1].agent_response.endswith("zanzibar")


def test_a_number_split_between_pieces_is_read_whole(monkeypatch) -> None:
    monkeypatch.setattr(long_call, "LOOKAHEAD", 1)
    call = {"conversationId": "c", "accountId": "a", "projectId": "p", "totalDuration": 123456}
    call["turns"] = [{"latency": 1234.5678}, {"latency": 98765}]
    call["polyScore"] = 31415
    text = json.dumps(call)
    for size in range(1, 9):
        streamed = read_all(text, (size,))
        assert streamed.total_duration == 123456 and streamed.poly_score == 31415
        assert streamed.latency_values() == [1234.5678, 98765.0]


@pytest.mark.parametrize(
    "text",
    [
        '{"turns": [], "conversationId": "c", "accountId": "a", "projectId": "p"}',  # IDs after
        '{"conversationId": "c", "accountId": "a", "projectId": "p", "turns": {"1": {}}}',
        '{"conversationId": "c", "conversationId": "d", "accountId": "a", "projectId": "p"}',
        '{"conversationId": "c", "accountId": "a", "projectId": "p"}',  # no turns
        "[1, 2]",
        '{"conversationId": "c", "accountId": "a", "projectId": "p", "turns": [{"a": }]}',
    ],
)
def test_what_cannot_stream_is_left_to_the_whole_reading(text: str) -> None:
    with pytest.raises(NotStreamable):
        open_streamed(iter([text]))
    assert stream_or_none(lambda: iter([text])) is None


def test_a_copy_damaged_after_its_first_turns_keeps_them() -> None:
    text = json.dumps(odd_call(2000))
    cut = text[: len(text) // 2]
    head, turns = open_streamed(iter([cut]))
    assert turns.advance(100_000)  # all read that could be
    assert turns.failure is not None and 256 <= len(turns) < 2000
    assert turns[len(turns) - 1] is not None  # the turns read before the damage stay


def test_the_loader_streams_a_long_call_only_when_asked(tmp_path: Path, monkeypatch) -> None:
    from polytui import loader as loader_module
    from polytui.loader import Loader

    monkeypatch.setattr(loader_module, "LONG_CALL_BYTES", 0)
    call = odd_call(1000)
    raw = json.dumps(call)
    settings = Settings(agent=DEMO_AGENT, data_path=tmp_path, offline=True)
    with Store(settings.db_path) as store:
        store.put(DEMO_AGENT, HOST, raw, Conversation.from_data(call))
    loader = Loader(settings)
    try:
        whole = loader.load_local("CA-long")
        streamed = loader.load_local("CA-long", stream=True)
    finally:
        loader.close_store()
    assert whole is not None and streamed is not None
    assert whole.conversation.long_turns is None
    assert streamed.conversation.reading and streamed.raw == raw == whole.raw


def test_a_call_that_cannot_stream_still_opens(tmp_path: Path, monkeypatch) -> None:
    """A payload with its three IDs always opens: IDs after the turns, read whole."""
    from polytui import loader as loader_module
    from polytui.loader import Loader

    monkeypatch.setattr(loader_module, "LONG_CALL_BYTES", 0)
    call = odd_call(600)
    turns = call.pop("turns")
    ids = {key: call.pop(key) for key in ("conversationId", "accountId", "projectId")}
    raw = json.dumps({"turns": turns, **call, **ids})
    settings = Settings(agent=DEMO_AGENT, data_path=tmp_path, offline=True)
    with Store(settings.db_path) as store:
        store.put(DEMO_AGENT, HOST, raw, Conversation.from_json_bytes(raw))
    loader = Loader(settings)
    try:
        loaded = loader.load_local("CA-long", stream=True)
    finally:
        loader.close_store()
    assert loaded is not None and loaded.conversation.long_turns is None
    assert len(loaded.conversation.turn_list) == 600


# -- the app ------------------------------------------------------------------------------------


async def test_the_app_paints_a_long_call_before_its_last_turns_are_read(
    tmp_path: Path, monkeypatch
) -> None:
    from polytui import loader as loader_module
    from polytui.tui.app import PolyTUI
    from polytui.tui.screens.conversation import ConversationScreen
    from polytui.tui.widgets.call_header import CallHeader
    from polytui.workspace import Workspace

    monkeypatch.setattr(loader_module, "LONG_CALL_BYTES", 0)
    call = odd_call(3000)
    raw = json.dumps(call)
    settings = Settings(agent=DEMO_AGENT, data_path=tmp_path, offline=True)
    with Store(settings.db_path) as store:
        store.put(DEMO_AGENT, HOST, raw, Conversation.from_data(call))
        store.add_note(DEMO_AGENT, "CA-long", 2900, "late turn note")
    release = asyncio.Event()
    asked = asyncio.Event()
    read_on = Workspace.read_on

    async def held(self: Workspace, conversation: Conversation, turns: int) -> bool:
        asked.set()
        await release.wait()
        return await read_on(self, conversation, turns)

    monkeypatch.setattr(Workspace, "read_on", held)

    app = PolyTUI(settings, initial_id="CA-long")
    async with app.run_test(size=(120, 40)) as pilot:
        await asyncio.wait_for(asked.wait(), 30)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ConversationScreen)
        view = screen.transcript
        conversation = view.conversation
        assert conversation is not None and conversation.reading
        assert 256 <= view.turn_count < 3000  # on screen before the rest is read
        assert "reading" in screen.query_one("#header", CallHeader).render().plain
        assert "#1 " in "\n".join(s.text for s in app.screen._compositor.render_strips())
        listening = screen.listening  # as if `l` had been pressed while the call was read
        listening.starts, listening._starts_partial = turn_starts(conversation), True
        assert len(listening.starts) < 3000
        release.set()
        for _ in range(400):
            if not conversation.reading and view.turn_count == 3000:
                break
            await pilot.pause(0.02)
        await pilot.pause()
        assert view.turn_count == 3000
        assert len(listening.starts) == 3000 and not listening._starts_partial
        assert 2900 in view.notes  # the note on a turn read after the first frame
        assert view.search("zanzibar") == 1 and view.cursor == 2999
        await pilot.press("g", "G")
        assert view.cursor == 2999
        assert "3000 turns" in screen.query_one("#header", CallHeader).render().plain
        loaded = screen.loaded
        assert loaded is not None
        out = tmp_path / "call.json"
        await app.workspace.export(loaded, "json", out)
        exported = json.loads(out.read_text())
        assert exported["conversationId"] == "CA-long"
        assert len(exported["turns"]) == len(call["turns"])


def test_heights_from_sizes_match_across_random_calls() -> None:
    rng = random.Random(3)
    for _ in range(3):
        call = big_conversation(300, seed=rng.randrange(1000))
        text = json.dumps(call)
        whole = Conversation.from_json_bytes(text)
        long = read_all(text).long_turns
        assert long is not None
        width = rng.randrange(10, 160)
        expected = estimate_heights(whole.turn_payloads(), width, True, {})
        assert estimate_from_sizes(long.sizes, len(long), width, True, {}) == expected


def test_an_integer_past_pythons_digit_limit_in_a_late_turn_is_read() -> None:
    call = odd_call(600)
    call["turns"][500]["polyExtra"] = "BIG"
    text = json.dumps(call).replace('"BIG"', "1" + "0" * 5000)
    streamed = read_all(text)
    assert streamed.long_turns is not None and streamed.long_turns.failure is None
    assert len(streamed.turn_list) == 600
    assert [t.get_raw("polyExtra") for t in streamed.turn_list].count(float("inf")) == 1
    assert list(streamed.turn_list) == Conversation.from_json_bytes(text).turn_list


# -- a key given twice: the last value, as json.loads -------------------------------------------


def with_later(text: str, **later: Any) -> str:
    """``text`` (a call's JSON object) with ``later`` keys added after its last key: a key it
    has already is given twice."""
    assert text.endswith("}")
    return (
        text[:-1] + "".join(f", {json.dumps(k)}: {json.dumps(v)}" for k, v in later.items()) + "}"
    )


@pytest.mark.parametrize("sizes", [(4096,), (1, 7, 3, 64)])
def test_a_second_turns_after_the_turns_is_the_calls_as_json_loads_reads_it(
    monkeypatch, sizes
) -> None:
    monkeypatch.setattr(long_call, "LOOKAHEAD", 100)
    second = odd_call(300)["turns"]
    second[0]["agent_response"] = "from the second list"
    text = with_later(json.dumps(odd_call(700)), turns=second, polyScore=1, afterTurns="again")
    whole = Conversation.from_json_bytes(text)
    assert len(whole.turn_list) == 300  # json.loads keeps the last value of a key
    head, turns = open_streamed(pieces_of(text, sizes))  # opens at once, on the first list
    conversation = Conversation.streamed(head, turns, lambda: text)
    assert len(conversation.turn_list) >= 256
    while not turns.advance(500):
        pass
    assert turns.failure is None  # not damage
    assert conversation.finish_reading()  # the turns were replaced
    assert conversation.long_turns is None and not conversation.reading
    assert list(conversation.turn_list) == whole.turn_list
    assert conversation.turn_list[0].agent_response == "from the second list"
    assert conversation.latency_values() == whole.latency_values()
    assert conversation.turn_function_events == whole.turn_function_events
    assert conversation.loose_function_events == whole.loose_function_events
    assert conversation.poly_score == whole.poly_score == 1  # a head key again: the last
    assert conversation.get_raw("afterTurns") == "again"  # a tail key again: the last
    assert conversation.to_dict() == whole.to_dict()


@pytest.mark.parametrize("later", [None, [], {"1": {"user_input": "hi"}}, "no turns"])
def test_a_second_turns_of_any_type_reads_as_json_loads(later) -> None:
    text = with_later(json.dumps(odd_call(600)), turns=later)
    whole = Conversation.from_json_bytes(text)
    streamed = read_all(text)
    assert list(streamed.turn_list) == whole.turn_list
    assert streamed.turns == whole.turns


async def test_the_app_shows_the_turns_of_a_second_turns_key(tmp_path: Path, monkeypatch) -> None:
    from polytui import loader as loader_module
    from polytui.tui.app import PolyTUI
    from polytui.tui.screens.conversation import ConversationScreen

    from .test_app import notices

    monkeypatch.setattr(loader_module, "LONG_CALL_BYTES", 0)
    second = odd_call(400)["turns"]
    second[-1]["agent_response"] = "the second list's last words: timbuktu"
    raw = with_later(json.dumps(odd_call(1500)), turns=second)
    settings = Settings(agent=DEMO_AGENT, data_path=tmp_path, offline=True)
    with Store(settings.db_path) as store:
        store.put(DEMO_AGENT, HOST, raw, Conversation.from_json_bytes(raw))
    app = PolyTUI(settings, initial_id="CA-long")
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(600):  # a hang guard, not a time limit
            screen = app.screen
            view = screen.transcript if isinstance(screen, ConversationScreen) else None
            conversation = view.conversation if view is not None else None
            if conversation is not None and not conversation.reading and view.turn_count == 400:
                break
            await pilot.pause(0.05)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(screen, ConversationScreen) and view is not None
        assert view.turn_count == 400 == len(Conversation.from_json_bytes(raw).turn_list)
        assert not any("damaged" in n for n in notices(app))
        await pilot.press("G")
        text = "\n".join(s.text for s in app.screen._compositor.render_strips())
        assert "timbuktu" in text and "#400 " in text
