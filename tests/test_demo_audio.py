"""The demo server's audio endpoint: generated recordings of the voice samples (valid WAVs,
the same bytes every time, each voice where the payload's timestamps put it) and its faults."""

from __future__ import annotations

import io
import wave
from datetime import datetime

import httpx
import pytest

from polytui.core.wav import peaks, read_info
from polytui.demo import DemoServer, real_shaped_conversations, sample_conversations
from polytui.demo._scripts import BOOKING_ID, CHAT_ID, LIVE_ID
from tests.demo_http import KEY, assert_envelope, path, raw_get


@pytest.fixture(scope="module")
def calls():
    return sample_conversations()[:6] + real_shaped_conversations()


@pytest.fixture
def server(calls):
    demo = DemoServer(calls).start()
    yield demo
    demo.stop()
    assert demo.errors == []


def audio(server, cid=BOOKING_ID, **query) -> httpx.Response:
    return httpx.get(
        f"{server.url}{path(cid)}/audio",
        params=query,
        headers={**KEY, "Accept": "audio/wav"},
        timeout=10,
    )


def _seconds(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.removesuffix("Z"))


def test_a_voice_sample_has_a_wav_recording_as_long_as_the_call(server, calls, tmp_path):
    response = audio(server)
    assert response.status_code == 200
    assert response.headers["content-type"] == "audio/wav"
    with wave.open(io.BytesIO(response.content)) as reader:
        assert (reader.getnchannels(), reader.getsampwidth(), reader.getframerate()) == (1, 2, 8000)
        seconds = reader.getnframes() / reader.getframerate()
    call = next(c for c in calls if c["conversationId"] == BOOKING_ID)
    length = (_seconds(call["finishedAt"]) - _seconds(call["startedAt"])).total_seconds()
    assert seconds == pytest.approx(length, abs=0.01)
    assert audio(server).content == response.content  # generated, and the same every time


def _loudness(wav: bytes, start: float, end: float, tmp_path) -> float:
    target = tmp_path / "r.wav"
    target.write_bytes(wav)
    info = read_info(io.BytesIO(wav), len(wav))
    buckets = int(info.duration * 10)  # tenths of a second
    values = peaks(target, buckets, info)
    return max(values[int(start * 10) : int(end * 10)], default=0.0)


def test_each_voice_speaks_where_the_timestamps_put_it(server, calls, tmp_path):
    call = next(c for c in calls if c["conversationId"] == BOOKING_ID)
    start = _seconds(call["startedAt"])
    turn = call["turns"][2]  # the caller says "There'll be four of us."
    heard = (_seconds(turn["user_input_datetime"]) - start).total_seconds()
    answered = (_seconds(turn["agent_response_datetime"]) - start).total_seconds()
    caller = audio(server, direction="user").content
    agent = audio(server, direction="agent").content
    both = audio(server).content
    assert len({caller, agent, both}) == 3
    speaking = (heard - 1.2, heard - 0.5)
    answering = (answered + 0.1, answered + 1.0)
    assert _loudness(caller, *speaking, tmp_path) > 0.1
    assert _loudness(agent, *speaking, tmp_path) == 0.0
    assert _loudness(agent, *answering, tmp_path) > 0.1
    assert _loudness(caller, *answering, tmp_path) == 0.0
    # the pause while speech recognition finishes and the agent thinks: a visible boundary
    assert _loudness(both, heard - 0.3, answered - 0.05, tmp_path) == 0.0


def test_redacted_mutes_the_caller_where_a_turn_carries_entities(server, calls, tmp_path):
    call = next(c for c in calls if c["conversationId"] == BOOKING_ID)
    start = _seconds(call["startedAt"])
    turn = next(t for t in call["turns"] if t["entities"] and t["user_input"])
    heard = (_seconds(turn["user_input_datetime"]) - start).total_seconds()
    plain = audio(server, direction="user").content
    muted = audio(server, direction="user", redacted="true").content
    assert _loudness(plain, heard - 1.2, heard - 0.5, tmp_path) > 0.1
    assert _loudness(muted, heard - 1.2, heard - 0.5, tmp_path) == 0.0


@pytest.mark.parametrize("cid", [CHAT_ID, LIVE_ID])
def test_chats_and_live_calls_have_no_recording(server, cid):
    body = assert_envelope(audio(server, cid), 404, "CONVERSATIONS_RECORDING_NOT_FOUND")
    assert body["error_message"] == "Recording not found for the given conversation."


def test_an_unknown_call_and_bad_parameters(server):
    assert_envelope(audio(server, "CA" + "0" * 32), 404, "CONVERSATIONS_NOT_FOUND")
    assert_envelope(audio(server, direction="both"), 400, "CONVERSATIONS_VALIDATION_FAILED")
    assert_envelope(audio(server, redacted="yes"), 400, "CONVERSATIONS_VALIDATION_FAILED")
    response = httpx.get(f"{server.url}{path()}/audio", timeout=5)
    assert_envelope(response, 401, "UNAUTHORIZED")


def test_fault_no_recording(server):
    server.set_fault("no_recording", times=1)
    assert_envelope(audio(server), 404, "CONVERSATIONS_RECORDING_NOT_FOUND")
    assert audio(server).status_code == 200


@pytest.mark.parametrize(("body", "start"), [("garbage", b"\x89PNG"), ("html", b"<!DOCTYPE")])
def test_fault_not_wav(server, body, start):
    server.set_fault("not_wav", body=body)
    response = audio(server)
    assert response.status_code == 200 and response.headers["content-type"] == "audio/wav"
    assert response.content.startswith(start)


def test_fault_short_wav_is_a_whole_answer_holding_half_a_wav(server):
    whole = audio(server).content
    server.set_fault("short_wav")
    response = audio(server)
    assert response.status_code == 200 and response.content == whole[: len(whole) // 2]


def test_fault_truncated_promises_the_whole_recording_and_sends_half(server):
    whole = audio(server).content
    server.set_fault("truncated")
    status, headers, body = raw_get(server, path() + "/audio")
    assert status == 200 and int(headers["content-length"]) == len(whole)
    assert body == whole[: len(whole) // 2]


def test_fault_drip_sends_the_recording_slowly_but_whole(server):
    whole = audio(server).content
    server.set_fault("drip", seconds_per_chunk=0.001, chunk=256 * 1024)
    assert audio(server).content == whole
