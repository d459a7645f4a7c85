"""The six hand-written demo calls (the seventh, the 5,000-turn call, is generated).

Each entry is a script: call metadata plus steps (what the caller said, typed, keyed or left
silent, what the agent answered, and how long it took). ``samples._conversation`` turns a script
into the exact API payload, deriving every timestamp and duration from the steps.
"""

from __future__ import annotations

from typing import Any

from ._script_functions import FUNCTIONS
from ._script_functions import FUNCTIONS_ID as FUNCTIONS_ID  # the tests name it here

BOOKING_ID = "CA3f9c2e7a41d84b0c9e15a6f0b2d7c481"
BANK_ID = "CA8d41b07e2c9f4a6b8e3d5c1f7a90b2e6"
FRENCH_ID = "CA0b7e5d3c9a1f48e2b6c4d8a0f3e1c975"
LIVE_ID = "CAe4c1a9f7b3d5402e8c6a0f2b4d9e7c13"
CHAT_ID = "6f1d2c3b-8a4e-4f5b-9c7d-0e1a2b3c4d5e"

BOOKING: dict[str, Any] = {
    "conversationId": BOOKING_ID,
    "startedAt": "2025-03-12T18:02:11.000Z",
    "fromNumber": "+15555550147",
    "toNumber": "+15555550110",
    "language": "en-GB",
    "tags": ["booking", "birthday"],
    "polyScore": 5,
    "summary": {
        "heading": "Table for 4 booked",
        "content": "Dana Whitfield booked a table for four at 7:30 pm on Saturday 15 March, "
        "asked for the terrace for a birthday and checked the gluten-free options.",
    },
    "metrics": {"booking_made": "true", "party_size": "4", "containment": "contained"},
    "script": [
        {
            "agent": "Hi, thanks for calling Marlowe's Kitchen. I can help with bookings, opening "
            "hours and anything about the menu. How can I help today?",
            "latency": 0.42,
        },
        {
            "user": "Hi, I'd like to book a table for Saturday evening please.",
            "agent": "Of course. How many people will be joining you on Saturday?",
            "latency": 0.71,
            "intents": ["make_booking"],
            "entities": [{"date": "2025-03-15"}],
        },
        {
            "user": "There'll be four of us.",
            "agent": "Lovely, a table for four. What time would you like to arrive?",
            "latency": 0.64,
            "intents": ["provide_party_size"],
            "entities": [{"party_size": "4"}],
        },
        {
            "user": "Around half seven, if you've got anything.",
            "agent": "I have a table for four at 7:30 pm on Saturday the 15th of March. Would you "
            "like me to book it?",
            "latency": 0.92,
            "intents": ["provide_time"],
            "entities": [{"time": "19:30"}],
        },
        {
            "user": "Yes please. Oh, and is there anywhere we could sit outside? It's my mum's "
            "birthday.",
            "agent": "Happy birthday to your mum! Our terrace is open at weekends, heaters included, "
            "so I've added a note asking for an outdoor table. I can't promise it, but the team will "
            "do their best. What name should the booking be under?",
            "latency": 1.18,
            "intents": ["confirm", "request_seating"],
            "entities": [{"seating": "outdoor"}, {"occasion": "birthday"}],
        },
        {
            "user": "Dana Whitfield.",
            "agent": "Thanks, Dana. What's the best mobile number for the confirmation text?",
            "latency": 0.58,
            "intents": ["provide_name"],
            "entities": [{"name": "Dana Whitfield"}],
        },
        {
            "user": "It's 555 0147.",
            "agent": "Got it, 555 0147. You're all booked: a table for four at 7:30 pm this "
            "Saturday, the 15th of March, under Whitfield, with a request for the terrace. You'll "
            "get a text confirmation shortly. Is there anything else I can help with?",
            "latency": 0.88,
            "intents": ["provide_phone"],
            "entities": [{"phone_number": "+15555550147"}],
        },
        {
            "user": "Do you do a gluten-free menu?",
            "agent": "We do. Most of our mains can be made gluten-free and they're marked on the "
            "menu. Just let your server know when you arrive.",
            "latency": 0.77,
            "intents": ["dietary_question"],
            "entities": [{"diet": "gluten-free"}],
        },
        {
            "user": "Perfect, that's everything. Thanks so much.",
            "agent": "You're welcome, Dana. Enjoy the birthday dinner, and see you on Saturday. "
            "Goodbye!",
            "latency": 0.51,
            "intents": ["goodbye"],
        },
    ],
}

BANK: dict[str, Any] = {
    "conversationId": BANK_ID,
    "startedAt": "2025-03-11T23:58:40.000Z",
    "fromNumber": "+15555550163",
    "toNumber": "+15555550120",
    "variantId": "VARIANT-cards-b",
    "humanSeconds": 412,
    "handoffDestination": "fraud-disputes",
    "handoffReason": "Caller disputes a card payment and asked for a refund",
    "tags": ["fraud", "dispute", "handoff", "dtmf"],
    "polyScore": 2,
    "summary": "Caller reported an unrecognised $89.99 payment to QuickStream Media; the card "
    "ending 4417 was frozen and the call was transferred to the fraud team.",
    "metrics": {"verified": "true", "card_frozen": "true", "handoff_reason_code": "DISPUTE"},
    "script": [
        {
            "agent": "Thank you for calling Harbor Point Bank card services. This call may be "
            "recorded for quality and training. How can I help you today?",
            "latency": 0.47,
        },
        {
            "user": "Yeah, there's a charge on my card I don't recognise.",
            "agent": "I'm sorry to hear that, I can help look into it. First I need to confirm who "
            "I'm speaking with. Please enter the last four digits of your card on your keypad.",
            "latency": 0.94,
            "intents": ["report_unknown_transaction"],
        },
        {
            "dtmf": "4417",
            "agent": "Thank you. Now please enter your date of birth: two digits "
            "for the day, two for the month and four for the year.",
            "latency": 1.12,
            "intents": ["provide_card_digits"],
            "entities": [{"card_last_four": "4417"}],
        },
        {
            "silence": True,
            "agent": "Are you still there? Take your time. When you're ready, "
            "enter your date of birth on the keypad.",
            "latency": 0.35,
        },
        {
            "dtmf": "09071986",
            "agent": "Thanks, you're verified. Can you tell me the amount and "
            "the name of the shop on the charge you don't recognise?",
            "latency": 4.62,
            "intents": ["provide_date_of_birth"],
            "entities": [{"date_of_birth": "1986-07-09"}],
        },
        {
            "user": "It's eighty nine ninety nine from something called QuickStream Media. I've "
            "never heard of them.",
            "agent": "I can see a pending payment of $89.99 to QuickStream Media, made yesterday at "
            "11:42 pm. To protect your account I can freeze the card right now. Would you like me "
            "to do that?",
            "latency": 1.41,
            "intents": ["describe_transaction"],
            "entities": [{"amount": "89.99"}, {"merchant": "QuickStream Media"}],
        },
        {
            "user": "Hang on, did the Giants win last night?",
            "ood": True,
            "agent": "I'm afraid I can't help with that one. I can help with your card, payments "
            "and disputes. Shall I go ahead and freeze the card?",
            "latency": 0.88,
        },
        {
            "user": "Sorry, yes, freeze it. And can I get my money back?",
            "agent": "Done. Your card ending 4417 is frozen, so no new payments can go through. "
            "Disputes and refunds are handled by our fraud team, so I'll transfer you to a "
            "specialist now.",
            "latency": 1.67,
            "intents": ["freeze_card", "request_refund"],
            "entities": [{"card_last_four": "4417"}],
        },
        {
            "silence": True,
            "agent": "Please stay on the line while I connect you. Your "
            "reference number is 7 3 1 9 0.",
            "latency": 0.62,
        },
    ],
}

FRENCH: dict[str, Any] = {
    "conversationId": FRENCH_ID,
    "startedAt": "2025-03-10T09:14:05.000Z",
    "fromNumber": "+15555550171",
    "toNumber": "+15555550130",
    "language": "fr",
    "variantId": "VARIANT-fr",
    "tags": ["modify_booking", "french"],
    "polyScore": 4,
    "summary": {
        "heading": "Stay extended by one night",
        "content": "Camille Moreau extended her stay at Hôtel des Tilleuls to 12-15 April "
        "(extra night 128 EUR with breakfast) and asked about parking.",
    },
    "script": [
        {
            "agent": "Bonjour et bienvenue à l'Hôtel des Tilleuls. Comment puis-je vous aider ?",
            "english": "Hello and welcome to Hôtel des Tilleuls. How can I help you?",
            "latency": 0.55,
        },
        {
            "user": "Bonjour, j'ai une réservation pour le 12 avril et je voudrais ajouter une nuit.",
            "translated": "Hello, I have a booking for 12 April and I would like to add a night.",
            "agent": "Avec plaisir. Pouvez-vous me donner le nom de la réservation ?",
            "english": "Gladly. Could you give me the name on the booking?",
            "latency": 0.97,
            "intents": ["modify_booking"],
            "entities": [{"date": "2025-04-12"}],
        },
        {
            "user": "Au nom de Moreau, Camille Moreau.",
            "translated": "Under the name Moreau, Camille Moreau.",
            "agent": "Merci, madame Moreau. Je vois une chambre double du 12 au 14 avril. Vous "
            "souhaitez rester jusqu'au 15, c'est bien cela ?",
            "english": "Thank you, Ms Moreau. I can see a double room from 12 to 14 April. You "
            "would like to stay until the 15th, is that right?",
            "latency": 1.24,
            "intents": ["provide_name"],
            "entities": [{"name": "Camille Moreau"}],
        },
        {
            "user": "Oui, c'est ça. Est-ce que le prix reste le même ?",
            "translated": "Yes, that's right. Does the price stay the same?",
            "agent": "La nuit supplémentaire est à 128 euros, petit-déjeuner compris, comme les "
            "autres nuits. Je confirme la modification ?",
            "english": "The extra night is 128 euros, breakfast included, like the other nights. "
            "Shall I confirm the change?",
            "latency": 1.06,
            "intents": ["confirm", "ask_price"],
        },
        {
            "user": "Oui, s'il vous plaît. Et est-ce qu'il y a un parking ?",
            "translated": "Yes, please. And is there parking?",
            "agent": "C'est confirmé : vous êtes chez nous du 12 au 15 avril. Nous avons un parking "
            "privé à 15 euros par nuit, sans réservation.",
            "english": "It's confirmed: you are staying with us from 12 to 15 April. We have "
            "private parking at 15 euros a night, no booking needed.",
            "latency": 1.31,
            "intents": ["confirm", "ask_parking"],
            "entities": [{"check_in": "2025-04-12", "check_out": "2025-04-15"}],
        },
        {
            "user": "Parfait, merci beaucoup. Bonne journée.",
            "translated": "Perfect, thank you very much. Have a good day.",
            "agent": "Merci à vous, madame Moreau. Bonne journée et à bientôt !",
            "english": "Thank you, Ms Moreau. Have a good day and see you soon!",
            "latency": 0.68,
            "intents": ["goodbye"],
        },
    ],
}

LIVE: dict[str, Any] = {
    "conversationId": LIVE_ID,
    "startedAt": "2025-03-14T16:45:02.000Z",
    "fromNumber": "+15555550132",
    "toNumber": "+15555550150",
    "inProgress": True,
    "tags": ["appointment"],
    "script": [
        {"agent": "Good afternoon, Cedar Valley Dental. How can I help?", "latency": 0.44},
        {
            "user": "Hi, I need to move my cleaning appointment next week.",
            "agent": "No problem. Can I take your date of birth so I can find your appointment?",
            "latency": 0.83,
            "intents": ["reschedule_appointment"],
            "entities": [{"appointment_type": "cleaning"}],
        },
        {
            "user": "March third, nineteen seventy nine.",
            "agent": "Thanks. I can see a cleaning with Dr. Okafor on Tuesday the 18th at 10 am. "
            "When would suit you better?",
            "latency": 1.36,
            "intents": ["provide_date_of_birth"],
            "entities": [{"date_of_birth": "1979-03-03"}],
        },
        {
            "user": "Do you have anything on Thursday morning?",
            "intents": ["provide_date"],
            "entities": [{"date": "2025-03-20"}, {"time_of_day": "morning"}],
        },
    ],
}

CHAT: dict[str, Any] = {
    "conversationId": CHAT_ID,
    "startedAt": "2025-03-13T20:31:17.000Z",
    "channel": "WEBCHAT",
    "language": "en-GB",
    "variantId": "VARIANT-web",
    "tags": ["broadband", "upgrade"],
    "polyScore": 3,
    "summary": {
        "heading": "Slow broadband, upgrade offered",
        "content": "Customer's router showed a red light and speeds were low; a restart fixed it. "
        "The 900 Mb upgrade was explained but not taken.",
    },
    "metrics": {"troubleshooting_steps": ["restart_router", "check_lights"], "upgrade": "declined"},
    "script": [
        {
            "agent": "Hi! I'm Lumen Fibre's virtual assistant. What can I help with today?",
            "latency": 0.31,
        },
        {
            "user": "internet is sooo slow tonight, my router shows a [red] light",
            "agent": "Sorry about that! A red light usually means the router has lost its "
            "connection. Could you switch it off at the wall, wait 30 seconds and turn it back on?",
            "latency": 1.42,
            "intents": ["report_slow_internet"],
            "entities": [{"router_light": "red"}],
        },
        {
            "user": "ok done\nlight is white now & speed test says 480",
            "agent": "Great, white means you're connected again, and 480 Mb is right for your "
            "500 Mb plan.",
            "latency": 1.18,
            "intents": ["report_result"],
            "entities": [{"speed_mbps": "480"}],
        },
        {
            "user": "what would it cost to get faster? we have 3 people gaming 🎮",
            "agent": "Our 900 Mb plan is $15 a month more than you pay now, with no new contract "
            "needed. You can compare plans at lumenfibre.example/upgrade. Would you like me to "
            "switch you?",
            "latency": 2.05,
            "intents": ["ask_upgrade_price"],
        },
        {
            "user": "not right now thanks, maybe next month",
            "agent": "No problem at all. The offer will still be there. Anything else I can do?",
            "latency": 0.97,
            "intents": ["decline"],
        },
        {
            "user": "nope, cheers",
            "agent": "Thanks for chatting with Lumen Fibre. Have a good evening!",
            "latency": 0.64,
            "intents": ["goodbye"],
        },
    ],
}

SCRIPTED_CALLS: tuple[dict[str, Any], ...] = (BOOKING, BANK, FRENCH, FUNCTIONS, LIVE, CHAT)
