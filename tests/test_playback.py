"""The player on miniaudio's null device, without the app: positions move by exact numbers of
frames, the end stops it, another channel keeps the moment, and a device left open does not
keep the program from ending."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from polytui.adapters.audio.device import Sound
from polytui.playback import Player

from .wavs import pcm16

RATE = 8000


@pytest.fixture
def null_device(monkeypatch):
    monkeypatch.setenv("POLYTUI_AUDIO_BACKEND", "null")


def sound(seconds: int, rate: int = RATE, channels: int = 1) -> Sound:
    return Sound(b"\x01\x00" * seconds * rate * channels, rate, channels)


def test_pull_hands_out_frames_and_stops_at_the_end():
    opened = []
    player = Player(sound(2), opener=lambda rate, channels, pull: opened.append(pull) or _Nothing())
    player.play(RATE)
    pull = opened[0]
    assert len(pull(100)) == 200 and player.position == RATE + 100
    player.pause()
    assert pull(100) == b"" and player.position == RATE + 100  # paused: silence, no frames
    player.play()
    assert len(pull(10 * RATE)) == 2 * (RATE - 100) and not player.playing and player.ended
    player.play()  # played to the end: again from the start
    assert player.position == 0 and player.playing


def test_seek_is_exact_and_stays_within_the_recording():
    player = Player(sound(10), opener=lambda *args: _Nothing())
    assert player.seek(5) == 5 * RATE
    assert player.seek(-2.5) == round(2.5 * RATE)
    assert player.seek(-60) == 0 and player.seek(60) == 10 * RATE


def test_another_channel_keeps_the_moment():
    opened = []
    player = Player(sound(10), opener=lambda *args: opened.append(args) or _Nothing())
    player.play(3 * RATE)
    player.swap(sound(10, rate=16000))
    assert player.position == 3 * 16000 and player.playing
    assert [args[:2] for args in opened] == [(RATE, 1), (16000, 1)]  # a new device, new rate


def test_the_null_device_plays_in_real_frames(null_device):
    import time

    player = Player(sound(30))
    player.play(RATE)
    try:
        for _ in range(400):  # a hang guard, not a time limit
            if player.position > RATE:
                break
            time.sleep(0.02)
        assert player.position > RATE
        player.pause()
        paused = player.position
        time.sleep(0.2)
        assert player.position == paused
    finally:
        player.close()
    assert not player.playing


def test_a_device_left_playing_does_not_stop_the_program_from_ending(null_device, tmp_path):
    wav = tmp_path / "x.wav"
    wav.write_bytes(pcm16([0.5] * 20))
    script = textwrap.dedent(
        f"""
        from pathlib import Path
        from polytui.playback import Player, load
        player = Player(load(Path({str(wav)!r})))
        player.play(0)
        print("playing", flush=True)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={**os.environ, "POLYTUI_AUDIO_BACKEND": "null"},
        timeout=60,
    )
    assert done.returncode == 0 and done.stdout == "playing\n", done.stderr


class _Nothing:
    def close(self) -> None:
        pass
