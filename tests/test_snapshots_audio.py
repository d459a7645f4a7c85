"""The look of listening: the playhead line under the header, paused at a fixed frame (so
nothing in it depends on time), with the waveform of the whole call, the played part, each
turn's start and the selected turn's span. Regenerate with ``--snapshot-update``."""

from __future__ import annotations

from textual.pilot import Pilot

from polytui.demo._scripts import BOOKING_ID
from polytui.tui.widgets.playhead import Playhead

from .test_snapshots import WIDE, make_app, settled


async def paused_in_turn_3(pilot: Pilot) -> None:
    await settled(pilot)
    screen = pilot.app.screen
    screen.transcript.cursor = 2
    await pilot.press("l")
    await settled(pilot)
    playhead = screen.query_one("#playhead", Playhead)
    for _ in range(400):  # a hang guard, not a time limit
        if playhead.state.peaks:
            break
        await pilot.pause(0.05)
    await pilot.press("l")  # paused: the frame below stays put
    player = screen.listening.player
    player.seek_to(25 * player.sample_rate)
    await pilot.press("f")  # the cursor follows: turn 3 still holds 00:25
    pilot.app.clear_notifications()
    await pilot.pause()


def test_playhead_line_paused_in_turn_3(snap_compare, server, tmp_path, monkeypatch):
    monkeypatch.setenv("POLYTUI_AUDIO_BACKEND", "null")
    app = make_app(server, tmp_path, initial_id=BOOKING_ID)
    assert snap_compare(app, terminal_size=WIDE, run_before=paused_in_turn_3)
