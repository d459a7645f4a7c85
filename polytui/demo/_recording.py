"""Recordings of the sample calls, made from their payloads: no sound is stored or downloaded.

Each caller and agent utterance becomes a run of voiced syllables (a few harmonics under a
smooth envelope; the caller's voice higher than the agent's), placed where the payload's
timestamps put it: the caller stops speaking just before ``user_input_datetime`` (when speech
recognition finished), the agent starts at ``agent_response_datetime``. Keypad entries are
real DTMF tone pairs, silences are silent. So turn boundaries are heard and seen: a pause, then
the other voice. 8 kHz, 16-bit, mono: a telephone recording, about 16 KB a second.

Same payload, same bytes: pitches and vowels come from CRC-32s of the words, not a random
generator. ``redacted`` mutes the caller wherever a turn carries entities (PolyAI mutes PII).
"""

from __future__ import annotations

import array
import functools
import io
import json
import math
import sys
import wave
import zlib
from datetime import datetime
from typing import Any

RATE = 8000
LONGEST_SECONDS = 15 * 60  # a longer call (the 5,000-turn one) has no recording
_SYLLABLE = 0.16  # seconds
_VOICES = {"user": 205.0, "agent": 122.0}  # fundamentals, Hz
_VOWELS = ((1.0, 0.55, 0.35, 0.2, 0.1), (1.0, 0.3, 0.6, 0.15, 0.2), (1.0, 0.7, 0.2, 0.3, 0.05))
_PITCHES = (0.92, 1.0, 1.1)
_DTMF_ROWS = (697, 770, 852, 941)
_DTMF_COLS = (1209, 1336, 1477, 1633)
_KEYPAD = ("123A", "456B", "789C", "*0#D")


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.replace(tzinfo=None) if moment.tzinfo else moment  # samples are UTC


@functools.lru_cache(maxsize=32)
def _syllable(voice: str, pitch: int, vowel: int) -> array.array[int]:
    """One voiced syllable as 16-bit samples (a raised-cosine envelope over five harmonics)."""
    f0 = _VOICES[voice] * _PITCHES[pitch]
    weights = _VOWELS[vowel]
    count = int(_SYLLABLE * RATE)
    scale = 9000 / sum(weights)
    out = array.array("h", bytes(2 * count))
    for n in range(count):
        t = n / RATE
        glide = 1.0 - 0.08 * n / count  # the pitch falls a little through the syllable
        envelope = 0.5 - 0.5 * math.cos(2 * math.pi * n / count)
        value = sum(
            w * math.sin(2 * math.pi * f0 * glide * (k + 1) * t) for k, w in enumerate(weights)
        )
        out[n] = int(scale * envelope * value)
    return out


@functools.lru_cache(maxsize=16)
def _dtmf(key: str) -> array.array[int]:
    row = next((r for r, keys in enumerate(_KEYPAD) if key.upper() in keys), 0)
    col = _KEYPAD[row].index(key.upper()) if key.upper() in _KEYPAD[row] else 0
    low, high = _DTMF_ROWS[row], _DTMF_COLS[col]
    count = int(0.2 * RATE)
    return array.array(
        "h",
        (
            int(
                6000
                * (math.sin(2 * math.pi * low * n / RATE) + math.sin(2 * math.pi * high * n / RATE))
            )
            for n in range(count)
        ),
    )


def _place(track: array.array[int], start: float, sound: array.array[int]) -> None:
    first = int(start * RATE)
    if first < 0 or first >= len(track):
        return
    piece = sound[: len(track) - first]
    target = track[first : first + len(piece)]
    if any(target):  # someone is already speaking there (barge-in): mix, do not overwrite
        piece = array.array(
            "h", (max(-32768, min(32767, a + b)) for a, b in zip(target, piece, strict=False))
        )
    track[first : first + len(piece)] = piece


def _speak(track: array.array[int], voice: str, text: str, start: float, end: float) -> None:
    words = text.split()
    if not words or end <= start:
        return
    step = (end - start) / len(words)
    for index, word in enumerate(words):
        code = zlib.crc32(word.lower().encode("utf-8", "replace"))
        syllables = min(1 + (len(word) > 5), max(1, int(step / _SYLLABLE)))
        for s in range(syllables):  # back to back: a voice never overlaps itself
            at = start + index * step + s * _SYLLABLE
            if at + _SYLLABLE > end + 0.05:
                break
            _place(track, at, _syllable(voice, (code >> (4 * s)) % 3, (code >> (8 + 4 * s)) % 3))


def _text(turn: dict[str, Any], key: str) -> str:
    value = turn.get(key)
    return value if isinstance(value, str) else ""


def _turn_sounds(
    track: array.array[int], turn: dict[str, Any], start: datetime, side: str, redacted: bool
) -> None:
    heard_at = _when(turn.get("user_input_datetime"))
    answered_at = _when(turn.get("agent_response_datetime"))
    if side in ("combined", "user") and heard_at is not None:
        heard = (heard_at - start).total_seconds()
        text, dtmf = _text(turn, "user_input"), _text(turn, "user_input_dtmf")
        muted = redacted and bool(
            turn.get("entities") or (turn.get("metadata") or {}).get("entities")
        )
        if dtmf:
            first = heard - 0.3 - 0.45 * len(dtmf)
            for index, key in enumerate(dtmf[:40]):
                _place(track, first + 0.45 * index, _dtmf(key))
        elif text and not muted:
            words = len(text.split())
            _speak(track, "user", text, max(0.0, heard - 0.4 - 0.38 * words), heard - 0.4)
    if side in ("combined", "agent") and answered_at is not None:
        said = _text(turn, "agent_response")
        answered = (answered_at - start).total_seconds()
        _speak(track, "agent", said, answered, answered + 0.36 * len(said.split()))


def _length(call: dict[str, Any], start: datetime, turns: list[dict[str, Any]]) -> float:
    finished = _when(call.get("finishedAt"))
    if finished is not None:
        return (finished - start).total_seconds()
    last = 0.0
    for turn in turns:
        for key in ("user_input_datetime", "agent_response_datetime"):
            moment = _when(turn.get(key))
            if moment is not None:
                last = max(last, (moment - start).total_seconds())
    return last + 8.0


def has_recording(call: dict[str, Any]) -> bool:
    """A finished voice call not longer than ``LONGEST_SECONDS``, with a start time."""
    channel = str(call.get("channel") or "").upper()
    start = _when(call.get("startedAt"))
    if "CHAT" in channel or call.get("inProgress") or start is None:
        return False
    turns = [t for t in call.get("turns") or [] if isinstance(t, dict)]
    return 0 < _length(call, start, turns) <= LONGEST_SECONDS


@functools.lru_cache(maxsize=24)
def _recording(body: bytes, side: str, redacted: bool) -> bytes:
    call = json.loads(body)
    start = _when(call.get("startedAt"))
    assert start is not None  # has_recording said so
    turns = [t for t in call.get("turns") or [] if isinstance(t, dict)]
    track = array.array("h", bytes(2 * int(_length(call, start, turns) * RATE)))
    for turn in turns:
        _turn_sounds(track, turn, start, side, redacted)
    if sys.byteorder == "big":
        track.byteswap()
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(RATE)
        writer.writeframes(track.tobytes())
    return out.getvalue()


def recording(body: bytes, direction: str = "combined", redacted: bool = False) -> bytes | None:
    """The WAV recording of the call whose JSON is ``body``; None when it has none."""
    call = json.loads(body)
    if not isinstance(call, dict) or not has_recording(call):
        return None
    return _recording(body, direction, redacted)
