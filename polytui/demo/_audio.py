"""The demo server's audio endpoint, ``GET /v1/agents/{agentId}/conversations/{id}/audio
?direction=combined|user|agent&redacted=true|false``, and the faults only a recording has.

Answers ``audio/wav`` made by ``_recording`` from the call's payload; a chat, a live call or a
call too long to record answers 404 ``CONVERSATIONS_RECORDING_NOT_FOUND``, as PolyAI does for a
call without a recording. The server's general faults (``truncated``, ``drip``, ``slow``,
``reset``, the status codes...) apply to this endpoint as to the others.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from . import _payloads as payloads
from ._recording import recording

Answer = tuple[int, bytes, list[tuple[str, str]]]  # status, body, headers

WAV = "audio/wav"
JSON = "application/json"
NO_RECORDING = (
    "CONVERSATIONS_RECORDING_NOT_FOUND",
    "Recording not found for the given conversation.",
)
# fault name -> its options and their defaults
FAULTS: dict[str, dict[str, Any]] = {
    "no_recording": {},  # 404 CONVERSATIONS_RECORDING_NOT_FOUND, recording or not
    "not_wav": {"body": "garbage"},  # 200 audio/wav holding "garbage" or "html"
    "short_wav": {},  # a whole HTTP answer holding a WAV cut to half its promised length
}


def audio_ids(raw_path: str) -> tuple[str, str] | None:
    """(agentId, conversationId) of an audio request's path, else None."""
    parts = urlsplit(raw_path).path.split("/")
    if len(parts) != 7 or parts[0] or parts[1:3] != ["v1", "agents"]:
        return None
    if parts[4] != "conversations" or parts[6] != "audio":
        return None
    agent, conversation = unquote(parts[3]), unquote(parts[5])
    return (agent, conversation) if agent and conversation else None


def _error(status: int, code: str, message: str, cid: str) -> Answer:
    return status, payloads.envelope(status, code, message, cid), [("Content-Type", JSON)]


def answer(raw_path: str, demo: Any, cid: str) -> Answer | None:
    """The answer to an audio request (None: the path is not the audio endpoint)."""
    ids = audio_ids(raw_path)
    if ids is None:
        return None
    query = parse_qs(urlsplit(raw_path).query)
    direction = query.get("direction", ["combined"])[-1]
    redacted = query.get("redacted", ["false"])[-1].lower()
    if direction not in ("combined", "user", "agent") or redacted not in ("true", "false"):
        return _error(
            400,
            "CONVERSATIONS_VALIDATION_FAILED",
            "direction must be combined, user or agent, and redacted true or false.",
            cid,
        )
    agent, conversation = ids
    body = demo._lookup(conversation) if demo.agent in (None, agent) else None
    if body is None:
        return _error(404, "CONVERSATIONS_NOT_FOUND", "Conversation not found.", cid)
    wav = recording(body, direction, redacted == "true")
    if wav is None:
        return _error(404, *NO_RECORDING, cid)
    return 200, wav, [("Content-Type", WAV)]


def faulty(raw_path: str, demo: Any, fault: str, options: dict[str, Any], cid: str) -> Answer:
    """The answer of a fault of ``FAULTS`` (to any path: a fault is what the test asked for)."""
    if fault == "no_recording":
        return _error(404, *NO_RECORDING, cid)
    if fault == "not_wav":
        body = payloads.HTML_PAGE if options["body"] == "html" else payloads.GARBAGE
        return 200, body, [("Content-Type", WAV)]
    whole = answer(raw_path, demo, cid)
    if whole is None or whole[0] != 200:
        return whole or _error(404, "NOT_FOUND", "No such endpoint.", cid)
    status, wav, headers = whole
    return status, wav[: len(wav) // 2], headers
