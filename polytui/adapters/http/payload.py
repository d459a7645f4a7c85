"""JSON read from the API's answer: UTF-8, or the encoding its byte-order mark, first bytes or
declared charset say; not HTML, at most ``MAX_JSON_DEPTH`` levels deep, not an error envelope,
the keys redacted from its text (``read_json``); and the conversation asked for in it
(``read_conversation``). The client and the listing use these."""

from __future__ import annotations

import json
from typing import Any

from polytui.core import jsontext
from polytui.core.errors import ApiError, BadPayloadError, Secrets, redact
from polytui.core.models import Conversation
from polytui.core.ports import Fetched

from .wire import Reply, body_encoding, error_envelope, short_text, status_phrase, too_deep

MAX_JSON_DEPTH = 200  # refused deeper: json.dumps (exports) stops at the recursion limit


def read_conversation(reply: Reply, host: str, secrets: Secrets, cid: str) -> Fetched:
    """The conversation ``cid`` in a 2xx ``reply`` from ``host``; BadPayloadError (or the
    API's own error) with one sentence otherwise. No secret reaches the text kept."""
    fetched = _parse(reply, host, secrets)
    got = fetched.conversation.conversation_id
    if got != cid:
        # An answer about another call can neither pass for ``cid`` nor replace its copy.
        raise BadPayloadError(
            f"The API at {host} answered the request for conversation "
            f"{short_text(cid, 100)} with another conversation ({short_text(got, 100)}); "
            "nothing was stored.",
            status=reply.status,
            correlation_id=reply.correlation_id,
        )
    return fetched


def _parse(reply: Reply, host: str, secrets: Secrets) -> Fetched:
    data, text = read_json(reply, host, secrets, "a conversation")
    try:
        conversation = Conversation.from_data(data)
    except BadPayloadError as exc:
        raise BadPayloadError(
            exc.message, status=reply.status, correlation_id=reply.correlation_id
        ) from None
    return Fetched(conversation, text, reply.correlation_id, host)


def read_json(reply: Reply, host: str, secrets: Secrets, what: str) -> tuple[Any, str]:
    """The JSON of a 2xx ``reply`` and its text, every one of ``secrets`` redacted (an API
    that echoes a key must not get it stored or exported); BadPayloadError, or the API's own
    error sent with a 2xx, with one sentence for a body that is not ``what`` in JSON."""
    kw: dict[str, Any] = {"status": reply.status, "correlation_id": reply.correlation_id}
    said = f"The API at {host} answered {status_phrase(reply.status)} with"
    encoding = body_encoding(reply.body, reply.headers.get("content-type", ""))
    try:
        text = reply.body.decode(encoding).removeprefix("\ufeff")
    except UnicodeDecodeError:
        if reply.body.lstrip()[:1] in (b"{", b"["):
            shown = "UTF-8" if encoding == "utf-8" else encoding
            raise BadPayloadError(f"{said} JSON that is not valid {shown} text.", **kw) from None
        raise BadPayloadError(f"{said} a body that is not JSON (binary data).", **kw) from None
    if not text.strip():
        raise BadPayloadError(f"{said} an empty body instead of {what}.", **kw)
    text = redact(text, secrets)
    if "html" in reply.headers.get("content-type", "").lower() or text.lstrip()[:1] == "<":
        raise BadPayloadError(
            f"{said} an HTML page instead of JSON; a proxy or login page may be in the way.",
            **kw,
        )
    try:
        data = jsontext.loads(text)
    except RecursionError:
        raise BadPayloadError(f"{said} JSON nested too deeply to read.", **kw) from None
    except ValueError as exc:
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "unreadable"
        raise BadPayloadError(f"{said} a body that is not JSON ({reason}).", **kw) from None
    if too_deep(data, MAX_JSON_DEPTH):
        raise BadPayloadError(f"{said} JSON nested over {MAX_JSON_DEPTH} levels deep.", **kw)
    if isinstance(data, dict) and data.get("success") is False:
        message, error_id = error_envelope(reply.body, secrets)
        raise ApiError(
            f"{said} an error{': ' + message if message else ''}.",
            status=reply.status,
            correlation_id=reply.correlation_id or error_id,
        )
    return data, text
