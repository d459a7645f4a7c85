"""Playing a recording: where it is (in frames), play, pause, seek, another channel, stop.

``Player`` is driven from the app's event loop and fed from the output device's own thread;
every method is safe from either. ``position`` is the frame handed to the device last (what is
heard lags it by the device's buffer, ``BUFFER_MSEC``), so playing, pausing and seeking move it
by exact numbers of frames, whatever the wall clock says.

Decoding a recording and opening a device block (a long call, a sound server): ``load`` and
``Player.play`` are for a worker thread, never for the event loop. Nothing here imports Textual;
the sound library is imported only when something is decoded or played.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from .core.wav import NotWav

if TYPE_CHECKING:
    from .adapters.audio.device import Sound

SEEK_SECONDS = 5.0
PULL_PATIENCE = 0.05  # seconds the device's thread waits for the lock before playing silence


class Output(Protocol):
    def close(self) -> None: ...


#: ``opener(sample_rate, channels, pull) -> Output``: starts a device pulling frames.
Opener = Callable[[int, int, Callable[[int], bytes]], Output]


def load(path: Path) -> Sound:
    """The recording at ``path``, decoded (blocking). NotWav / OSError when it cannot be."""
    from .adapters.audio.device import decode

    try:
        return decode(path)
    except NotWav:
        raise
    except Exception as exc:  # the sound library's own decoding error
        raise NotWav(f"it could not be decoded ({type(exc).__name__})") from None


def _default_opener(rate: int, channels: int, pull: Callable[[int], bytes]) -> Output:
    from .adapters.audio.device import open_output

    return open_output(rate, channels, pull)


class Player:
    """One recording on one output device (opened at the first ``play``)."""

    def __init__(self, sound: Sound, *, opener: Opener | None = None) -> None:
        self._sound = sound
        self._opener = opener or _default_opener
        # Re-entrant: a signal (Ctrl+C, SIGTERM) raised between a lock's acquire and its
        # ``with`` block leaves it held by this thread, and ``close`` must still get through.
        self._lock = threading.RLock()
        self._position = 0
        self._playing = False
        self._output: Output | None = None
        self._format = (sound.sample_rate, sound.channels)

    # -- what the playhead shows ------------------------------------------------------------------

    @property
    def sample_rate(self) -> int:
        return self._sound.sample_rate

    @property
    def frames(self) -> int:
        """The recording's length in frames."""
        return self._sound.frames

    @property
    def position(self) -> int:
        with self._lock:
            return self._position

    @property
    def seconds(self) -> float:
        return self.position / self.sample_rate

    @property
    def length(self) -> float:
        """The recording's length in seconds."""
        return self.frames / self.sample_rate

    @property
    def playing(self) -> bool:
        with self._lock:
            return self._playing

    @property
    def ended(self) -> bool:
        with self._lock:
            return not self._playing and self._position >= self._sound.frames

    # -- control ----------------------------------------------------------------------------------

    def play(self, at_frame: int | None = None) -> None:
        """Play from ``at_frame`` (None: where it is). Opens the device the first time
        (blocking; NoAudioDevice when none opens, and the position still moves there)."""
        with self._lock:
            if at_frame is not None:
                self._position = self._clamp(at_frame)
            if self._position >= self._sound.frames:
                self._position = 0  # played to the end: again from the start
            need_device = self._output is None
        if need_device:
            output = self._opener(self._format[0], self._format[1], self._pull)
            with self._lock:
                self._output = output
        with self._lock:
            self._playing = True

    def pause(self) -> None:
        with self._lock:
            self._playing = False

    def seek(self, seconds: float) -> int:
        """Move by ``seconds`` (back when negative), within the recording; the new position."""
        with self._lock:
            self._position = self._clamp(self._position + round(seconds * self._sound.sample_rate))
            return self._position

    def seek_to(self, frame: int) -> int:
        with self._lock:
            self._position = self._clamp(frame)
            return self._position

    def swap(self, sound: Sound) -> None:
        """Play ``sound`` (another channel of the same call) from the same moment on. A
        different format closes the device: the next ``play`` opens one for it."""
        with self._lock:
            moment = self._position / self._sound.sample_rate
            self._sound = sound
            self._position = self._clamp(round(moment * sound.sample_rate))
            reopen = (sound.sample_rate, sound.channels) != self._format
            self._format = (sound.sample_rate, sound.channels)
            output, playing = (self._output, self._playing) if reopen else (None, False)
            if reopen:
                self._output, self._playing = None, False
        if output is not None:
            output.close()
        if playing:
            self.play()

    def close(self) -> None:
        """Stop and let the device go (blocking for a moment: off the event loop)."""
        with self._lock:
            self._playing = False
            output, self._output = self._output, None
        if output is not None:
            output.close()

    # -- the device's thread ----------------------------------------------------------------------

    def _clamp(self, frame: int) -> int:
        return max(0, min(int(frame), self._sound.frames))

    def _pull(self, count: int) -> bytes:
        """The next ``count`` frames (fewer at the end, none while paused: silence). Never
        waits long for the lock: the device's thread must return for the device to close."""
        if not self._lock.acquire(timeout=PULL_PATIENCE):
            return b""
        try:
            if not self._playing:
                return b""
            width = 2 * self._sound.channels
            start = self._position
            end = min(self._sound.frames, start + count)
            self._position = end
            if end >= self._sound.frames:
                self._playing = False
            return self._sound.data[start * width : end * width]
        finally:
            self._lock.release()
