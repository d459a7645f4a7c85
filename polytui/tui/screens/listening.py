"""Listening to a call on the conversation screen: its keys, and the work behind them.

`l` plays from the selected turn (its start in the recording, ``core.facts.turn_starts``) or
pauses; `,` / `.` seek 5 s; `v` plays both sides, the caller's or the agent's recording; `f`
lets the transcript cursor follow the playhead; `s` stops. The recording is fetched once and
kept (``Workspace.recording``), decoded and its peaks worked out on threads, and the device
opened on a thread: the event loop only reads the player's position, ten times a second, and
redraws the playhead line when what it shows changes. Where no device exists, one sentence
says where the recording was saved instead; the playhead still moves with seeks.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.timer import Timer

from polytui.core.errors import NoAudioDevice, PolytuiError
from polytui.core.facts import no_recording_reason, play_from, turn_at, turn_starts
from polytui.core.ports import DIRECTIONS, Direction
from polytui.core.text import clean_line
from polytui.core.wav import NotWav
from polytui.playback import SEEK_SECONDS, Player
from polytui.tui.keys import bind
from polytui.tui.widgets.playhead import CHANNELS, Playhead

if TYPE_CHECKING:
    from polytui.core.ports import Recording
    from polytui.workspace import Workspace

    from .conversation import ConversationScreen

AUDIO_BINDINGS = [
    bind("listen", "listen", "Play / pause from the turn", show=False),
    bind("stop_audio", "stop_audio", "Stop playing", show=False),
    bind("seek_back", "seek(-1)", "Back 5 s", show=False),
    bind("seek_forward", "seek(1)", "Forward 5 s", show=False),
    bind("audio_channel", "channel", "Both sides / caller / agent", show=False),
    bind("follow_playhead", "follow", "Cursor follows the playhead", show=False),
]
AUDIO_ACTIONS = frozenset({"listen", "stop_audio", "seek", "channel", "follow"})
TICK = 0.1  # seconds between reads of the position while playing
PEAK_BUCKETS = 2048


class Listening:
    """Owned by a ConversationScreen; holds the player of its call (at most one)."""

    def __init__(self, screen: ConversationScreen) -> None:
        self.screen = screen
        self.player: Player | None = None
        self.recording: Recording | None = None
        self.channel: Direction = "combined"
        self.follow = False
        self.starts: list[float | None] = []
        self._starts_partial = False  # taken while a long call was still being read
        self._timer: Timer | None = None
        self._paused_turn: int | None = None  # the cursor's turn when playing paused
        self._heard_turn: int | None = None  # the turn at the playhead, last seen

    # -- helpers ----------------------------------------------------------------------------------

    @property
    def playhead(self) -> Playhead:
        return self.screen.query_one("#playhead", Playhead)

    def _workspace(self) -> Workspace:
        return self.screen.polytui.workspace

    def _say(self, message: str, *, problem: bool = False, timeout: float = 4) -> None:
        self.screen.notify(
            clean_line(message),
            severity="warning" if problem else "information",
            timeout=timeout,
            markup=False,
        )

    def _reason(self) -> str | None:
        loaded = self.screen.loaded
        return None if loaded is None else no_recording_reason(loaded.conversation)

    def _run(self, work: Any) -> None:
        self.screen.run_worker(work, group="audio", exclusive=True, exit_on_error=False)

    # -- keys -------------------------------------------------------------------------------------

    def listen(self) -> None:
        """Play from the selected turn, pause, or carry on from where it paused."""
        reason = self._reason()
        if reason:
            self._say(reason)
            return
        cursor = self.screen.transcript.cursor
        player = self.player
        if player is not None and player.playing:
            player.pause()
            self._paused_turn = cursor
            self._refresh()
            return
        resume = player is not None and not player.ended and cursor == self._paused_turn
        self._run(self._play(None if resume else cursor))

    def stop(self) -> None:
        self._let_go()
        self.playhead.display = False

    def _let_go(self) -> None:
        """Stop playing; the device closes on a thread of its own."""
        player, self.player = self.player, None
        self._stop_ticking()
        self._paused_turn = None
        if player is not None:
            threading.Thread(target=player.close, name="polytui-audio-close", daemon=True).start()

    def seek(self, direction: int) -> None:
        player = self.player
        if player is None:
            return
        player.seek(direction * SEEK_SECONDS)
        self._refresh(moved=True)

    def cycle_channel(self) -> None:
        if self._reason():
            self._say(self._reason() or "")
            return
        wanted = DIRECTIONS[(DIRECTIONS.index(self.channel) + 1) % len(DIRECTIONS)]
        if self.player is None:
            self.channel = wanted
            self._say(f"Plays {CHANNELS[wanted]} (l to play).", timeout=3)
            return
        self._run(self._swap(wanted))  # the channel changes once its recording is there

    def toggle_follow(self) -> None:
        self.follow = not self.follow
        if self.player is not None:
            self.playhead.show(follow=self.follow)
            self._refresh(moved=True)
        words = "follows the playhead" if self.follow else "stays where you put it"
        self._say(f"The cursor {words}.", timeout=3)

    def cursor_moved(self) -> None:
        if self.player is not None:
            self.playhead.show(current=self._span(self.screen.transcript.cursor))

    def close(self) -> None:
        """The screen goes (its widgets already gone): stop playing."""
        self._let_go()

    def open_recording(self, fallback: Any) -> None:
        """`o`: the recording with the system's player (fetched first when not kept); the
        Studio link (``fallback``) for a call without one."""
        if self._reason():
            fallback()
            return
        self._run(self._open(fallback))

    async def _open(self, fallback: Any) -> None:
        from polytui.opener import open_file

        loaded = self.screen.loaded
        assert loaded is not None
        self._say("Getting the recording…", timeout=2)
        try:
            recording, _ = await self._workspace().recording(
                loaded.conversation_id, agent=loaded.agent, direction=self.channel
            )
        except PolytuiError as exc:
            self._say(str(exc), problem=True, timeout=6)
            fallback()
            return
        try:
            opener = await asyncio.to_thread(open_file, recording.path)
        except (PolytuiError, OSError) as exc:
            self.screen.app.copy_to_clipboard(str(recording.path))
            reason = exc.message if isinstance(exc, PolytuiError) else str(exc)
            self._say(
                f"{reason.rstrip('.')}: the recording is saved at {recording.path} (path copied).",
                problem=True,
                timeout=10,
            )
            return
        self._say(f"Opening the recording with {opener}: {recording.path}", timeout=4)

    # -- work off the event loop ------------------------------------------------------------------

    async def _play(self, turn: int | None) -> None:
        """Start (or resume, ``turn`` None) playing; fetch, decode and open what is missing."""
        loaded = self.screen.loaded
        if loaded is None:
            return
        playhead = self.playhead
        playhead.display = True
        try:
            if self.player is None:
                playhead.show(status="Getting the recording…", status_is_problem=False)
                await self._load(loaded.conversation_id, loaded.agent)
            player = self.player
            assert player is not None and self.recording is not None
            at = None
            if turn is not None:
                at = round(play_from(self.starts, turn) * player.sample_rate)
                self._paused_turn = None
            await asyncio.to_thread(player.play, at)
        except NoAudioDevice as exc:
            where = self.recording.path if self.recording is not None else None
            sentence = f"{exc.message[:1].upper()}{exc.message[1:]}"
            sentence += f": saved to {where} instead." if where else "."
            playhead.show(status=sentence, status_is_problem=True)
            self._say(sentence, problem=True, timeout=10)
            self._refresh(moved=True)
            return
        except (PolytuiError, NotWav, OSError) as exc:
            self._failed(exc)
            return
        playhead.show(status="", status_is_problem=False)
        self._refresh(moved=True)
        self._start_ticking()

    def _failed(self, exc: Exception) -> None:
        """One sentence on the playhead line and in a notice."""
        if isinstance(exc, PolytuiError):
            sentence = str(exc)
        elif isinstance(exc, NotWav):
            sentence = f"The recording could not be played: {exc.reason}."
        else:
            sentence = f"The recording could not be read: {exc}."
        self.playhead.show(status=sentence, status_is_problem=True)
        self._say(sentence, problem=True, timeout=8)

    async def turns_read(self) -> None:
        """A long call's turns are all read: its turn starts again, if taken before."""
        loaded = self.screen.loaded
        if self._starts_partial and loaded is not None:
            self._starts_partial = False
            self.starts = await asyncio.to_thread(turn_starts, loaded.conversation)

    async def _load(
        self, conversation_id: str, agent: str, direction: Direction | None = None
    ) -> None:
        workspace = self._workspace()
        recording, _ = await workspace.recording(
            conversation_id, agent=agent, direction=direction or self.channel
        )
        if self.player is None:
            self.recording = recording  # where it is, even if nothing can play it
        sound = await workspace.sound(recording.path)
        loaded = self.screen.loaded
        assert loaded is not None
        if not self.starts or self._starts_partial:
            self._starts_partial = loaded.conversation.reading
            self.starts = await asyncio.to_thread(turn_starts, loaded.conversation)
        self.recording = recording
        if self.player is None:
            self.player = Player(sound)
        else:
            await asyncio.to_thread(self.player.swap, sound)
        self.playhead.show(
            length=self.player.length,
            channel=direction or self.channel,
            follow=self.follow,
            starts=tuple(s for s in self.starts if s is not None),
            current=self._span(self.screen.transcript.cursor),
        )
        self.screen.run_worker(self._draw_peaks(recording.path), group="peaks", exclusive=True)

    async def _swap(self, direction: Direction) -> None:
        loaded = self.screen.loaded
        if loaded is None or self.player is None:
            return
        self.playhead.show(status=f"Getting the recording of {CHANNELS[direction]}…")
        try:
            await self._load(loaded.conversation_id, loaded.agent, direction)
        except (PolytuiError, NotWav, OSError) as exc:
            self._failed(exc)
            return
        self.channel = direction
        self.playhead.show(status="", channel=direction)
        self._refresh(moved=True)
        if self.player is not None and self.player.playing:
            self._start_ticking()

    async def _draw_peaks(self, path: Path) -> None:
        try:
            peaks = await self._workspace().peaks(path, PEAK_BUCKETS)
        except (OSError, ValueError):
            return  # the line shows without its waveform
        self.playhead.show(peaks=peaks)

    # -- the playhead -----------------------------------------------------------------------------

    def _span(self, index: int) -> tuple[float, float] | None:
        if not self.starts or not 0 <= index < len(self.starts) or self.player is None:
            return None
        begin = play_from(self.starts, index)
        later = [s for s in self.starts[index + 1 :] if s is not None and s > begin]
        return begin, later[0] if later else self.player.length

    def _start_ticking(self) -> None:
        if self._timer is None:
            self._timer = self.screen.set_interval(TICK, self._refresh)

    def _stop_ticking(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _refresh(self, *, moved: bool = False) -> None:
        """Show where the player is; with follow on, the cursor goes to the turn heard when
        that turn changes (or after a seek), so keys can still move it in between."""
        player = self.player
        if player is None:
            self._stop_ticking()
            return
        seconds, playing = player.seconds, player.playing
        self.playhead.show(position=seconds, playing=playing)
        if not playing:
            self._stop_ticking()
        if self.follow:
            heard = turn_at(self.starts, seconds)
            if heard is not None and (moved or heard != self._heard_turn):
                transcript = self.screen.transcript
                if transcript.cursor != heard:
                    transcript.cursor = heard
            self._heard_turn = heard
