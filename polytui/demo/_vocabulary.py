"""Phrase pools for generated calls (the 5,000-turn call and the synthetic benchmark corpus).

``generated_turn`` turns a seeded ``random.Random`` into one script step; the same sequence of
draws always gives the same step. Sentences vary from one word to long run-on explanations.
"""

from __future__ import annotations

import math
import random
from typing import Any

FIRST = [
    "Amira",
    "Ben",
    "Carlos",
    "Dana",
    "Elena",
    "Farid",
    "Grace",
    "Hiro",
    "Isla",
    "Jonah",
    "Keisha",
    "Liam",
    "Maya",
    "Noah",
    "Olga",
    "Pedro",
    "Quinn",
    "Rosa",
    "Sam",
    "Tariq",
]
LAST = [
    "Adeyemi",
    "Brennan",
    "Castillo",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Gupta",
    "Hughes",
    "Ibrahim",
    "Jensen",
    "Kowalski",
    "Lindqvist",
    "Moreno",
    "Nakamura",
    "O'Connor",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]

TOPICS: list[dict[str, Any]] = [
    {
        "name": "booking",
        "tags": ["booking"],
        "heading": "Table booked",
        "open": "Hi, can I book a table for {party} on {date} at {time}?",
        "intent": "make_booking",
    },
    {
        "name": "refund",
        "tags": ["refund"],
        "heading": "Refund requested",
        "open": "Hello, I'd like a refund for order {order}, it arrived broken.",
        "intent": "request_refund",
    },
    {
        "name": "delivery",
        "tags": ["delivery"],
        "heading": "Delivery status checked",
        "open": "Where's my parcel? The tracking number is {order}.",
        "intent": "track_delivery",
    },
    {
        "name": "appointment",
        "tags": ["appointment"],
        "heading": "Appointment moved",
        "open": "I need to move my appointment to {date}, ideally in the afternoon.",
        "intent": "reschedule_appointment",
    },
    {
        "name": "billing",
        "tags": ["billing", "refund"],
        "heading": "Double charge refunded",
        "open": "I was charged {amount} twice this month and I'd like a refund for one of them.",
        "intent": "dispute_charge",
    },
]
for _topic, _summary in zip(
    TOPICS,
    (
        "{name} booked a table for {party} on {date} at {time}.",
        "{name} asked for a refund for order {order}, which arrived broken.",
        "{name} asked where parcel {order} was; it is due within two working days.",
        "{name} moved an appointment to {date}.",
        "{name} was charged {amount} twice; one charge is being refunded.",
    ),
    strict=True,
):
    _topic["summary"] = _summary
TOPIC_BY_NAME = {t["name"]: t for t in TOPICS}

# (text, intent, entity names filled from the slots)
USER = [
    ("My name is {name}.", "provide_name", ("name",)),
    ("It's {name}, {last}.", "provide_name", ("name",)),
    ("The order number is {order}.", "provide_order_id", ("order",)),
    ("Could we do {date} instead?", "provide_date", ("date",)),
    ("Around {time} would be ideal.", "provide_time", ("time",)),
    ("There will be {party} of us.", "provide_party_size", ("party",)),
    ("I'd like a refund, please.", "request_refund", ()),
    ("How long does the refund take to come through?", "ask_refund_time", ()),
    ("I was charged {amount} and I don't know what for.", "dispute_charge", ("amount",)),
    ("Can you send me a text to confirm?", "request_sms", ()),
    (
        "Hold on, let me find the email... right, the reference is {order}.",
        "provide_order_id",
        ("order",),
    ),
    (
        "So the thing is, I ordered it on {date} and it said it would be here in three days, but "
        "it's been over a week and nobody has got back to me, and honestly I just want to know "
        "whether I should cancel and get a refund or keep waiting.",
        "complain_delay",
        ("date",),
    ),
    (
        "My partner {name} usually deals with this, but they're away until {date}, so I'm trying to "
        "sort it out myself. Is that all right?",
        "explain_situation",
        ("name", "date"),
    ),
    ("Yes.", "confirm", ()),
    ("Yes, that's right.", "confirm", ()),
    ("No.", "deny", ()),
    ("No, that's not right.", "deny", ()),
    ("Sorry, could you say that again?", "repeat", ()),
    ("Okay, thanks.", "acknowledge", ()),
    ("That's great, thank you.", "thank", ()),
    ("Can I speak to a real person?", "request_human", ()),
]
OOD = [
    "What's the weather going to be like tomorrow?",
    "Can you recommend a good film?",
    "Who won the match last night?",
    "Do you know a good plumber round here?",
    "Is it true you're a robot?",
]
AGENT_SHORT = [
    "Sure.",
    "Of course, {name}.",
    "Thanks for waiting.",
    "Let me check that for you.",
    "Got it.",
    "No problem at all.",
]
AGENT_MEDIUM = [
    "I can see order {order} was dispatched on {date}. It's with the courier and should arrive "
    "within two working days.",
    "I've requested a refund of {amount}. It usually takes three to five working days to reach "
    "your account.",
    "I have a table for {party} on {date} at {time}. Shall I book it?",
    "Your appointment is now on {date} at {time}. You'll get a text to confirm.",
    "I'm sorry about the wait, {name}. I understand how frustrating that is.",
    "For security, I'll just need to confirm a couple of details before we go on.",
    "I've updated the email address on your account. You'll get a confirmation shortly.",
]
AGENT_CLOSE = "Is there anything else I can help you with today?"
DTMF_PROMPTS = [
    "Thank you, that matches our records.",
    "Thanks. Please now enter your postcode digits followed by the hash key.",
]
SILENCE = [
    "Sorry, I didn't catch that. Are you still there?",
    "I'm still here whenever you're ready.",
    "Take your time, I'm listening.",
]
OOD_ANSWER = (
    "I'm sorry, I can't help with that, but I'm happy to help with your booking, order or account."
)
CHAT_USER = [
    "hi",
    "ok",
    "thx",
    "yes pls",
    "order {order} still not here??",
    "refund pls",
    "can u check {date}",
    "ta",
]


class Slots(dict):
    """Slot values drawn lazily (and then kept) so a template only pays for what it uses."""

    def __init__(self, rng: random.Random) -> None:
        super().__init__()
        self._rng = rng

    def __missing__(self, key: str) -> str:
        rng = self._rng
        if key == "name":
            value = rng.choice(FIRST)
        elif key == "last":
            value = rng.choice(LAST)
        elif key == "order":
            value = f"BR-{rng.randrange(100000, 1000000)}"
        elif key == "date":
            day = rng.randrange(1, 29)
            suffix = "th" if 10 < day < 14 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
            value = f"{rng.choice(DAYS)} the {day}{suffix} of {rng.choice(MONTHS)}"
        elif key == "time":
            hour = rng.randrange(8, 22)
            minute = rng.choice(["00", "15", "30", "45"])
            value = f"{hour % 12 or 12}:{minute} {'pm' if hour >= 12 else 'am'}"
        elif key == "party":
            value = str(rng.randrange(2, 9))
        elif key == "amount":
            value = f"${rng.randrange(5, 400)}.{rng.randrange(100):02d}"
        else:
            raise KeyError(key)
        self[key] = value
        return value


def _latency(rng: random.Random) -> float:
    """Mostly 0.5-1.5 s with a long tail, kept within 0.3-5 s."""
    value = rng.lognormvariate(math.log(0.9), 0.5)
    return round(min(5.0, max(0.3, value)), 3)


_REFUND_TOPICS = frozenset({"refund", "billing", "marathon"})


def _pool(items: list, topic: str) -> list:
    """Refund talk only turns up in calls about money, so "refund" stays a selective search."""
    if topic in _REFUND_TOPICS:
        return items
    return [item for item in items if "refund" not in (item if isinstance(item, str) else item[0])]


_POOLS: dict[tuple[str, str], list] = {}


def _pooled(name: str, items: list, topic: str) -> list:
    key = (name, topic)
    if key not in _POOLS:
        _POOLS[key] = _pool(items, topic)
    return _POOLS[key]


def _agent(rng: random.Random, slots: Slots, topic: str) -> str:
    medium = _pooled("agent", AGENT_MEDIUM, topic)
    roll = rng.random()
    if roll < 0.3:
        return rng.choice(AGENT_SHORT).format_map(slots)
    if roll < 0.8:
        return rng.choice(medium).format_map(slots)
    parts = rng.sample(medium, rng.randrange(2, 5))
    return " ".join(parts).format_map(slots) + " " + AGENT_CLOSE


def generated_turn(
    rng: random.Random, number: int, *, topic: str, chat: bool, slots: Slots | None = None
) -> dict[str, Any]:
    """Script step ``number`` of a generated call about ``topic`` (``slots``: reuse values)."""
    slots = Slots(rng) if slots is None else slots
    latency = _latency(rng)
    if number == 0:
        greeting = (
            "Hi! How can I help you today?"
            if chat
            else ("Hello, thanks for calling. How can I help you today?")
        )
        return {"agent": greeting, "latency": max(0.3, round(latency / 2, 3))}
    opening = TOPIC_BY_NAME.get(topic) if number == 1 else None
    if opening is not None:
        return {
            "user": opening["open"].format_map(slots),
            "agent": _agent(rng, slots, topic),
            "latency": latency,
            "intents": [opening["intent"]],
        }
    roll = rng.random()
    if not chat and roll < 0.04:
        return {
            "dtmf": "".join(str(rng.randrange(10)) for _ in range(rng.choice([4, 6, 8]))),
            "agent": rng.choice(DTMF_PROMPTS),
            "latency": latency,
            "intents": ["provide_digits"],
        }
    if not chat and roll < 0.08:
        return {"silence": True, "agent": rng.choice(SILENCE), "latency": min(latency, 0.8)}
    if roll < 0.11:
        return {"user": rng.choice(OOD), "ood": True, "agent": OOD_ANSWER, "latency": latency}
    if chat and roll < 0.4:
        return {
            "user": rng.choice(_pooled("chat", CHAT_USER, topic)).format_map(slots),
            "agent": _agent(rng, slots, topic),
            "latency": latency,
        }
    text, intent, names = rng.choice(_pooled("user", USER, topic))
    step: dict[str, Any] = {
        "user": text.format_map(slots),
        "agent": _agent(rng, slots, topic),
        "latency": latency,
        "intents": [intent],
    }
    if names:
        step["entities"] = [{n: slots[n]} for n in names]
    return step
