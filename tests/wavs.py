"""WAV files for tests, made with Python's own ``wave`` module (so the reader under test is
checked against an independent writer) or by hand for the encodings ``wave`` cannot write."""

from __future__ import annotations

import io
import math
import struct
import wave


def pcm16(
    levels: list[float], *, rate: int = 8000, seconds_each: float = 0.5, channels: int = 1
) -> bytes:
    """A 16-bit WAV: for each level (0-1) a stretch of a 440 Hz tone that loud."""
    frames = bytearray()
    per = int(rate * seconds_each)
    for level in levels:
        for n in range(per):
            value = int(level * 32767 * math.sin(2 * math.pi * 440 * n / rate))
            frames += struct.pack("<h", value) * channels
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(channels)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(bytes(frames))
    return out.getvalue()


def handmade(
    tag: int,
    bits: int,
    data: bytes,
    *,
    rate: int = 8000,
    channels: int = 1,
    data_size: int | None = None,
    extra_chunk: bytes = b"",
) -> bytes:
    """A WAV written byte by byte: any format tag, a data size that may lie, chunks before it."""
    align = channels * bits // 8
    fmt = struct.pack("<HHIIHH", tag, channels, rate, rate * align, align, bits)
    size = len(data) if data_size is None else data_size
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + extra_chunk
    body += b"data" + struct.pack("<I", size) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body
