"""Pieces of the HTTP client that need no connection: bounded content decoding, Retry-After,
the PolyAI error envelope, JSON depth, and the short cleaned text used in messages.

Only ``polytui.adapters.http.client`` uses these; they live apart to keep that module readable.
"""

from __future__ import annotations

import codecs
import json
import math
import socket
import ssl
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

import httpx

from polytui.core.errors import (
    ApiError,
    AuthError,
    NotFoundError,
    PolytuiError,
    Secrets,
    UsageError,
    redact,
)
from polytui.core.text import clean_short

API_TEXT_LIMIT = 200
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class Reply:
    """An answer as read: its status, headers and body (empty when it went to a file), and
    the host that sent it (as messages name it)."""

    status: int
    headers: httpx.Headers
    body: bytes
    correlation_id: str | None
    host: str = ""


@dataclass(frozen=True)
class Refusals:
    """What a refusal means for one kind of request: a sentence for 400, 403 and 404, each
    given how the status was said (``(HTTP 404 (Not Found)): <the API's message>``), and the
    settings that hold the key (named on 401)."""

    invalid: Callable[[str], str]
    forbidden: Callable[[str], str]
    not_found: Callable[[str], str]
    key_names: str = "POLYAI_API_KEY"


def refusal(
    reply: Reply, refusals: Refusals, secrets: Secrets, retry_after_cap: float
) -> PolytuiError | Retry:
    """The error a non-2xx ``reply`` means (a ``Retry`` when worth another attempt), with the
    API's message and the correlation id (the header's, else the envelope's ``error_id``)."""
    status, host = reply.status, reply.host
    message, error_id = error_envelope(reply.body, secrets)
    correlation = reply.correlation_id or error_id
    kw: dict[str, Any] = {"status": status, "correlation_id": correlation}
    said = f"({status_phrase(status)}){': ' + message if message else ''}"
    if status == 400:
        return UsageError(refusals.invalid(said), **kw)
    if status == 401:
        return AuthError(
            f"The API at {host} refused the API key {said}; check {refusals.key_names}, "
            "and note that a key from another region also gets 401.",
            **kw,
        )
    if status == 403:
        return AuthError(refusals.forbidden(said), **kw)
    if status == 404:
        return NotFoundError(refusals.not_found(said), **kw)
    if status in RETRY_STATUSES:
        wait = None
        if status in (429, 503):
            wait = retry_after_seconds(reply.headers.get("retry-after"), retry_after_cap)
        again = Reply(status, reply.headers, reply.body, correlation, host)
        return Retry(f"HTTP {status}", f"The API at {host} answered {said}", again, wait)
    return ApiError(f"The API at {host} answered {said}.", **kw)


class Retry(Exception):
    """A failure worth another attempt; ``message`` (no full stop) is reported once they run out."""

    def __init__(
        self, label: str, message: str, reply: Reply | None = None, wait: float | None = None
    ) -> None:
        super().__init__(label)
        self.label, self.message, self.reply, self.wait = label, message, reply, wait


def transport_failure(exc: httpx.HTTPError, host: str, timeout: float) -> PolytuiError | Retry:
    """What an httpx failure means: a usage or TLS error, or a ``Retry``."""
    if isinstance(exc, httpx.UnsupportedProtocol):
        return UsageError(f"The base URL for {host} is not an http(s) URL.")
    if isinstance(exc, httpx.ConnectTimeout):
        return Retry("connect timeout", f"Could not connect to {host} in time")
    if isinstance(exc, httpx.TimeoutException):
        return Retry("timeout", f"{host} did not answer within {timeout:g} s")
    causes = list(exception_chain(exc))
    if any(isinstance(c, ssl.SSLCertVerificationError) for c in causes):
        return ApiError(f"The TLS certificate of {host} could not be verified.")
    if isinstance(exc, httpx.ConnectError):
        if any(isinstance(c, socket.gaierror) for c in causes):
            return Retry("host name lookup failed", f"Could not look up the host {host}")
        if any(isinstance(c, ConnectionRefusedError) for c in causes) or "refused" in str(exc):
            return Retry("connection refused", f"{host} refused the connection")
        return Retry("connection failed", f"Could not connect to {host}")
    if isinstance(exc, httpx.LocalProtocolError):
        reason = short_text(exc, 100)
        return ApiError(f"polytui could not send the request to {host} ({reason}).")
    if isinstance(exc, httpx.RemoteProtocolError) and not cut_short(str(exc)):
        # Not a connection that broke (worth another try) but an answer that breaks HTTP:
        # the same server sends it again, so it is named at once, not retried.
        return not_http(host, str(exc))
    return Retry(
        "broken connection", f"The connection to {host} broke before the answer was complete"
    )


def short_text(value: object, limit: int = API_TEXT_LIMIT) -> str:
    return clean_short(value, limit)


def retry_after_seconds(value: str | None, cap: float) -> float | None:
    """``Retry-After`` as seconds from now (delta-seconds or HTTP-date), clamped to [0, cap]."""
    text = (value or "").strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    return min(max(seconds, 0.0), cap) if math.isfinite(seconds) else None


def too_deep(data: Any, limit: int) -> bool:
    """True when ``data`` nests containers more than ``limit`` levels (iterative: no recursion)."""
    stack: list[tuple[Any, int]] = [(data, 1)] if isinstance(data, dict | list) else []
    while stack:
        value, depth = stack.pop()
        if depth > limit:
            return True
        children = value.values() if isinstance(value, dict) else value
        stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))
    return False


def exception_chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo = [exc]
    while todo:
        item = todo.pop()
        if id(item) not in seen:
            seen.add(id(item))
            yield item
            todo.extend(e for e in (item.__cause__, item.__context__) if e is not None)
            if isinstance(item, BaseExceptionGroup):
                todo.extend(item.exceptions)


def error_envelope(body: bytes, secrets: Secrets = None) -> tuple[str | None, str | None]:
    """(error_message, error_id) from a JSON error envelope; (None, None) for anything else.
    ``secrets`` (the API keys) are redacted before the text is shortened, so not even a part of
    one survives when the API echoes it."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError):
        return None, None
    if not isinstance(data, dict):
        return None, None
    message = data.get("error_message")
    if not isinstance(message, str) or not message.strip():
        message = data.get("error") if isinstance(data.get("error"), str) else None
    error_id = data.get("error_id")
    text = short_text(redact(message, secrets)).rstrip(".") if message else ""
    ident = (
        short_text(redact(str(error_id), secrets), 100) if isinstance(error_id, str | int) else ""
    )
    return text or None, ident or None


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16's: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def body_encoding(body: bytes, content_type: str) -> str:
    """The encoding of a JSON body: its byte-order mark, else the ``charset`` the server
    declared (a text encoding Python knows), else what its first bytes show (UTF-16 and
    UTF-32 JSON begin with zero bytes), else UTF-8."""
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name
    for param in content_type.split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            try:
                info = codecs.lookup(value.strip().strip('"'))
            except LookupError:
                break
            if info._is_text_encoding:  # not base64, rot13 and the other bytes codecs
                return info.name
            break
    return json.detect_encoding(body[:4]) if body[:4].count(0) else "utf-8"


def cut_short(error_text: str) -> bool:
    """An httpx RemoteProtocolError's text says the connection ended before the answer was
    whole (worth another try), rather than that the answer broke HTTP (h11's wording)."""
    text = error_text.lower()
    return "disconnected" in text or "peer closed connection" in text


def not_http(host: str, error_text: str) -> ApiError:
    """One sentence for an answer that breaks HTTP, from the RemoteProtocolError's text."""
    lowered = error_text.lower()
    if "receive buffer too long" in lowered:
        return ApiError(f"{host} answered with headers too large to read (over 100 KiB).")
    if "location header" in lowered:
        return ApiError(f"The API at {host} redirected to an invalid address.")
    # h11 names the fault, then quotes the bytes: only the name (the bytes may be anything)
    reason = short_text(error_text.partition(":")[0], 60) or "malformed"
    return ApiError(f"{host} answered with something that is not valid HTTP ({reason}).")


def status_phrase(status: int) -> str:
    try:
        return f"HTTP {status} ({HTTPStatus(status).phrase})"
    except ValueError:
        return f"HTTP {status}"


def size_text(limit: int) -> str:
    for unit, factor in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if limit >= factor and limit % factor == 0:
            return f"{limit // factor} {unit}"
    return f"{limit} bytes"


GZIP_MAGIC = b"\x1f\x8b"


class Inflater:
    """Content-Encoding decoding with bounded output per step, so a gzip bomb never inflates
    more than the cap in memory (httpx's own decoder hands out ~1000x each 64 KiB read).

    A gzip body may be several members one after another (RFC 1952; what a server flushing
    as it goes sends): each is decoded in turn. Bytes after the last member that do not begin
    another are ignored, as httpx does."""

    def __init__(self, encoding: str) -> None:
        name = encoding.strip().lower()
        if name not in ("", "identity", "gzip", "x-gzip", "deflate"):
            raise ValueError(name)
        self._plain = name in ("", "identity")
        self._deflate = name == "deflate"
        self._zlib = self._new()
        self._started = False
        self._between = b""  # after a gzip member: the bytes that may begin the next one
        self._ended = False  # the stream is over; anything more is ignored

    def _new(self) -> Any:
        return zlib.decompressobj(zlib.MAX_WBITS if self._deflate else 16 + zlib.MAX_WBITS)

    def step(self, data: bytes, room: int) -> tuple[bytes, bytes]:
        """At most ``room`` (>= 1) decoded bytes from ``data``, and the input left over."""
        if self._plain:
            return data[:room], data[room:]
        if self._ended:
            return b"", b""
        if self._zlib.eof:  # a gzip member ended: does another begin?
            self._between += data
            if len(self._between) < len(GZIP_MAGIC):
                return b"", b""  # too few bytes to tell yet
            data, self._between = self._between, b""
            if not data.startswith(GZIP_MAGIC):
                self._ended = True
                return b"", b""
            self._zlib = self._new()
        try:
            out = self._zlib.decompress(data, room)
        except zlib.error:
            if not (self._deflate and not self._started):
                raise
            self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)  # raw deflate, no zlib header
            out = self._zlib.decompress(data, room)
        self._started = True
        if self._zlib.eof:
            if self._deflate:
                self._ended = True
                return out, b""
            return out, self._zlib.unused_data  # perhaps the next member
        return out, self._zlib.unconsumed_tail

    @property
    def complete(self) -> bool:
        return self._plain or self._zlib.eof


def is_loopback(url: str) -> bool:
    """True when ``url``'s host is this machine (localhost, 127.0.0.0/8, ::1)."""
    import ipaddress

    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def without_key(error: PolytuiError, secrets: Secrets) -> PolytuiError:
    """``error`` with the secrets taken out of its message and correlation id (an API may echo
    the key it was sent, e.g. "Invalid API key '...'"); the same object when none is there."""
    message = redact(error.message, secrets)
    correlation = redact(error.correlation_id, secrets) if error.correlation_id else None
    if message == error.message and correlation == error.correlation_id:
        return error
    return type(error)(message, status=error.status, correlation_id=correlation)
