"""Hostile text for issue 5: the named cases, Hypothesis strategies for any string in any text
field of a conversation, and the checks that say a rendering is inert."""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import strategies as st

#: The issue's named cases (and a few relatives), each a string an API field could hold.
NAMED: dict[str, str] = {
    "closing tag": "a [/] b",
    "click action": "[@click=app.quit]quit[/]",
    "file link": "[link=file:///etc/passwd]passwd[/link]",
    "bold markup": "[bold red]shout[/]",
    "OSC 52 clipboard write": "\x1b]52;c;cm0gLXJmIH4=\x07",
    "OSC 8 hyperlink": "\x1b]8;;https://evil.example\x1b\\click me\x1b]8;;\x1b\\",
    "CSI 2J screen clear": "\x1b[2J\x1b[H",
    "C1 CSI": "\x9b31mred",
    "BEL": "ding\x07",
    "NUL": "nul\x00byte",
    "backspace overwrite": "safe\x08\x08\x08\x08evil",
    "carriage return overwrite": "card 4111\rcard ****",
    "bidi override U+202E": "\u202etxt.exe",
    "bidi isolate U+2066": "\u2066isolated\u2069",
    "lone surrogate": "half \ud83d pair",
    "html": '<script>alert("x")</script><img src=x onerror=alert(1)>',
    "markdown link": "[click](javascript:alert(1)) ![img](http://evil.example/x.png)",
}

#: Characters that must never reach a terminal (newline aside): C0, DEL, C1, bidi controls,
#: lone surrogates and the Unicode line separators.
UNSAFE = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)

_ALPHABET = st.characters(codec=None, exclude_categories=())  # every code point, surrogates too
_FRAGMENTS = st.sampled_from(sorted(NAMED.values()) + ["[", "]", "[/", "\\", "<", ">", "&", "="])


def text() -> st.SearchStrategy[str]:
    """Any string, biased towards markup, escape sequences and control characters."""
    piece = st.one_of(_FRAGMENTS, st.text(_ALPHABET, max_size=12))
    return st.lists(piece, max_size=5).map("".join)


_TOP_TEXT = (
    "accountId",
    "projectId",
    "channel",
    "direction",
    "fromNumber",
    "toNumber",
    "language",
    "variantId",
    "clientEnv",
    "deploymentId",
    "handoffDestination",
    "handoffReason",
    "note",
    "audioUrl",
    "startedAt",
)
_TURN_TEXT = (
    "user_input",
    "user_input_dtmf",
    "agent_response",
    "translated_user_input",
    "english_agent_response",
    "user_input_datetime",
)


def payload_from(strings: list[str], two_turns: bool = False, json_summary: bool = True) -> dict:
    """A conversation with ``strings`` dealt out, in turn, to every text field: each field,
    metric, tag, intent, entity and event holds one of them (generating a few strings and
    dealing them keeps an example cheap while every field still meets every kind of text)."""
    deal = iter(strings * (len(_TOP_TEXT) + 40))
    data: dict[str, Any] = {name: next(deal) for name in _TOP_TEXT}
    data["conversationId"] = "CA" + next(deal)
    heading, content = next(deal), next(deal)
    data["shortSummary"] = (
        json.dumps({"heading": heading, "content": content}) if json_summary else heading
    )
    data["tags"] = [next(deal), next(deal)]
    data["handoff"] = two_turns
    data["turns"] = []
    for _ in range(2 if two_turns else 1):
        turn: dict[str, Any] = {name: next(deal) for name in _TURN_TEXT}
        turn["intents"] = [next(deal), next(deal)]
        turn["entities"] = [{next(deal): next(deal)}, {next(deal): [next(deal), next(deal)]}]
        turn["latency"] = 1.25
        data["turns"].append(turn)
    data["metrics"] = {next(deal): next(deal), next(deal): [next(deal), next(deal)]}
    data["functionEvents"] = [{"name": next(deal), "args": {next(deal): next(deal)}}]
    return data


def conversations() -> st.SearchStrategy[dict[str, Any]]:
    """A conversation payload whose every text field (and metric, tag, event) is hostile."""
    return st.builds(
        payload_from, st.lists(text(), min_size=1, max_size=4), st.booleans(), st.booleans()
    )


def squash(value: str) -> str:
    """``value`` without whitespace: compare text that may have been wrapped or re-spaced."""
    return "".join(value.split())
