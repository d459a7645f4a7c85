"""Deterministic sample conversations, shaped exactly as ``GET .../conversations/{id}`` sends them.

camelCase at the top level, snake_case in turns, "" for empty text (v3), fixed timestamps: the
same call always comes out byte-for-byte the same, so snapshots and benchmarks can rely on it.
Everything here is fictional: names, +1 555 01xx numbers, card digits and orders are made up.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from ._scripts import SCRIPTED_CALLS
from ._vocabulary import TOPICS, Slots, generated_turn

DEMO_API_KEY = "demo-key"
DEMO_AGENT = "PROJECT-demo"
DEMO_ACCOUNT = "ACCOUNT-demo"

_HOST = "https://api.us.poly.ai"
_EPOCH = datetime(2025, 1, 6, 8, 0, 0)  # synthetic calls start here (naive = UTC)


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds") + "Z"


def _parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.removesuffix("Z"))


def _words(text: str) -> int:
    return len(text.split())


def _turn(step: dict[str, Any], at: float, start: datetime) -> tuple[dict[str, Any], float]:
    """One API turn from a script step; returns it and the clock (seconds) after it."""
    user = step.get("user", "")
    dtmf = step.get("dtmf", "")
    agent = step.get("agent", "")
    silence = bool(step.get("silence"))
    latency = step.get("latency")
    if silence:
        heard = at + 5.0  # the agent gives up waiting after five seconds
    elif dtmf:
        heard = at + 1.2 + 0.45 * len(dtmf)
    elif user:
        heard = at + 0.9 + 0.38 * _words(user)
    else:
        heard = at  # greeting: the agent speaks first
    turn: dict[str, Any] = {
        "user_input": user,
        "user_input_dtmf": dtmf,
        "user_input_datetime": _iso(start + timedelta(seconds=heard)),
        "agent_response": agent,
    }
    end = heard
    if latency is not None:
        answered = heard + latency
        turn["agent_response_datetime"] = _iso(start + timedelta(seconds=answered))
        turn["latency"] = latency
        end = answered + 0.5 + 0.36 * _words(agent)
    turn["translated_user_input"] = step.get("translated", "")
    turn["english_agent_response"] = step.get("english", "")
    turn["intents"] = list(step.get("intents", ()))
    turn["entities"] = [dict(e) for e in step.get("entities", ())]
    turn["is_ood"] = bool(step.get("ood"))
    turn["is_silence"] = silence
    return turn, end


def _conversation(spec: dict[str, Any]) -> dict[str, Any]:
    """Build a full payload from a scripted call: timestamps and durations follow the turns."""
    start = _parse(spec["startedAt"])
    turns: list[dict[str, Any]] = []
    clock = 0.0
    for step in spec["script"]:
        turn, clock = _turn(step, clock, start)
        turns.append(turn)
    return _assemble(spec, start, turns, clock)


def _assemble(spec: dict[str, Any], start: datetime, turns: list, clock: float) -> dict[str, Any]:
    cid = spec["conversationId"]
    live = bool(spec.get("inProgress"))
    voice = spec.get("channel", "VOICE-SIP") != "WEBCHAT"
    call: dict[str, Any] = {
        "conversationId": cid,
        "accountId": DEMO_ACCOUNT,
        "projectId": DEMO_AGENT,
        "createdAt": _iso(start - timedelta(seconds=1.84)),
        "startedAt": _iso(start),
    }
    total = math.ceil(clock + 1.6)
    if not live:
        call["finishedAt"] = _iso(start + timedelta(seconds=clock + 1.6))
    call["channel"] = spec.get("channel", "VOICE-SIP")
    if voice:
        call["fromNumber"] = spec.get("fromNumber", "+15555550100")
        call["toNumber"] = spec.get("toNumber", "+15555550199")
    call["language"] = spec.get("language", "en-US")
    call["variantId"] = spec.get("variantId", "VARIANT-main")
    call["clientEnv"] = spec.get("clientEnv", "live")
    if not live:
        extra = spec.get("humanSeconds", 0)
        call["totalDuration"] = total + extra
        call["polyaiDuration"] = total
        call["duration"] = total + extra
    call["inProgress"] = live
    call["handoff"] = bool(spec.get("handoffDestination"))
    call["handoffDestination"] = spec.get("handoffDestination", "")
    call["handoffReason"] = spec.get("handoffReason", "")
    call["direction"] = spec.get("direction", "inbound")
    call["tags"] = list(spec.get("tags", ()))
    if "polyScore" in spec:
        call["polyScore"] = spec["polyScore"]
    summary = spec.get("summary", "")
    call["shortSummary"] = summary if isinstance(summary, str) else json.dumps(summary)
    call["deploymentId"] = spec.get("deploymentId", "DEPLOYMENT-4f1c9a2e")
    call["note"] = spec.get("note", "")
    if voice and not live:
        call["audioUrl"] = f"{_HOST}/v1/agents/{DEMO_AGENT}/conversations/{cid}/audio"
    call["turns"] = turns
    if "metrics" in spec:
        call["metrics"] = spec["metrics"]
    if "functionEvents" in spec:
        call["functionEvents"] = spec["functionEvents"]
    return call


def sample_conversations() -> list[dict[str, Any]]:
    """The seven demo calls, in a fixed order; a fresh copy on every call (safe to mutate)."""
    calls = [_conversation(json.loads(json.dumps(spec))) for spec in SCRIPTED_CALLS]
    calls.append(big_conversation())
    return calls


def sample_ids() -> list[str]:
    """The seven demo conversation IDs, without building the calls."""
    return [spec["conversationId"] for spec in SCRIPTED_CALLS] + [_big_id(5000, 7)]


# -- generated calls ------------------------------------------------------------------------------


def _sid(text: str) -> str:
    return "CA" + hashlib.md5(text.encode("utf-8")).hexdigest()


def _big_id(turns: int, seed: int) -> str:
    return _sid(f"big-conversation/{turns}/{seed}")


def big_conversation(
    turns: int = 5000, *, conversation_id: str | None = None, seed: int = 7
) -> dict[str, Any]:
    """A very long voice call (stress test): varied sentence lengths, some DTMF, silences and
    out-of-domain turns, latencies spread over 0.3-5 s. Same arguments, same call."""
    rng = random.Random(f"big/{seed}")
    start = datetime(2025, 3, 3, 9, 0, 0)
    built, clock = _generated_turns(rng, turns, start, topic="marathon")
    spec = {
        "conversationId": conversation_id or _big_id(turns, seed),
        "fromNumber": "+15555550188",
        "variantId": "VARIANT-main",
        "tags": ["stress-test", "long-call"],
        "polyScore": 3,
        "summary": {
            "heading": "Very long support call",
            "content": f"A {turns}-turn call covering bookings, refunds, deliveries and account "
            "changes, with keypad entries, silences and off-topic questions along the way.",
        },
        "metrics": {"topics": ["booking", "refund", "delivery", "account"], "turns": str(turns)},
    }
    return _assemble(spec, start, built, clock)


def synthetic_conversation(
    index: int,
    *,
    turns: int = 12,
    seed: int | str = 0,
    epoch: datetime = _EPOCH,
    spacing: timedelta = timedelta(minutes=7),
) -> dict[str, Any]:
    """Call number ``index`` of a large, varied, deterministic corpus (for 10k-call benchmarks).

    Topics rotate between bookings, refunds, deliveries, appointments and billing; about one in
    seven is a WEBCHAT chat; start times are ``spacing`` apart from ``epoch`` (naive = UTC;
    by default every 7 minutes from 6 January 2025)."""
    rng = random.Random(f"synthetic/{seed}/{index}")
    topic = TOPICS[rng.randrange(len(TOPICS))]
    start = epoch + spacing * index + timedelta(seconds=rng.randrange(0, 400))
    chat = rng.random() < 0.14
    slots = Slots(rng)
    built, clock = _generated_turns(rng, turns, start, topic=topic["name"], chat=chat, slots=slots)
    spec: dict[str, Any] = {
        "conversationId": _sid(f"synthetic/{seed}/{index}"),
        "channel": "WEBCHAT" if chat else "VOICE-SIP",
        "fromNumber": f"+1555555{rng.randrange(100, 200):04d}",
        "variantId": rng.choice(["VARIANT-main", "VARIANT-main", "VARIANT-b"]),
        "clientEnv": rng.choice(["live", "live", "live", "pre-release", "sandbox"]),
        "tags": list(topic["tags"]),
        "polyScore": rng.choice([1, 2, 3, 3, 4, 4, 4, 5, 5, 5]),
        "summary": {"heading": topic["heading"], "content": topic["summary"].format_map(slots)},
        "metrics": {"topic": topic["name"]},
    }
    if rng.random() < 0.12:
        spec["handoffDestination"] = "customer-care"
        spec["handoffReason"] = "Caller asked to speak to a person"
        spec["humanSeconds"] = rng.randrange(60, 600)
    return _assemble(spec, start, built, clock)


def recent_conversations(now: datetime, count: int = 120) -> list[dict[str, Any]]:
    """``count`` varied calls over the ten days before ``now`` (one every 2 hours, the last
    about two hours ago), so that "yesterday" and "last 7 days" find calls in the demo; every
    fourth is a live call handed off to a person (so each day has a few to review)."""
    moment = now.astimezone(UTC).replace(tzinfo=None, microsecond=0)
    spacing = timedelta(hours=2)
    epoch = moment - spacing * (count + 1)
    calls = []
    for index in range(count):
        call = synthetic_conversation(index, seed="recent", epoch=epoch, spacing=spacing)
        if index % 4 == 1:
            call["clientEnv"] = "live"
            call["handoff"] = True
            call["handoffDestination"] = "customer-care"
            call["handoffReason"] = "Caller asked to speak to a person"
        calls.append(call)
    return calls


def _generated_turns(
    rng: random.Random,
    count: int,
    start: datetime,
    *,
    topic: str,
    chat: bool = False,
    slots: Slots | None = None,
) -> tuple[list[dict[str, Any]], float]:
    """``slots`` are the opening's values (so the summary names the same caller and order)."""
    turns: list[dict[str, Any]] = []
    clock = 0.0
    for number in range(max(0, count)):
        opening = slots if number == 1 else None
        step = generated_turn(rng, number, topic=topic, chat=chat, slots=opening)
        turn, clock = _turn(step, clock, start)
        turns.append(turn)
    return turns, clock
