"""One exception family for everything a user can cause or meet.

Each error carries a plain one-sentence message and the process exit code the CLI uses.
The CLI prints ``polytui: <message>`` on stderr; the app shows the same message in a notice.

Exit codes (documented in the README):

    0  ok
    1  anything unexpected, or a local failure (store or file could not be written)
    2  usage: bad arguments, a malformed ID or option, a bad config file
    3  not found: the API answered 404, or the call is not stored and --offline was given
    4  auth: no API key, or the API answered 401 / 403
    5  API or network failure after retries: 5xx, timeouts, refused connections, bad bodies
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

EXIT_OK = 0
EXIT_UNEXPECTED = 1
EXIT_USAGE = 2
EXIT_NOT_FOUND = 3
EXIT_AUTH = 4
EXIT_API = 5


class PolytuiError(Exception):
    """Base of every error polytui reports to a user.

    ``message`` is one plain sentence (no trailing newline, no traceback). API errors add the
    HTTP status and the ``X-PolyAI-Correlation-Id`` so support can find the request.
    """

    exit_code = EXIT_UNEXPECTED

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        correlation_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.correlation_id = correlation_id

    def __str__(self) -> str:
        text = self.message
        if self.correlation_id:
            text = f"{text} (correlation id {self.correlation_id})"
        return text


class UsageError(PolytuiError):
    exit_code = EXIT_USAGE


class ConfigError(UsageError):
    """The config file is unreadable or invalid."""


class NotFoundError(PolytuiError):
    exit_code = EXIT_NOT_FOUND


class AuthError(PolytuiError):
    exit_code = EXIT_AUTH


class ApiError(PolytuiError):
    """The API or the network failed (after retries), or answered something we cannot read."""

    exit_code = EXIT_API


class BadPayloadError(ApiError):
    """The body was not JSON, was truncated, too large, or did not match the conversation schema."""


class SearchCancelled(PolytuiError):
    """A search was stopped by whoever asked for it (a newer query, Escape)."""


class StoreError(PolytuiError):
    """The local store could not be read or written (full disk, read-only directory, ...)."""

    exit_code = EXIT_UNEXPECTED


class StoreInterrupted(StoreError):
    """A store statement stopped because a signal arrived (Ctrl+C, SIGTERM): the command is
    stopping, so this is no failure of one write to report and go on from."""


class ConflictError(PolytuiError):
    """A change crossed another one: someone changed the same thing meanwhile (a queue item
    another reviewer marked first). Nothing was written; the message says what is there now."""

    exit_code = EXIT_UNEXPECTED


class NoAudioDevice(PolytuiError):
    """Nothing can play sound here (no device, no sound server, SSH, CI); ``message`` is the
    reason in a few words ("no audio output device"), for "<reason>: saved to FILE instead"."""

    exit_code = EXIT_UNEXPECTED


@functools.lru_cache(maxsize=8)
def secret_forms(secret: str) -> tuple[str, ...]:
    """Every spelling of ``secret`` a server or a library may send back, longest first: as is,
    URL-encoded, and its base64 (standard and URL-safe) at each of the three alignments it can
    have inside a longer base64 text (``Basic`` credentials, a token wrapping the key)."""
    import base64
    from urllib.parse import quote, quote_plus

    forms = {secret, quote(secret, safe=""), quote_plus(secret)}
    raw = secret.encode("utf-8", "surrogatepass")
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + raw).decode("ascii")
        # only the characters made of the secret's own bits, whatever came before it
        first = -(-8 * offset // 6)
        last = (8 * (offset + len(raw))) // 6
        core = encoded[first:last]
        if len(core) >= 8:
            forms.update((core, core.replace("+", "-").replace("/", "_")))
    return tuple(sorted(forms, key=len, reverse=True))


Secrets = str | Iterable[str | None] | None
"""One secret, or any number of them (the API keys, a database password); None and blanks are
skipped, so a caller passes every secret it knows of whether set or not."""


def _secret_set(secrets: Secrets) -> tuple[str, ...]:
    if secrets is None:
        return ()
    values = (secrets,) if isinstance(secrets, str) else tuple(secrets)
    return tuple(sorted({s for s in values if s and len(s) >= 4}))


@functools.lru_cache(maxsize=8)
def _all_forms(secrets: tuple[str, ...]) -> tuple[str, ...]:
    """Every form of every secret, longest first: a secret inside another is replaced after
    the longer one, never in the middle of it."""
    forms = {form for secret in secrets for form in secret_forms(secret)}
    return tuple(sorted(forms, key=len, reverse=True))


def redact(text: str, secrets: Secrets) -> str:
    """``text`` with each secret replaced by ``***`` in every form ``secret_forms`` lists: for
    anything that may repeat what a server or a library was given (an API echoing the key).
    Redact before cutting a text short, so that no part of a secret survives the cut."""
    if not text:
        return text
    for form in _all_forms(_secret_set(secrets)):
        if form in text:
            text = text.replace(form, "***")
    return text


def unexpected_error(exc: BaseException, secrets: Secrets = None) -> PolytuiError:
    """One sentence for an exception that is not a PolytuiError (a bug): its type and the first
    line of its text, the secrets redacted."""
    lines = str(exc).splitlines()
    detail = f": {lines[0]}" if lines and lines[0].strip() else ""
    return PolytuiError(redact(f"unexpected error: {type(exc).__name__}{detail}", secrets))
