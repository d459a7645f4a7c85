"""Listening in the app, driven by Textual's pilot: playing from a turn on miniaudio's null
device (positions asserted in frames, never in wall time), pause, seek, channels, follow, the
playhead line, calls without a recording, no audio device, `o` and the export of the WAV."""

from __future__ import annotations

import stat
import threading
from datetime import datetime

import pytest
from textual.widgets import Input, RadioButton

from polytui.core.facts import PREROLL_SECONDS
from polytui.core.ports import RecordingKey
from polytui.demo._scripts import BOOKING_ID, CHAT_ID, LIVE_ID
from polytui.playback import Player
from polytui.tui.screens.export import ExportScreen
from polytui.tui.widgets.playhead import Playhead, waveform

from .test_app import SIZE, make_app, notices, open_loaded, screen_text, settle

RATE = 8000  # the demo recordings' frames a second


@pytest.fixture
def null_device(monkeypatch):
    monkeypatch.setenv("POLYTUI_AUDIO_BACKEND", "null")


@pytest.fixture
def plays(monkeypatch):
    """Every frame ``Player.play`` was asked to start from (None: where it was)."""
    asked: list[int | None] = []
    original = Player.play

    def spy(self, at_frame=None):
        asked.append(at_frame)
        return original(self, at_frame)

    monkeypatch.setattr(Player, "play", spy)
    return asked


def booking(samples):
    return next(c for c in samples if c["conversationId"] == BOOKING_ID)


def start_of(call, index: int) -> float:
    """Where turn ``index`` (0-based) starts, worked out here from the payload itself."""
    started = datetime.fromisoformat(call["startedAt"].removesuffix("Z"))
    heard = datetime.fromisoformat(call["turns"][index]["user_input_datetime"].removesuffix("Z"))
    return max(0.0, (heard - started).total_seconds() - PREROLL_SECONDS)


async def until(pilot, predicate, what: str) -> None:
    """Let the app run until ``predicate()`` holds (a hang guard, not a time limit)."""
    for _ in range(400):
        if predicate():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"never happened: {what}")


async def test_plays_from_turn_3_and_the_playhead_advances(
    server, tmp_path, samples, null_device, plays
):
    call = booking(samples)
    app = make_app(server, tmp_path, initial_id=BOOKING_ID)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_loaded(app, pilot)
        screen.transcript.cursor = 2  # turn 3
        await pilot.press("l")
        await settle(app, pilot)
        listening = screen.listening
        player = listening.player
        assert player is not None
        start = round(start_of(call, 2) * RATE)
        assert plays == [start]  # from turn 3's time minus the pre-roll, to the frame
        playhead = screen.query_one("#playhead", Playhead)
        assert playhead.display
        first = playhead.state.position
        assert start / RATE <= first < start_of(call, 3)  # the playhead starts in turn 3
        assert f"/ {format_length(player.frames)}" in screen_text(app)
        await until(pilot, lambda: player.position > start, "the position moves on")
        await until(pilot, lambda: playhead.state.position > first, "the playhead moves on")

        await pilot.press("l")  # pause
        assert not player.playing
        paused = player.position
        await pilot.pause(0.3)
        assert player.position == paused  # paused means not one frame more
        await pilot.press("full_stop")
        assert player.position == paused + 5 * RATE
        await pilot.press("comma", "comma")
        assert player.position == paused - 5 * RATE
        assert playhead.state.position == pytest.approx((paused - 5 * RATE) / RATE)
        await pilot.press("l")  # the cursor did not move: carry on from there
        assert plays[-1] is None or plays[-1] == paused - 5 * RATE
        await settle(app, pilot)
        await until(pilot, lambda: player.position > paused - 5 * RATE, "playing again")
        await pilot.press("s")
        assert listening.player is None and not playhead.display


def format_length(frames: int) -> str:
    from polytui.core.facts import format_offset

    return format_offset(frames / RATE)


async def test_seeking_stays_within_the_recording(server, tmp_path, null_device):
    app = make_app(server, tmp_path, initial_id=BOOKING_ID)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_loaded(app, pilot)
        await pilot.press("l")
        await settle(app, pilot)
        player = screen.listening.player
        await pilot.press("l", "comma")
        assert player.position == 0
        player.seek_to(player.frames - RATE)
        await pilot.press("full_stop")
        assert player.position == player.frames


async def test_the_cursor_follows_the_playhead_when_asked(server, tmp_path, samples, null_device):
    call = booking(samples)
    app = make_app(server, tmp_path, initial_id=BOOKING_ID)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_loaded(app, pilot)
        await pilot.press("l")
        await settle(app, pilot)
        await pilot.press("l")  # paused: every move below is a seek, to the frame
        player = screen.listening.player
        player.seek_to(0)
        await pilot.press("full_stop")
        assert screen.transcript.cursor == 0  # not following yet
        await pilot.press("f")
        assert "follow" in screen_text(app)
        for _ in range(4):
            await pilot.press("full_stop")
        seconds = player.position / RATE
        expected = max(i for i in range(len(call["turns"])) if start_of(call, i) <= seconds)
        assert screen.transcript.cursor == expected > 0
        await pilot.press("f", "comma", "comma", "comma", "comma")
        assert screen.transcript.cursor == expected  # stays where it was


async def test_v_plays_the_caller_then_the_agent_from_the_same_moment(
    server, tmp_path, null_device
):
    app = make_app(server, tmp_path, initial_id=BOOKING_ID)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_loaded(app, pilot)
        screen.transcript.cursor = 2
        await pilot.press("l")
        await settle(app, pilot)
        await pilot.press("l")
        player = screen.listening.player
        moment = player.position
        await pilot.press("v")
        await settle(app, pilot)
        assert screen.listening.channel == "user" and player.position == moment
        assert "caller only" in screen_text(app)
        await pilot.press("v")
        await settle(app, pilot)
        assert "agent only" in screen_text(app) and player.position == moment
        asked = [r.path for r in server.requests if "/audio" in r.path]
        assert [p.split("direction=")[1].split("&")[0] for p in asked] == [
            "combined",
            "user",
            "agent",
        ]
        folder = app.workspace.recordings
        for side in ("combined", "user", "agent"):
            assert folder.get(RecordingKey("PROJECT-demo", BOOKING_ID, side)) is not None


@pytest.mark.parametrize(
    ("cid", "sentence"),
    [
        (CHAT_ID, "This conversation is a chat: it has no recording."),
        (LIVE_ID, "This call is still in progress: its recording comes when it ends."),
    ],
)
async def test_chats_and_live_calls_say_so_in_one_sentence(
    server, tmp_path, null_device, cid, sentence
):
    app = make_app(server, tmp_path, initial_id=cid)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_loaded(app, pilot)
        await pilot.press("l")
        await settle(app, pilot)
        assert sentence in notices(app)
        assert screen.listening.player is None
        assert not any("/audio" in r.path for r in server.requests)


async def test_a_call_without_a_recording_says_the_apis_words(server, tmp_path, null_device):
    app = make_app(server, tmp_path, initial_id=BOOKING_ID)
    async with app.run_test(size=SIZE) as pilot:
        await open_loaded(app, pilot)
        server.set_fault("no_recording")
        await pilot.press("l")
        await settle(app, pilot)
        assert any("Recording not found for the given conversation" in n for n in notices(app))
        assert "Recording not found" in screen_text(app)


async def test_no_audio_device_says_where_the_recording_was_saved(server, tmp_path, monkeypatch):
    monkeypatch.setenv("POLYTUI_AUDIO_BACKEND", "none")
    app = make_app(server, tmp_path, initial_id=BOOKING_ID)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_loaded(app, pilot)
        await pilot.press("l")
        await settle(app, pilot)
        kept = app.workspace.recordings.get(RecordingKey("PROJECT-demo", BOOKING_ID))
        assert kept is not None
        sentence = f"No audio output device: saved to {kept.path} instead."
        assert sentence in notices(app)
        assert "No audio output device: saved to" in screen_text(app)
        player = screen.listening.player
        await pilot.press("full_stop")  # the playhead still moves with seeks
        assert player.position == 5 * RATE


def test_this_machine_has_no_audio_device_and_nothing_is_printed(capfd, monkeypatch):
    """Where no device exists (CI, containers, SSH) "auto" says so, and ALSA prints nothing."""
    from polytui.adapters.audio.device import open_output
    from polytui.core.errors import NoAudioDevice

    monkeypatch.setenv("POLYTUI_AUDIO_BACKEND", "auto")
    try:
        output = open_output(8000, 1, lambda n: b"")
    except NoAudioDevice as exc:
        assert exc.message == "no audio output device"
    else:
        output.close()
        pytest.skip("this machine has an audio output device")
    captured = capfd.readouterr()
    assert captured.out == "" and captured.err == ""


async def test_the_waveform_is_worked_out_off_the_event_loop(
    server, tmp_path, null_device, monkeypatch
):
    import polytui.core.wav as wav

    threads: list[str] = []
    original = wav.peaks

    def spy(*args, **kwargs):
        threads.append(threading.current_thread().name)
        return original(*args, **kwargs)

    monkeypatch.setattr(wav, "peaks", spy)
    app = make_app(server, tmp_path, initial_id=BOOKING_ID)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_loaded(app, pilot)
        await pilot.press("l")
        await settle(app, pilot)
        playhead = screen.query_one("#playhead", Playhead)
        await until(pilot, lambda: bool(playhead.state.peaks), "the peaks arrive")
        assert threads and threading.main_thread().name not in threads
        assert len(playhead.state.starts) == len(screen.loaded.conversation.turn_list)


def test_waveform_levels():
    assert waveform([], 4) == [0, 0, 0, 0]
    assert waveform([0.0, 0.0, 0.5, 1.0], 4) == [0, 0, 4, 8]
    assert waveform([0.0, 1.0] * 10, 2) == [8, 8]  # squeezed: the mean of each group
    assert len(waveform([0.2], 10)) == 10  # stretched


async def test_o_opens_the_recording_with_the_systems_player(
    server, tmp_path, null_device, monkeypatch
):
    import polytui.opener as opener

    opened: list[str] = []
    monkeypatch.setattr(opener, "open_file", lambda path: opened.append(str(path)) or "xdg-open")
    app = make_app(server, tmp_path, initial_id=BOOKING_ID)
    async with app.run_test(size=SIZE) as pilot:
        await open_loaded(app, pilot)
        await pilot.press("o")
        await settle(app, pilot)
        kept = app.workspace.recordings.get(RecordingKey("PROJECT-demo", BOOKING_ID))
        assert kept is not None and opened == [str(kept.path)]


async def test_o_without_an_opener_says_where_the_recording_is(server, tmp_path, monkeypatch):
    import polytui.opener as opener
    from polytui.core.errors import UsageError

    def no_opener(path):
        raise UsageError("No system opener (xdg-open) was found.")

    monkeypatch.setattr(opener, "open_file", no_opener)
    app = make_app(server, tmp_path, initial_id=BOOKING_ID)
    async with app.run_test(size=SIZE) as pilot:
        await open_loaded(app, pilot)
        await pilot.press("o")
        await settle(app, pilot)
        kept = app.workspace.recordings.get(RecordingKey("PROJECT-demo", BOOKING_ID))
        assert app.clipboard == str(kept.path)
        assert any(f"the recording is saved at {kept.path}" in n for n in notices(app))


async def test_o_on_a_chat_opens_the_studio_link(server, tmp_path, monkeypatch):
    import polytui.tui.screens.conversation_view as conversation_module

    opened: list[str] = []
    monkeypatch.setattr(
        conversation_module, "open_url", lambda url: opened.append(url) or "xdg-open"
    )
    app = make_app(server, tmp_path, initial_id=CHAT_ID)
    async with app.run_test(size=SIZE) as pilot:
        await open_loaded(app, pilot)
        await pilot.press("o")
        await settle(app, pilot)
        assert len(opened) == 1 and opened[0].startswith("https://studio.us.poly.ai/")
        assert opened[0].endswith(f"/conversations/{CHAT_ID}")


async def test_export_gives_the_recording_as_a_private_wav(server, tmp_path):
    import wave

    app = make_app(server, tmp_path, initial_id=BOOKING_ID)
    async with app.run_test(size=SIZE) as pilot:
        await open_loaded(app, pilot)
        await pilot.press("e")
        modal = app.screen
        assert isinstance(modal, ExportScreen)
        next(b for b in modal.query(RadioButton) if b.name == "recording").value = True
        await pilot.pause()
        box = modal.query_one("#export-path", Input)
        assert box.value.endswith(f"{BOOKING_ID}.wav")
        written = tmp_path / "call.wav"
        box.value = str(written)
        await pilot.press("enter")
        await settle(app, pilot)
        with wave.open(str(written)) as reader:
            assert reader.getframerate() == RATE
        assert stat.S_IMODE(written.stat().st_mode) == 0o600


async def test_a_chat_offers_no_recording_to_export(server, tmp_path):
    app = make_app(server, tmp_path, initial_id=CHAT_ID)
    async with app.run_test(size=SIZE) as pilot:
        await open_loaded(app, pilot)
        await pilot.press("e")
        assert not [b for b in app.screen.query(RadioButton) if b.name == "recording"]


async def test_leaving_the_call_stops_playing(server, tmp_path, null_device):
    app = make_app(server, tmp_path, initial_id=BOOKING_ID)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_loaded(app, pilot)
        await pilot.press("l")
        await settle(app, pilot)
        player = screen.listening.player
        assert player.playing
        await pilot.press("escape")
        await settle(app, pilot)
        assert not player.playing


async def test_a_kept_recording_plays_offline(server, tmp_path, null_device):
    from .test_app import make_settings

    offline = make_settings(server, tmp_path, offline=True)
    app = make_app(server, tmp_path, initial_id=BOOKING_ID)
    async with app.run_test(size=SIZE) as pilot:
        await open_loaded(app, pilot)
        await pilot.press("l")
        await settle(app, pilot)
        assert app.screen.listening.player is not None
    server.stop()  # no API at all now
    app = make_app(server, tmp_path, settings=offline, initial_id=BOOKING_ID)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_loaded(app, pilot)
        await pilot.press("l")
        await settle(app, pilot)
        player = screen.listening.player
        assert player is not None and player.playing
        await pilot.press("v")  # the caller's side was never fetched: said in one sentence
        await settle(app, pilot)
        assert any("is not kept on this computer, and --offline" in n for n in notices(app))
        assert screen.listening.channel == "combined" and player.playing  # still both sides


async def test_help_and_the_palette_list_the_listening_keys(server, tmp_path):
    from polytui.tui.screens.help import binding_rows
    from polytui.tui.screens.listening import AUDIO_BINDINGS

    app = make_app(server, tmp_path, initial_id=BOOKING_ID)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_loaded(app, pilot)
        rows = dict((description, keys) for keys, description in binding_rows(screen))
        assert [rows[b.description] for b in AUDIO_BINDINGS] == ["l", "s", ",", ".", "v", "f"]
        offered = {command.title for command in app.get_system_commands(screen)}
        assert {b.description for b in AUDIO_BINDINGS} <= offered
        assert all(b.id for b in AUDIO_BINDINGS)
