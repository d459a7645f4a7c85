"""WAV recordings, read without a sound library: is this file a whole WAV, what it holds
(encoding, channels, rate, length), and the peaks of its sound for a waveform.

Standard library only, so that the command line can check and describe a recording without
loading an audio package, and the HTTP adapter can refuse a body that is not a WAV (or stops
short) before it replaces a good file.

Encodings read: PCM (8, 16, 24 and 32 bits), IEEE float (32 and 64 bits), A-law and mu-law
(the telephone codecs), in plain or WAVE_FORMAT_EXTENSIBLE headers.
"""

from __future__ import annotations

import array
import os
import struct
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

#: A data chunk whose size field holds this (or 0 with sound after it) runs to the file's end:
#: what a recorder writes when it streams before it knows the length.
_STREAMED_SIZES = (0, 0xFFFFFFFF)
_FORMATS = {1: "pcm", 3: "float", 6: "alaw", 7: "mulaw"}
_EXTENSIBLE = 0xFFFE
_MAX_CHUNKS = 1000  # a header walks at most this many chunks before the sound


class NotWav(ValueError):
    """The bytes are not a whole WAV recording polytui can read; ``reason`` says why, as the end
    of a sentence ("it ends 1,024 bytes early")."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class WavInfo:
    encoding: str  # "pcm", "float", "alaw" or "mulaw"
    channels: int
    sample_rate: int  # frames per second
    bits: int  # per sample
    block_align: int  # bytes per frame (every channel)
    data_offset: int  # where the sound starts in the file
    data_size: int  # bytes of sound

    @property
    def frames(self) -> int:
        return self.data_size // self.block_align

    @property
    def duration(self) -> float:
        """Seconds of sound."""
        return self.frames / self.sample_rate


def read_info(handle: IO[bytes], size: int) -> WavInfo:
    """The header of the WAV in ``handle`` (``size`` bytes long); NotWav when it is not one, or
    when its sound stops before the header says it ends."""
    head = handle.read(12)
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        raise NotWav(_not_riff(head))
    fmt: tuple[str, int, int, int, int] | None = None
    position = 12
    for _ in range(_MAX_CHUNKS):
        handle.seek(position)
        header = handle.read(8)
        if len(header) < 8:
            break
        name, length = header[:4], struct.unpack("<I", header[4:])[0]
        body = position + 8
        if name == b"fmt ":
            fmt = _read_fmt(handle.read(min(length, 64)))
        elif name == b"data":
            if fmt is None:
                raise NotWav("its sound comes before its format (no 'fmt ' chunk first)")
            if length in _STREAMED_SIZES:
                length = size - body
            if body + length > size:
                missing = body + length - size
                raise NotWav(f"it ends {missing:,} bytes before its header says it does")
            encoding, channels, rate, bits, align = fmt
            if length < align:
                raise NotWav("it holds no sound")
            return WavInfo(encoding, channels, rate, bits, align, body, length)
        position = body + length + (length & 1)
        if position > size:
            break
    if fmt is None:
        raise NotWav("it has no format chunk")
    raise NotWav("it has no sound (no 'data' chunk)")


def _not_riff(head: bytes) -> str:
    text = head.lstrip()[:1]
    if text == b"<":
        return "it is an HTML page, not a WAV recording"
    if text in (b"{", b"["):
        return "it is JSON, not a WAV recording"
    if not head:
        return "it is empty"
    return "it is not a WAV recording (no RIFF/WAVE header)"


def _read_fmt(data: bytes) -> tuple[str, int, int, int, int]:
    if len(data) < 16:
        raise NotWav("its format chunk is too short")
    tag, channels, rate, _byte_rate, align, bits = struct.unpack("<HHIIHH", data[:16])
    if tag == _EXTENSIBLE and len(data) >= 26:
        tag = struct.unpack("<H", data[24:26])[0]  # the first two bytes of the sub-format GUID
    encoding = _FORMATS.get(tag)
    if encoding is None:
        raise NotWav(f"its sound is in an encoding polytui does not read (format {tag})")
    widths = {"pcm": (8, 16, 24, 32), "float": (32, 64), "alaw": (8,), "mulaw": (8,)}
    if bits not in widths[encoding]:
        raise NotWav(f"its {encoding} sound has {bits}-bit samples, which polytui does not read")
    if not 1 <= channels <= 32 or not 1 <= rate <= 1_000_000:
        raise NotWav(f"its header gives {channels} channel(s) at {rate} frames a second")
    if align != channels * bits // 8:
        raise NotWav("its header's frame size does not match its channels and sample size")
    return encoding, channels, rate, bits, align


def wav_info(path: Path) -> WavInfo:
    """``read_info`` of a file (OSError when it cannot be read)."""
    with open(path, "rb") as handle:
        return read_info(handle, os.fstat(handle.fileno()).st_size)


# -- peaks ----------------------------------------------------------------------------------------

_ARRAY_CODES = {("pcm", 16): "h", ("pcm", 32): "i", ("float", 32): "f", ("float", 64): "d"}
_FULL_SCALE = {("pcm", 16): 32768.0, ("pcm", 32): 2147483648.0, ("float", 32): 1.0}


def _companded_levels(decode: Sequence[int]) -> bytes:
    """A byte table: each A-law or mu-law code to its loudness on 0-255 (for ``bytes.translate``)."""
    return bytes(min(255, round(abs(value) / 32768 * 255)) for value in decode)


def _mulaw(code: int) -> int:
    code = ~code & 0xFF
    magnitude = (((code & 0x0F) << 3) + 0x84) << ((code & 0x70) >> 4)
    return (0x84 - magnitude) if code & 0x80 else (magnitude - 0x84)


def _alaw(code: int) -> int:
    code ^= 0x55
    exponent, mantissa = (code & 0x70) >> 4, code & 0x0F
    magnitude = (
        (mantissa << 4) + 8 if exponent == 0 else ((mantissa << 4) + 0x108) << (exponent - 1)
    )
    return magnitude if code & 0x80 else -magnitude


_LEVELS = {
    "mulaw": _companded_levels([_mulaw(c) for c in range(256)]),
    "alaw": _companded_levels([_alaw(c) for c in range(256)]),
}


def _peak(block: bytes, info: WavInfo) -> float:
    """The loudest sample of ``block`` (whole samples, any channel) on a 0-1 scale."""
    kind = (info.encoding, info.bits)
    if info.encoding in _LEVELS:
        return max(block.translate(_LEVELS[info.encoding])) / 255 if block else 0.0
    if kind == ("pcm", 8):  # unsigned, silence at 128
        return max(max(block) - 128, 128 - min(block)) / 128 if block else 0.0
    if kind == ("pcm", 24):  # the high byte of each little-endian sample is enough to draw
        high = array.array("b", block[2::3])
        return max(max(high), -min(high)) / 128 if high else 0.0
    code = _ARRAY_CODES[kind]
    samples = array.array(code)
    samples.frombytes(block[: len(block) - len(block) % samples.itemsize])
    if not samples:
        return 0.0
    if sys.byteorder == "big":
        samples.byteswap()
    loudest = max(max(samples), -min(samples))
    if info.encoding == "float":
        return min(1.0, float(loudest)) if loudest == loudest else 0.0  # NaN draws as silence
    return min(1.0, loudest / _FULL_SCALE[kind])


_FRAME_CODES = {1: "B", 2: "H", 4: "I", 8: "Q"}  # a whole frame as one array item
LOOK = 512  # frames looked at in each slice, evenly spread: enough to draw, fast for an hour


def _thin(block: bytes, align: int, step: int) -> bytes:
    """Every ``step``-th frame of ``block`` (all of it when frames are of an odd size)."""
    code = _FRAME_CODES.get(align)
    if step <= 1 or code is None:
        return block
    usable = len(block) - len(block) % align
    frames: Any = memoryview(block)[:usable]  # cast() is typed for literal formats only
    thinned: bytes = frames.cast(code)[::step].tobytes()
    return thinned


def peaks(path: Path, buckets: int, info: WavInfo | None = None) -> tuple[float, ...]:
    """The loudest moment (0-1, every channel) of each of ``buckets`` equal slices of the
    recording, read a slice at a time (a long call is never all in memory), from at most
    ``LOOK`` frames of each slice: a drawing's peaks, not a meter's."""
    with open(path, "rb") as handle:
        if info is None:
            info = read_info(handle, os.fstat(handle.fileno()).st_size)
        frames = info.frames
        if buckets < 1 or frames == 0:
            return ()
        result: list[float] = []
        for index in range(buckets):
            first = frames * index // buckets
            last = frames * (index + 1) // buckets
            if last <= first:
                result.append(result[-1] if result else 0.0)
                continue
            handle.seek(info.data_offset + first * info.block_align)
            block = handle.read((last - first) * info.block_align)
            step = -(-(last - first) // LOOK)
            result.append(_peak(_thin(block, info.block_align, step), info))
    return tuple(result)
