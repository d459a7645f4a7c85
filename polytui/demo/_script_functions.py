"""The demo's refund call, whose agent runs tools: its function events (the customer looked
up, an order fetch that timed out and was tried again, a refund made, an SMS sent), each
timed against the turns. Kept apart from the other scripted calls (``_scripts.py``, which
lists it with them) for its length."""

from __future__ import annotations

from typing import Any

FUNCTIONS_ID = "CA6a2f8c4e0d1b4937a5e9c3b7d1f08a24"

_REFUND_START = "2025-03-12T14:20:30.000Z"


def _at(seconds: float) -> str:
    """A timestamp ``seconds`` into the refund call (function events line up with its turns)."""
    whole, frac = divmod(round(seconds * 1000), 1000)
    minutes, secs = divmod(30 + whole, 60)
    return f"2025-03-12T14:{20 + minutes:02d}:{secs:02d}.{frac:03d}Z"


FUNCTIONS: dict[str, Any] = {
    "conversationId": FUNCTIONS_ID,
    "startedAt": _REFUND_START,
    "fromNumber": "+15555550158",
    "toNumber": "+15555550140",
    "variantId": "VARIANT-refunds-b",
    "clientEnv": "pre-release",
    "tags": ["refund", "damaged_item"],
    "polyScore": 4,
    "summary": {
        "heading": "Refund issued for damaged mugs",
        "content": "Priya Raman's stoneware mug set (order BR-558201) arrived broken; a $34.00 "
        "refund to the original card was issued and confirmed by text.",
    },
    "metrics": {
        "refund_issued": "true",
        "topics": ["damaged_item", "refund", "delivery"],
        "sentiment": ["negative", "neutral", "positive"],
        "resolution": {
            "type": "refund",
            "amount": {"value": 34.0, "currency": "USD"},
            "automated": True,
            "followUp": None,
        },
        "function_latency_ms": {
            "lookup_customer": 212,
            "get_order": [3000, 388],
            "create_refund": 641,
            "send_sms": 97,
        },
    },
    "script": [
        {
            "agent": "Hello, you're through to Bramble and Co. I can help with orders, deliveries "
            "and returns. What can I do for you?",
            "latency": 0.49,
        },
        {
            "user": "Hi, my order came this morning and two of the mugs are smashed.",
            "agent": "Oh no, I'm sorry about that. I've found your account from the number you're "
            "calling from. Is this about order BR-558201, the stoneware mug set?",
            "latency": 1.93,
            "intents": ["report_damaged_item"],
            "entities": [{"item": "mugs"}],
        },
        {
            "user": "Yes, that's the one.",
            "agent": "Thanks, Priya. Would you like a replacement set, or a refund to your card?",
            "latency": 3.71,
            "intents": ["confirm"],
            "entities": [{"order_id": "BR-558201"}],
        },
        {
            "user": "A refund please, I don't want to risk it happening again.",
            "agent": "Understood. I've issued a refund of $34.00 to the card you paid with. It "
            "usually shows up in three to five working days. You don't need to send the mugs back.",
            "latency": 1.22,
            "intents": ["request_refund"],
            "entities": [{"resolution": "refund"}, {"amount": "34.00"}],
        },
        {
            "user": "Oh great. Can you text me the details?",
            "agent": "Of course, I've just sent a text with your refund reference, RF-88412. Is "
            "there anything else I can help with?",
            "latency": 0.86,
            "intents": ["request_sms"],
        },
        {
            "user": "No, that's all, thank you.",
            "agent": "Thanks for calling Bramble and Co, Priya. Have a lovely afternoon.",
            "latency": 0.52,
            "intents": ["goodbye"],
        },
    ],
    "functionEvents": {
        "calls": [
            {
                "id": "fn_01",
                "name": "lookup_customer",
                "turn": 1,
                "startedAt": _at(4.2),
                "finishedAt": _at(4.412),
                "durationMs": 212,
                "args": {"phone_number": "+15555550158"},
                "result": {
                    "found": True,
                    "customer": {
                        "id": "CUST-20931",
                        "name": "Priya Raman",
                        "tier": "gold",
                        "orders": ["BR-558201", "BR-557930"],
                    },
                },
            },
            {
                "id": "fn_02",
                "name": "get_order",
                "turn": 2,
                "attempt": 1,
                "startedAt": _at(12.6),
                "finishedAt": _at(15.6),
                "durationMs": 3000,
                "args": {"order_id": "BR-558201"},
                "result": None,
                "error": {"type": "Timeout", "message": "order service did not answer in 3000 ms"},
            },
            {
                "id": "fn_03",
                "name": "get_order",
                "turn": 2,
                "attempt": 2,
                "startedAt": _at(15.61),
                "finishedAt": _at(15.998),
                "durationMs": 388,
                "args": {"order_id": "BR-558201"},
                "result": {
                    "status": "delivered",
                    "deliveredAt": "2025-03-12T08:47:00Z",
                    "items": [
                        {
                            "sku": "MUG-STONE-4",
                            "name": "Stoneware mug set (4)",
                            "qty": 1,
                            "price": {"amount": 34.0, "currency": "USD"},
                        }
                    ],
                },
            },
            {
                "id": "fn_04",
                "name": "create_refund",
                "turn": 3,
                "startedAt": _at(24.1),
                "finishedAt": _at(24.741),
                "durationMs": 641,
                "args": {
                    "order_id": "BR-558201",
                    "items": ["MUG-STONE-4"],
                    "reason": "damaged_in_transit",
                    "method": "original_payment",
                },
                "result": {
                    "refund_id": "RF-88412",
                    "amount": 34.0,
                    "currency": "USD",
                    "eta_working_days": [3, 5],
                    "return_required": False,
                },
            },
            {
                "id": "fn_05",
                "name": "send_sms",
                "turn": 4,
                "startedAt": _at(38.3),
                "finishedAt": _at(38.397),
                "durationMs": 97,
                "args": {
                    "to": "+15555550158",
                    "template": "refund_confirmation",
                    "variables": {"refund_id": "RF-88412", "amount": "$34.00"},
                },
                "result": {"status": "queued", "message_id": "SM5f2e8a91c04b", "segments": 1},
            },
        ],
        "state": {
            "customer_id": "CUST-20931",
            "order_id": "BR-558201",
            "refund_id": "RF-88412",
            "flags": {"verified_by_caller_id": True, "vulnerable_customer": False},
        },
    },
}
