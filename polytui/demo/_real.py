"""Sample calls shaped as PolyAI's *real* get-by-ID answers are, not as its spec says.

Written from the facts in the project's notes on the real API (objects where the spec says
strings or numbers, nulls, extra turn fields, ``functionEvents`` keyed by turn number, metric
histories, relative audio paths, ``LOCAL-`` IDs). Everything is fictional: the clinic, the
caller, the numbers and the IDs are made up. Fixed values only: the same bytes every time.
"""

from __future__ import annotations

import json
from typing import Any

from .samples import DEMO_ACCOUNT, DEMO_AGENT

CLINIC_ID = "LOCAL-7c1e2a90-5b3d-4f08-9e61-2d4c8b0a1f37"
CHAT_ID = "LOCAL-0b9d4e11-8a2c-4c6e-b7f5-93e0d1a6c254"

_T0 = "2026-06-03T13:18:06"  # the clinic call starts here (no zone, as the real API writes it)


def _latency(seconds: float | None, percentile: float | None = None) -> dict[str, Any]:
    return {
        "label": None,
        "perceived_latency": seconds,
        "perceived_latency_percentile_1d": percentile,
    }


def _turn(number: int, **fields: Any) -> dict[str, Any]:
    """A turn as the real API sends it: the spec's fields (nulls where it has none) first."""
    turn: dict[str, Any] = {
        "user_input": fields.pop("user_input", ""),
        "user_input_dtmf": fields.pop("user_input_dtmf", ""),
        "user_input_datetime": fields.pop("user_input_datetime"),
        "agent_response": fields.pop("agent_response"),
        "agent_response_datetime": fields.pop("agent_response_datetime"),
        "latency": fields.pop("latency"),
        "translated_user_input": fields.pop("translated_user_input", None),
        "english_agent_response": fields.pop("english_agent_response", None),
        "intents": fields.pop("intents", None),
        "entities": fields.pop("entities", None),
        "is_ood": fields.pop("is_ood", None),
        "is_silence": fields.pop("is_silence", None),
        "turn_id": 5172630048112640 + number * 7919,
        "barge_in": fields.pop("barge_in", False),
        "reviews": fields.pop("reviews", []),
        "llm_requests": fields.pop("llm_requests", []),
        "user_input_audio_url": f"conversations/{CLINIC_ID}/turns/{number}/audio",
        "asr_lang_code": "en-GB",
        "tts_lang_code": "en-GB",
        "user_input_dtmf_finish_key": None,
    }
    turn["metadata"] = {
        "asr_corrected_user_input": fields.pop("corrected", turn["user_input"]),
        "current_node": fields.pop("node", "main"),
        "entities": fields.pop("meta_entities", []),
        "function_events": fields.pop("function_events", []),
        "retrieved_topics": fields.pop("topics", []),
        "safety": {"flagged": False, "categories": {}},
        "top_transcripts": fields.pop("alternatives", []),
    }
    assert not fields, fields
    return turn


def _event(**fields: Any) -> dict[str, Any]:
    """A rich event of the call's ``functionEvents``."""
    event: dict[str, Any] = {
        "id": fields.pop("id"),
        "name": fields.pop("name"),
        "function_id": fields.pop("function_id"),
        "function_version": 3,
        "arguments": fields.pop("arguments"),
        "content": fields.pop("content", None),
        "duration": fields.pop("duration"),
        "error": fields.pop("error", None),
        "handoff": fields.pop("handoff", None),
        "hangup": False,
        "logs": fields.pop("logs", []),
        "llm_request_id": fields.pop("llm_request_id"),
        "start_time": fields.pop("start_time"),
        "state_changes": fields.pop("state_changes", {"added": {}, "removed": [], "updated": {}}),
        "transition": fields.pop("transition", None),
        "turn_id": fields.pop("turn_id"),
        "utterance": fields.pop("utterance", None),
        "variant_id_change": None,
        "conversation_id": CLINIC_ID,
    }
    assert not fields, fields
    return event


def _light(event: dict[str, Any]) -> dict[str, Any]:
    """The same event as a turn's ``metadata.function_events`` tells it (fewer fields)."""
    light = {key: event[key] for key in ("name", "function_id", "arguments", "duration")}
    light["utterance"] = event["utterance"] or ""
    if event["handoff"]:
        light["handoff"] = event["handoff"]
    return light


def clinic_handoff() -> dict[str, Any]:
    """A voice call to a clinic: ASR corrections, a failed booking lookup, the caller barging
    in, and a warm transfer to reception; metrics as histories, events keyed by turn."""
    lookup = _event(
        id="fe-01HZX3K9Q2",
        name="lookup_patient",
        function_id="fn-lookup-patient",
        arguments={"date_of_birth": "1988-03-04"},
        content='{"found": true, "patient_ref": "P-20931"}',
        duration=412,
        llm_request_id="llm-3a91",
        start_time="Wed, 03 Jun 2026 13:18:31 GMT",
        state_changes={"added": {"patient_ref": "P-20931"}, "removed": [], "updated": {}},
        turn_id=5172630048112640 + 3 * 7919,
    )
    failed = _event(
        id="fe-01HZX3KD7M",
        name="find_appointment",
        function_id="fn-find-appointment",
        arguments={"patient_ref": "P-20931", "on": "2026-06-04"},
        duration=5012,
        error={"message": "Scheduling system timed out after 5 s", "code": 504},
        llm_request_id="llm-3a94",
        logs=["GET /appointments?patient=P-20931 -> timeout"],
        start_time="Wed, 03 Jun 2026 13:18:44 GMT",
        turn_id=5172630048112640 + 4 * 7919,
        utterance="I'm sorry, I can't reach the booking system just now.",
    )
    transfer = _event(
        id="fe-01HZX3KJ0B",
        name="transfer_to_reception",
        function_id="fn-transfer",
        arguments={"queue": "reception", "reason": "booking_lookup_failed"},
        duration=88,
        handoff={"reason": "booking_lookup_failed", "type": "warm_transfer"},
        llm_request_id="llm-3a97",
        start_time="Wed, 03 Jun 2026 13:19:02 GMT",
        state_changes={"added": {}, "removed": [], "updated": {"stage": "handoff"}},
        transition="reception_queue",
        turn_id=5172630048112640 + 5 * 7919,
        utterance="Of course. I'm putting you through to our reception team now.",
    )
    turns = [
        _turn(
            1,
            user_input_datetime=None,
            agent_response="Thank you for calling Riverside Family Clinic. How can I help?",
            agent_response_datetime=f"{_T0}.412000",
            latency=_latency(None),
        ),
        _turn(
            2,
            user_input="hi i need to move my appointment on thursday",
            corrected="Hi, I need to move my appointment on Thursday.",
            alternatives=[
                {"text": "hi i need to move my appointment on thursday", "intents": ["reschedule"]},
                {"text": "hi i need to move my appointment on thirsty", "intents": []},
            ],
            user_input_datetime=f"{_T0[:-2]}14.902000",
            agent_response="Of course. Can I take your date of birth to find the booking?",
            agent_response_datetime=f"{_T0[:-2]}16.115000",
            latency=_latency(1.213, 0.41),
            topics=["Rescheduling appointments"],
        ),
        _turn(
            3,
            user_input="its the fourth of march nineteen eighty eight",
            corrected="It's the 4th of March 1988.",
            user_input_datetime=f"{_T0[:-2]}30.551000",
            agent_response="Thanks. I've found you. Which appointment would you like to move?",
            agent_response_datetime=f"{_T0[:-2]}32.020000",
            latency=_latency(1.469, 0.52),
            function_events=[_light(lookup)],
            meta_entities=[{"date_of_birth": "1988-03-04"}],
        ),
        _turn(
            4,
            user_input="the one tomorrow at ten",
            user_input_datetime=f"{_T0[:-2]}43.700000",
            agent_response="I'm sorry, I can't reach the booking system just now.",
            agent_response_datetime=f"{_T0[:-2]}49.582000",
            latency=_latency(5.882, 0.97),
            function_events=[_light(failed)],
            reviews=[
                {
                    "author": "qa.lead@example.com",
                    "label": "slow_response",
                    "comment": "Six seconds of dead air before the apology.",
                }
            ],
        ),
        _turn(
            5,
            user_input="can i just talk to someone",
            barge_in=True,
            user_input_datetime="2026-06-03T13:19:01.240000",
            agent_response="Of course. I'm putting you through to our reception team now.",
            agent_response_datetime="2026-06-03T13:19:02.301000",
            latency=3.882713,  # the spec's plain number occurs too
            function_events=[_light(transfer)],
            topics=["Reception opening hours", "Transfers to staff"],
            node="handoff",
        ),
    ]
    return {
        "conversationId": CLINIC_ID,
        "accountId": DEMO_ACCOUNT,
        "projectId": DEMO_AGENT,
        "createdAt": "2026-06-03T13:18:04.551000",
        "startedAt": f"{_T0}.000000",
        "finishedAt": "2026-06-03T13:19:19.757917",
        "channel": "VOICE-SIP",
        "fromNumber": "redacted@example.com",
        "toNumber": "polyai",
        "language": "en-GB",
        "variantId": "VARIANT-clinic",
        "clientEnv": "live",
        "totalDuration": 73,
        "polyaiDuration": 57,
        "duration": 73,
        "inProgress": False,
        "handoff": True,
        "handoffDestination": "reception",
        "handoffReason": "booking_lookup_failed",
        "direction": "inbound",
        "tags": ["reschedule", None],
        "polyScore": 6.0,
        "shortSummary": {
            "heading": "Reschedule attempt handed to reception",
            "content": "The caller wanted to move tomorrow's 10:00 appointment; the booking "
            "lookup timed out and the call was transferred to reception.",
        },
        "deploymentId": "DEPLOYMENT-77aa01",
        "note": None,
        "audioUrl": f"conversations/{CLINIC_ID}/audio",
        "turns": turns,
        "metrics": {
            "CALL_DURATION": [
                {"timestamp": "2026-06-03T13:19:02.301000", "value": "57"},
                {"timestamp": "2026-06-03T13:19:19.757917", "value": "73"},
            ],
            "HANDOFF": [{"timestamp": "2026-06-03T13:19:02.301000", "value": "true"}],
            "BOOKING_LOOKUP_FAILED": [{"timestamp": "2026-06-03T13:18:49.582000", "value": "1"}],
        },
        "functionEvents": {"3": [lookup], "4": [failed], "5": [transfer]},
        "topicCitations": {"5": ["Reception opening hours"]},  # a field the spec never named
    }


def chat_with_older_shapes() -> dict[str, Any]:
    """A web chat as older answers send it: the summary as a string holding JSON, bare metric
    values, nulls for most lists and flags, and a turn that is not an object."""
    start = "2026-06-04T09:02:00.000000"
    return {
        "conversationId": CHAT_ID,
        "accountId": DEMO_ACCOUNT,
        "projectId": DEMO_AGENT,
        "startedAt": start,
        "finishedAt": "2026-06-04T09:03:10.000000",
        "channel": "WEBCHAT",
        "language": None,
        "inProgress": None,
        "handoff": None,
        "handoffDestination": None,
        "tags": None,
        "polyScore": None,
        "shortSummary": json.dumps(
            {
                "heading": "Opening hours",
                "content": "Asked when the clinic opens on Saturday; answered.",
            }
        ),
        "audioUrl": None,
        "turns": [
            {
                "user_input": None,
                "agent_response": "Hi! I'm the clinic's assistant. What can I do for you?",
                "agent_response_datetime": "2026-06-04T09:02:00.350000",
                "latency": {"label": "fast", "perceived_latency": 0.35},
                "intents": None,
                "entities": None,
                "is_ood": None,
                "is_silence": None,
            },
            {
                "user_input": "are you open saturday",
                "user_input_datetime": "2026-06-04T09:02:41.000000",
                "agent_response": "Yes: Saturdays 9:00 to 12:30, for booked appointments only.",
                "agent_response_datetime": "2026-06-04T09:02:42.100000",
                "latency": "1.1",
                "intents": ["opening_hours", None],
                "entities": {"day": "saturday"},
                "is_ood": "false",
                "is_silence": 0,
                "metadata": {"retrieved_topics": "Opening hours"},
            },
            "connection dropped",
        ],
        "metrics": {"TURNS": "2", "CONTAINED": True},
        "functionEvents": {},
    }


def real_shaped_conversations() -> list[dict[str, Any]]:
    """The real-shaped demo calls, a fresh copy each time (safe to mutate)."""
    return [clinic_handoff(), chat_with_older_shapes()]
