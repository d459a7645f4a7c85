"""The demo server's two list endpoints, over the calls it serves:

- v3: ``GET /v3/{account}/{project}/conversations`` answering ``{"conversations": [snake_case
  summaries], "cursor": str|null}`` (``next_offset`` when asked with ``offset``);
- the older Data API: ``GET /v1/agents/{agent}/conversations?limit=&offset=`` answering
  ``{"conversations": [camelCase summaries], "count", "limit", "offset"}`` (no filters).

Filters are applied honestly: ``start_time`` (inclusive) and ``end_time`` (exclusive) on the
start, ``client_env`` (default ``live``), ``channel`` (repeatable; case-insensitive, and
``voice`` also matches ``VOICE-SIP``), ``variant_id`` / ``variant_name`` (a name is the
variant ID without ``VARIANT-``), ``in_progress``, ``query_type=transcript`` (every word of
``query`` in one turn; ``turn_type`` user or agent), ``query_type=semantic`` (any word), and
``sample=random`` (``limit`` calls drawn at random). Calls come newest first. The cursor is
opaque and honest: it names the last call sent and the filters it was made for, so a page asked
with other filters than the first (or a cursor that is not one) gets a 400.

Quirks for tests, by page number (``DemoServer.list_quirks``, e.g. ``{2: "rate_limit"}``):
``rate_limit`` (429 with Retry-After the first time that page is asked), ``offset`` (the page
answers ``next_offset`` instead of a cursor), ``empty`` (no calls, but a cursor to the same
place), ``missing_fields`` (summaries with little more than their ID), ``camel`` (camelCase
summaries on the v3 list), ``no_id`` (one more summary without an ID), ``bad_cursor`` (the
page's cursor is not one: the next page is refused with a 400).
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from . import _payloads as payloads

JSON = "application/json"
Answer = tuple[int, bytes, list[tuple[str, str]]]
MAX_LIMIT = 1000
ENVIRONMENTS = ("sandbox", "pre-release", "live")
QUIRKS = ("rate_limit", "offset", "empty", "missing_fields", "camel", "no_id", "bad_cursor")
_CAMEL_DROP = ("turns", "metrics", "functionEvents")


def _when(text: Any) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def summary_of(call: dict[str, Any]) -> dict[str, Any]:
    """The v3 list's snake_case summary of a served call (``turns`` empty: the project does
    not show transcripts), with what filtering needs kept aside under ``_``."""
    turns = [t for t in call.get("turns") or [] if isinstance(t, dict)]
    variant = call.get("variantId")
    name = variant.removeprefix("VARIANT-") if isinstance(variant, str) else None
    summary: dict[str, Any] = {
        "id": call.get("conversationId"),
        "account_id": call.get("accountId"),
        "project_id": call.get("projectId"),
        "variant_id": variant,
        "variant_name": name,
        "environment": call.get("clientEnv") or "live",
        "started_at": call.get("startedAt"),
        "channel": call.get("channel"),
        "from_number": call.get("fromNumber"),
        "to_number": call.get("toNumber"),
        "in_progress": bool(call.get("inProgress")),
        "num_turns": len(turns),
        "total_duration": call.get("totalDuration"),
        "polyai_duration": call.get("polyaiDuration"),
        "handoff": call.get("handoff"),
        "handoff_reason": call.get("handoffReason"),
        "handoff_destination": call.get("handoffDestination"),
        "num_silences": sum(1 for t in turns if t.get("is_silence") is True),
        "num_ood": sum(1 for t in turns if t.get("is_ood") is True),
        "metrics": call.get("metrics") if isinstance(call.get("metrics"), dict) else {},
        "state": {},
        "turns": [],
    }
    camel = {k: v for k, v in call.items() if k not in _CAMEL_DROP}
    said = [
        (str(t.get("user_input") or "").lower(), str(t.get("agent_response") or "").lower())
        for t in turns
    ]
    start = _when(call.get("startedAt"))
    return {**summary, "_": {"camel": camel, "said": said, "start": start}}


def _public(summary: dict[str, Any], camel: bool) -> dict[str, Any]:
    if camel:
        return dict(summary["_"]["camel"])
    return {k: v for k, v in summary.items() if k != "_"}


class _Refused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def _one(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[-1] if values else None


def _whole(query: dict[str, list[str]], name: str, default: int, low: int, high: int) -> int:
    text = _one(query, name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise _Refused(
            "CONVERSATIONS_VALIDATION_FAILED", f"{name} must be a whole number."
        ) from None
    if not low <= value <= high:
        raise _Refused("CONVERSATIONS_VALIDATION_FAILED", f"{name} must be {low} to {high}.")
    return value


def _moment(query: dict[str, list[str]], name: str) -> datetime | None:
    text = _one(query, name)
    if text is None:
        return None
    moment = _when(text)
    if moment is None:
        raise _Refused("CONVERSATIONS_VALIDATION_FAILED", f"{name} is not an ISO 8601 date-time.")
    return moment


def _flag(query: dict[str, list[str]], name: str) -> bool | None:
    text = _one(query, name)
    if text is None:
        return None
    if text.lower() not in ("true", "false"):
        raise _Refused("CONVERSATIONS_VALIDATION_FAILED", f"{name} must be true or false.")
    return text.lower() == "true"


def _channel_matches(wanted: list[str], channel: Any) -> bool:
    if not wanted:
        return True
    text = str(channel or "").lower()
    return any(w.lower() in (text, text.split("-")[0]) for w in wanted)


def _said(summary: dict[str, Any], words: list[str], turn: str | None, every: bool) -> bool:
    check = all if every else any
    for user, agent in summary["_"]["said"]:
        text = user if turn == "user" else agent if turn == "agent" else f"{user} {agent}"
        if words and check(word in text for word in words):
            return True
    return False


def _select(summaries: list[dict[str, Any]], query: dict[str, list[str]]) -> list[dict[str, Any]]:
    """The summaries the filters of ``query`` select, newest first (400s as ``_Refused``)."""
    start, end = _moment(query, "start_time"), _moment(query, "end_time")
    env = _one(query, "client_env") or "live"
    if env not in ENVIRONMENTS:
        raise _Refused(
            "CONVERSATIONS_VALIDATION_FAILED", "client_env must be sandbox, pre-release or live."
        )
    variant_id, variant_name = _one(query, "variant_id"), _one(query, "variant_name")
    if variant_id and variant_name:
        raise _Refused(
            "CONVERSATIONS_VALIDATION_FAILED", "Give variant_id or variant_name, not both."
        )
    in_progress = _flag(query, "in_progress")
    query_type, text = _one(query, "query_type"), _one(query, "query")
    sample, turn = _one(query, "sample"), _one(query, "turn_type")
    if query_type is not None and query_type not in ("transcript", "semantic"):
        raise _Refused(
            "CONVERSATIONS_VALIDATION_FAILED", "query_type must be transcript or semantic."
        )
    if query_type and not text:
        raise _Refused("CONVERSATIONS_VALIDATION_FAILED", "query is required with query_type.")
    if sample is not None and sample != "random":
        raise _Refused("CONVERSATIONS_VALIDATION_FAILED", "sample must be random.")
    if sample and query_type:
        raise _Refused("CONVERSATIONS_VALIDATION_FAILED", "Use query_type or sample, not both.")
    if (sample or query_type) and (start is None or end is None):
        raise _Refused("CONVERSATIONS_VALIDATION_FAILED", "start_time and end_time are required.")
    words = (text or "").lower().split()
    chosen = []
    for summary in summaries:
        moment = summary["_"]["start"]
        if start is not None and (moment is None or moment < start):
            continue
        if end is not None and (moment is None or moment >= end):
            continue
        if summary["environment"] != env or not _channel_matches(
            query.get("channel", []), summary["channel"]
        ):
            continue
        if variant_id and summary["variant_id"] != variant_id:
            continue
        if variant_name and summary["variant_name"] != variant_name:
            continue
        if in_progress is not None and summary["in_progress"] is not in_progress:
            continue
        if query_type and not _said(summary, words, turn, query_type == "transcript"):
            continue
        chosen.append(summary)
    return _newest_first(chosen)


def _newest_first(summaries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    floor = datetime.min.replace(tzinfo=UTC)
    by_id = sorted(summaries, key=lambda s: str(s["id"]))
    return sorted(by_id, key=lambda s: s["_"]["start"] or floor, reverse=True)


def _filters_mark(query: dict[str, list[str]]) -> str:
    kept = sorted((k, v) for k, vs in query.items() if k not in ("cursor", "offset") for v in vs)
    return hashlib.sha256(json.dumps(kept).encode()).hexdigest()[:16]


def _cursor(position: int, page: int, mark: str) -> str:
    text = json.dumps({"at": position, "page": page, "filters": mark})
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _read_cursor(text: str, mark: str) -> tuple[int, int]:
    try:
        data = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        position, page, made_for = int(data["at"]), int(data["page"]), data["filters"]
    except (ValueError, TypeError, KeyError):
        raise _Refused("GET_CONVERSATIONS_INVALID_CURSOR", "The cursor is malformed.") from None
    if made_for != mark:
        raise _Refused(
            "GET_CONVERSATIONS_INVALID_CURSOR",
            "The cursor was made for other filters; keep every filter identical between pages.",
        )
    return position, page


def answer(demo: Any, raw_path: str, correlation: str) -> Answer | None:
    """The answer to a list request, or None when ``raw_path`` is not one of the endpoints."""
    parts = urlsplit(raw_path)
    segments = parts.path.split("/")
    query = parse_qs(parts.query, keep_blank_values=True)
    try:
        if len(segments) == 5 and segments[1] == "v3" and segments[4] == "conversations":
            return _v3(demo, unquote(segments[3]), query, correlation)
        if (
            len(segments) == 5
            and segments[1:3] == ["v1", "agents"]
            and segments[4] == "conversations"
        ):
            return _data_api(demo, unquote(segments[3]), query)
    except _Refused as refused:
        body = payloads.envelope(400, refused.code, refused.message, correlation)
        return 400, body, [("Content-Type", JSON)]
    return None


def _served(demo: Any, project: str) -> list[dict[str, Any]]:
    if demo.agent not in (None, project):
        return []
    return demo._summaries()


def _v3(demo: Any, project: str, query: dict[str, list[str]], correlation: str) -> Answer:
    mark = _filters_mark(query)
    limit = _whole(query, "limit", MAX_LIMIT, 1, MAX_LIMIT)
    cursor, offset_text = _one(query, "cursor"), _one(query, "offset")
    page, position = 1, 0
    if cursor:
        position, page = _read_cursor(cursor, mark)
    elif offset_text is not None:
        position = _whole(query, "offset", 0, 0, 10**9)
        page = position // limit + 1
    quirk = demo.list_quirks.get(page)
    if quirk == "rate_limit" and demo._first_time(("rate_limit", mark, page)):
        body = payloads.envelope(
            429, "RATE_LIMIT_EXCEEDED", "Too many requests; retry later.", correlation
        )
        return 429, body, [("Content-Type", JSON), ("Retry-After", "1")]
    chosen = _select(_served(demo, project), query)
    size = min(limit, demo.list_page_cap or limit)
    if _one(query, "sample") == "random":
        rng = random.Random(f"{mark}")
        picked = rng.sample(chosen, min(limit, len(chosen)))
        return _v3_body([_public(s, False) for s in picked], None, None)
    window = chosen[position : position + size]
    after = position + len(window)
    more = after < len(chosen)
    if quirk == "empty":
        window, after, more = [], position, True
    items = [_public(s, quirk == "camel") for s in window]
    if quirk == "missing_fields":
        items = [{"id": item.get("id") or item.get("conversationId")} for item in items]
    if quirk == "no_id":
        items.append({"account_id": "ws-demo", "channel": "VOICE-SIP"})
    if not more:
        return _v3_body(items, None, None)
    if quirk == "offset" or (offset_text is not None and not cursor):
        return _v3_body(items, None, after)
    following = "%%not-a-cursor" if quirk == "bad_cursor" else _cursor(after, page + 1, mark)
    return _v3_body(items, following, None)


def _v3_body(items: list[dict[str, Any]], cursor: str | None, next_offset: int | None) -> Answer:
    body: dict[str, Any] = {"conversations": items, "cursor": cursor}
    if next_offset is not None:
        body["next_offset"] = next_offset
    return 200, payloads.to_json_bytes(body), [("Content-Type", JSON)]


def _data_api(demo: Any, agent: str, query: dict[str, list[str]]) -> Answer:
    limit = _whole(query, "limit", 50, 1, 100)
    offset = _whole(query, "offset", 0, 0, 10**9)
    chosen = _newest_first(_served(demo, agent))
    size = min(limit, demo.list_page_cap or limit)  # a capped page says its own limit
    items = [_public(s, True) for s in chosen[offset : offset + size]]
    body = {"conversations": items, "count": len(chosen), "limit": size, "offset": offset}
    return 200, payloads.to_json_bytes(body), [("Content-Type", JSON)]
