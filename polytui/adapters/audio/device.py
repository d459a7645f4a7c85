"""A recording decoded for playing, and an output device fed from another thread.

Backends are chosen, never left to miniaudio's default order: PulseAudio then ALSA on Linux,
Core Audio on macOS, WASAPI / DirectSound / WinMM on Windows, sndio / audio(4) / OSS on the BSDs.
JACK is never tried (its library prints to the terminal when no JACK server runs), and ALSA's
own error printer is replaced by a silent one before ALSA is opened: libasound writes "ALSA lib
... cannot find card" lines straight to the process's stderr, which is the terminal Textual
draws on. ``POLYTUI_AUDIO_BACKEND`` picks instead: ``null`` (miniaudio's null device: plays in
real time to nothing; the tests use it), ``none`` (never play: as if no device existed).

Opening a device may block (a sound server's connection): call ``open_output`` off the event
loop. ``NoAudioDevice`` says, in one sentence, that nothing can play here.
"""

from __future__ import annotations

import atexit
import ctypes
import os
import sys
import threading
import weakref
from collections.abc import Callable, Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from polytui.core.errors import NoAudioDevice

BACKEND_ENV = "POLYTUI_AUDIO_BACKEND"
BUFFER_MSEC = 60  # the device asks for this much at a time: the playhead lags it at most

_silenced: list[Any] = []  # the C callbacks given to libasound, kept alive


@dataclass(frozen=True)
class Sound:
    """A recording as 16-bit little-endian interleaved frames."""

    data: bytes
    sample_rate: int
    channels: int

    @property
    def frames(self) -> int:
        return len(self.data) // (2 * self.channels)


def _miniaudio() -> Any:
    try:
        import miniaudio
    except (ImportError, OSError) as exc:  # a wheel that does not load on this machine
        raise NoAudioDevice(
            f"the sound library could not be loaded ({type(exc).__name__})"
        ) from None
    return miniaudio


def decode(path: Path) -> Sound:
    """The WAV at ``path`` decoded at its own rate and channels (blocking)."""
    from polytui.core.wav import wav_info

    miniaudio = _miniaudio()
    info = wav_info(path)
    decoded = miniaudio.decode_file(
        str(path),
        output_format=miniaudio.SampleFormat.SIGNED16,
        nchannels=info.channels,
        sample_rate=info.sample_rate,
    )
    samples = decoded.samples
    if sys.byteorder == "big":
        samples.byteswap()
    return Sound(samples.tobytes(), decoded.sample_rate, decoded.nchannels)


def _quiet_alsa() -> None:
    """Give libasound a silent error (and log) handler, once; nothing when it is not there."""
    if _silenced or not sys.platform.startswith("linux"):
        return
    try:
        library = ctypes.CDLL("libasound.so.2")
    except OSError:
        _silenced.append(None)
        return
    handler = ctypes.CFUNCTYPE(
        None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p
    )(lambda *_: None)
    library.snd_lib_error_set_handler(handler)
    _silenced.append(handler)
    log_setter = getattr(library, "snd_lib_log_set_handler", None)  # alsa-lib 1.2.13 and later
    if log_setter is not None:
        logger = ctypes.CFUNCTYPE(
            None,
            ctypes.c_int,
            ctypes.c_int,
            ctypes.c_char_p,
            ctypes.c_int,
            ctypes.c_char_p,
            ctypes.c_int,
            ctypes.c_char_p,
        )(lambda *_: None)
        log_setter(logger)
        _silenced.append(logger)


def backend_choice() -> str:
    return os.environ.get(BACKEND_ENV, "auto").strip().lower() or "auto"


def _backends(miniaudio: Any, choice: str) -> list[Any]:
    names = miniaudio.Backend
    if choice == "null":
        return [names.NULL]
    if choice == "none":
        raise NoAudioDevice("no audio output device")
    if choice != "auto":
        raise NoAudioDevice(f"no audio output device ({BACKEND_ENV} is not auto, null or none)")
    if sys.platform == "darwin":
        return [names.COREAUDIO]
    if sys.platform == "win32":
        return [names.WASAPI, names.DSOUND, names.WINMM]
    if sys.platform.startswith(("freebsd", "openbsd", "netbsd", "dragonfly")):
        return [names.SNDIO, names.AUDIO4, names.OSS]
    _quiet_alsa()
    return [names.PULSEAUDIO, names.ALSA]


class Output:
    """An open output device pulling frames from ``pull(frame_count) -> bytes`` on its own
    thread (fewer bytes than asked, or none, play as silence). ``close()`` stops it.

    Every output still open when the program ends is closed at exit: a device left for the
    interpreter's shutdown deadlocks it (its thread waits for Python, which waits for it)."""

    def __init__(self, device: Any) -> None:
        self._device = device
        self._lock = threading.Lock()
        self.backend: str = getattr(device, "backend", "")
        _open_outputs.add(self)

    def close(self) -> None:
        with self._lock:
            device, self._device = self._device, None
        _open_outputs.discard(self)
        if device is not None:
            device.close()


_open_outputs: weakref.WeakSet[Output] = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    for output in list(_open_outputs):
        output.close()


def _feeder(pull: Callable[[int], bytes]) -> Generator[bytes, int, None]:
    frames = yield b""
    while True:
        frames = yield pull(frames)


def open_output(sample_rate: int, channels: int, pull: Callable[[int], bytes]) -> Output:
    """Start a device playing what ``pull`` gives (blocking). NoAudioDevice when none opens."""
    miniaudio = _miniaudio()
    backends = _backends(miniaudio, backend_choice())
    try:
        device = miniaudio.PlaybackDevice(
            output_format=miniaudio.SampleFormat.SIGNED16,
            nchannels=channels,
            sample_rate=sample_rate,
            buffersize_msec=BUFFER_MSEC,
            backends=backends,
            app_name="polytui",
        )
    except miniaudio.MiniaudioError:
        raise NoAudioDevice("no audio output device") from None
    feeder = _feeder(pull)
    next(feeder)
    try:
        device.start(feeder)
    except miniaudio.MiniaudioError:
        device.close()
        raise NoAudioDevice("the audio output device would not start") from None
    return Output(device)
