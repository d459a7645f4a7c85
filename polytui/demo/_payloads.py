"""Bodies the demo server sends: error envelopes and the odd payloads its faults need.

The gzip bomb is built without ever holding its inflated size in memory: deflating a block of
zeros and ending it with a full flush gives a byte-aligned segment that refers to nothing before
it, so the same segment can simply be repeated; the gzip trailer's CRC-32 of ``size`` zero bytes
comes from a GF(2) matrix power instead of reading gigabytes.
"""

from __future__ import annotations

import functools
import json
import struct
import zlib
from http import HTTPStatus
from typing import Any

_CHUNK = 1 << 20  # 1 MiB of zeros per repeated deflate segment
_CRC_POLY = 0xEDB88320  # CRC-32 (reflected), as used by gzip and zlib.crc32


def envelope(status: int, code: str, message: str, correlation_id: str) -> bytes:
    """The PolyAI error envelope; ``error_id`` equals the X-PolyAI-Correlation-Id header."""
    body = {
        "success": False,
        "error": HTTPStatus(status).phrase,
        "error_id": correlation_id,
        "error_code": code,
        "error_message": message,
        "data": None,
    }
    return json.dumps(body).encode("utf-8")


def to_json_bytes(value: Any) -> bytes:
    """UTF-8 JSON; text holding lone surrogates (which UTF-8 cannot carry) is sent with
    ``\\u`` escapes (four hex digits) instead, as an API may well send them."""
    text = json.dumps(value, ensure_ascii=False)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value).encode("ascii")


HTML_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>Sign in to continue</title></head>\n"
    b"<body><h1>Network login required</h1>\n<p>Please sign in to the guest network to continue"
    b" browsing.</p>\n<form method='post' action='/login'><input name='user'>"
    b"<button>Sign in</button></form></body></html>\n"
)

GARBAGE = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR{{{ this is not JSON ]]\xff\xfe\x00"

INVALID_UTF8 = b"Caller said caf\xe9 \xff\xfe and \xc3( before hanging up"


def invalid_utf8_body(subject: dict[str, Any]) -> bytes:
    """``subject`` as JSON with a string field holding bytes that are not valid UTF-8."""
    marker = "@@polytui-invalid-utf8@@"
    body = to_json_bytes({**subject, "shortSummary": marker})
    return body.replace(marker.encode("ascii"), INVALID_UTF8)


@functools.lru_cache(maxsize=4)
def deep_json(depth: int) -> bytes:
    """``[[[...]]]`` nested ``depth`` levels (valid JSON that naive recursive parsers choke on)."""
    if depth < 1:
        raise ValueError("deep_json needs a depth of at least 1")
    return b"[" * depth + b"]" * depth


# -- gzip bomb ------------------------------------------------------------------------------------


def _apply(matrix: list[int], vector: int) -> int:
    result = 0
    index = 0
    while vector:
        if vector & 1:
            result ^= matrix[index]
        vector >>= 1
        index += 1
    return result


def _square(matrix: list[int]) -> list[int]:
    return [_apply(matrix, column) for column in matrix]


def crc32_of_zeros(count: int) -> int:
    """``zlib.crc32(bytes(count))`` for any ``count``, in O(log count) steps.

    Feeding a zero bit to the CRC register is linear over GF(2): shift right, and XOR the
    polynomial in when the bit shifted out was set. Column ``i`` of that operator is the image
    of bit ``i``; squaring the operator doubles the number of zero bits it stands for."""
    if count < 0:
        raise ValueError("count must not be negative")
    operator = [_CRC_POLY] + [1 << (i - 1) for i in range(1, 32)]  # one zero bit
    for _ in range(3):  # one zero byte = eight zero bits
        operator = _square(operator)
    register = 0xFFFFFFFF
    remaining = count
    while remaining:
        if remaining & 1:
            register = _apply(operator, register)
        remaining >>= 1
        if remaining:
            operator = _square(operator)
    return register ^ 0xFFFFFFFF


@functools.lru_cache(maxsize=4)
def gzip_bomb(size: int) -> bytes:
    """A gzip member that inflates to exactly ``size`` zero bytes (about 1 KB per MiB)."""
    if size < 0:
        raise ValueError("gzip_bomb size must not be negative")
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"  # gzip, deflate, no name, mtime 0
    whole, rest = divmod(size, _CHUNK)
    parts = [header]
    if whole:
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        segment = compressor.compress(bytes(_CHUNK)) + compressor.flush(zlib.Z_FULL_FLUSH)
        parts.append(segment * whole)
    tail = zlib.compressobj(9, zlib.DEFLATED, -15)
    parts.append(tail.compress(bytes(rest)) + tail.flush(zlib.Z_FINISH))
    parts.append(struct.pack("<II", crc32_of_zeros(size), size & 0xFFFFFFFF))
    return b"".join(parts)
