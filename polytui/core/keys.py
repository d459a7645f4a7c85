"""The keymap: every key polytui binds, named by one id.

An id means the same thing on every screen, so it has the same keys everywhere: ``down`` is the
next turn in a call, the next stored call in the list, the next sample, hit or help line;
``delete`` deletes the note in a call and the stored copy in the list; ``copy`` copies the turn
or the panel value. The app's widgets declare their bindings by these ids
(``polytui.tui.keys.bind``), and the ``[keys]`` table of the config file remaps them::

    [keys]
    down = "j,down,ctrl+n"      # keys separated by commas, or a list: ["j", "down"]
    find = "slash"              # ctrl+f is then free, e.g. for page_down

Key names are Textual's: a printable character (``"?"``, ``"G"``) or its name
(``question_mark``, ``left_square_bracket``), ``enter``, ``escape``, ``tab``, ``space``,
``up``/``down``/``left``/``right``, ``home``/``end``, ``pageup``/``pagedown``, ``f1``-``f24``,
each optionally after ``ctrl+``, ``alt+``, ``shift+`` (``ctrl+f``). No Textual here: the config
is checked before the app starts (a bad entry is a usage error naming the key).
"""

from __future__ import annotations

import string
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class KeySpec:
    keys: str  # the default keys, comma-separated Textual key names
    does: str  # what the id does, in the README's words
    group: str  # the heading it is listed under in help


MOVE, SEARCH, NOTES, VIEW, CALL, LISTEN, QUEUE, APP = (
    "Move", "Search", "Notes", "View", "The call", "Listen", "Review queues", "Anywhere"
)  # fmt: skip

#: Every id, in the order help and the README list them.
KEYMAP: dict[str, KeySpec] = {
    "down": KeySpec(
        "j,down", "next turn, stored call, hit, sample or line (a count: that many)", MOVE
    ),
    "up": KeySpec("k,up", "previous turn, call, hit, sample or line", MOVE),
    "first": KeySpec("g,home", "first one (a count first: turn N, as in 37g)", MOVE),
    "last": KeySpec("G,end", "last one, the very end of a call (a count first: turn N)", MOVE),
    "page_down": KeySpec("pagedown,space", "a page down", MOVE),
    "page_up": KeySpec("pageup,b,ctrl+b", "a page up", MOVE),
    "half_page_down": KeySpec("ctrl+d", "half a page down", MOVE),
    "half_page_up": KeySpec("ctrl+u", "half a page up", MOVE),
    "go_to": KeySpec("colon", "go to turn N (type the number, Enter)", MOVE),
    "pan_left": KeySpec("left,h", "scroll the stored calls left", MOVE),
    "pan_right": KeySpec("right,l", "scroll the stored calls right", MOVE),
    "expand": KeySpec("right,l", "search hits: every hit of the selected call", MOVE),
    "collapse": KeySpec("left,h", "search hits: fold the call's hits back", MOVE),
    "open": KeySpec("enter", "open the selected call, sample or hit", MOVE),
    "find": KeySpec(
        "slash,ctrl+f", "search: this call in a call, every stored call elsewhere", SEARCH
    ),
    "find_calls": KeySpec(
        "ctrl+g,F", "find the agent's calls through the API (the start screen)", SEARCH
    ),
    "filters": KeySpec("ctrl+l", "Find: back to the filter form", SEARCH),
    "fetch_all": KeySpec("A", "Find: fetch and store every call listed (Escape stops)", SEARCH),
    "list_more": KeySpec("m", "Find: ask for the next page again after a failure", SEARCH),
    "next_match": KeySpec("n", "next match", SEARCH),
    "previous_match": KeySpec("N", "previous match", SEARCH),
    "next_flagged": KeySpec(
        "right_square_bracket",
        "next flagged turn (OOD, silence, slow, DTMF, handoff, noted)",
        SEARCH,
    ),
    "previous_flagged": KeySpec("left_square_bracket", "previous flagged turn", SEARCH),
    "filter": KeySpec(
        "f", "filter the stored calls as you type; a queue's calls by status", SEARCH
    ),
    "sort": KeySpec("s", "sort the stored calls: pick the column", SEARCH),
    "reverse": KeySpec("S", "reverse the stored calls' order", SEARCH),
    "add_note": KeySpec("a", "add a note to the selected turn", NOTES),
    "add_call_note": KeySpec("C", "add a note on the whole call", NOTES),
    "edit_note": KeySpec("A", "edit a note of the selected turn or the call", NOTES),
    "delete": KeySpec(
        "d,delete", "delete: a note in a call, the stored copy in the list (asks first)", NOTES
    ),
    "label_turn": KeySpec("L", "label the selected turn with one of Studio's labels", NOTES),
    "translations": KeySpec("t", "translations on / off", VIEW),
    "alternatives": KeySpec("T", "speech recognition's alternatives on / off", VIEW),
    "panels": KeySpec("p", "metrics and function-event panels on / off", VIEW),
    "header": KeySpec("H", "the call's header: full / one line", VIEW),
    "copy": KeySpec("y", "copy the selected turn, or the panel's value", CALL),
    "copy_id": KeySpec("Y", "copy the conversation ID", CALL),
    "refresh": KeySpec(
        "r", "refresh: the call from the API, the list from the store; Find lists again", CALL
    ),
    "open_audio": KeySpec("o", "open the recording with the system's player (else Studio)", CALL),
    "open_studio": KeySpec("O", "open the call in Studio", CALL),
    "export": KeySpec("e", "export the call to a file", CALL),
    "listen": KeySpec("l", "play the recording from the selected turn, or pause", LISTEN),
    "stop_audio": KeySpec("s", "stop playing", LISTEN),
    "seek_back": KeySpec("comma", "back 5 s", LISTEN),
    "seek_forward": KeySpec("full_stop", "forward 5 s", LISTEN),
    "audio_channel": KeySpec("v", "play both sides, the caller's or the agent's recording", LISTEN),
    "follow_playhead": KeySpec("f", "the cursor follows the playhead, or not", LISTEN),
    "queues": KeySpec("ctrl+r", "review queues: open one, or make one of the listed calls", QUEUE),
    "resume": KeySpec("c", "a queue: open its first call not reviewed yet", QUEUE),
    "previous_filter": KeySpec("F", "a queue: the previous status filter", QUEUE),
    "queue_pass": KeySpec("plus,equals_sign", "a queue's call: done (pass), then the next", QUEUE),
    "queue_fail": KeySpec(
        "minus", "a queue's call: done with a fail verdict, then the next", QUEUE
    ),
    "queue_skip": KeySpec("underscore", "a queue's call: skip it, then the next", QUEUE),
    "queue_flag": KeySpec("exclamation_mark", "a queue's call: flag it, then the next", QUEUE),
    "queue_next": KeySpec("greater_than_sign", "the queue's next call (nothing marked)", QUEUE),
    "queue_previous": KeySpec("less_than_sign", "the queue's previous call", QUEUE),
    "queue_reopen": KeySpec(
        "u",
        "a queue's marked call: reopen it (its mark and verdict go; the queue: to review)",
        QUEUE,
    ),
    "queue_category": KeySpec(
        "number_sign", "a queue's marked call: say why (its category; empty removes it)", QUEUE
    ),
    "back": KeySpec("escape", "back out one layer; cancel a dialog", APP),
    "help": KeySpec("question_mark,f1", "help: the keys in force", APP),
    "quit": KeySpec("q", "quit (in help: close it)", APP),
    "yes": KeySpec("y", "yes, in a question", APP),
    "no": KeySpec("n", "no, in a question (Escape too)", APP),
}

MODIFIERS = frozenset({"ctrl", "alt", "shift", "meta", "super", "hyper"})
NAMED_KEYS = frozenset(
    {
        "escape", "enter", "tab", "space", "backspace", "delete", "insert", "home", "end",
        "pageup", "pagedown", "up", "down", "left", "right",
        *(f"f{n}" for n in range(1, 25)),
    }
)  # fmt: skip

# Textual's names for the punctuation keys: the Unicode name in lower case with "_" for spaces
# and dashes, a few shortened (slash, backslash, at, minus, plus, underscore).
_SHORTER = {
    "solidus": "slash",
    "reverse_solidus": "backslash",
    "commercial_at": "at",
    "hyphen_minus": "minus",
    "plus_sign": "plus",
    "low_line": "underscore",
}
CHARACTER_NAMES = {
    _SHORTER.get(name, name): char
    for char in string.punctuation
    for name in [unicodedata.name(char).lower().replace("-", "_").replace(" ", "_")]
}


def _character(name: str) -> str | None:
    """The character a key name stands for (``question_mark`` -> ``?``), or None."""
    if name in CHARACTER_NAMES:
        return CHARACTER_NAMES[name]
    try:
        return unicodedata.lookup(name.replace("_", " "))
    except KeyError:
        return None


def key_problem(key: str) -> str | None:
    """Why ``key`` is not a key name polytui can bind, or None when it is one."""
    if not key or key != key.strip():
        return "an empty key or one with spaces around it"
    *modifiers, base = key.split("+") if len(key) > 1 else [key]
    unknown = [m for m in modifiers if m not in MODIFIERS]
    if unknown:
        return f"{unknown[0]!r} is not a modifier (ctrl, alt, shift, meta)"
    if len(base) == 1:
        return None if base.isprintable() and not base.isspace() else "not a printable key"
    if base in NAMED_KEYS or _character(base) is not None:
        return None  # a named key, or a character by its name: question_mark, slash
    return f"{base!r} is not a key name"


def key_label(key: str) -> str:
    """``key`` as typed where that is shorter: ``?`` for question_mark, ``ctrl+]`` for
    ctrl+right_square_bracket (a comma keeps its name: it separates keys)."""
    *modifiers, base = key.split("+") if len(key) > 1 else [key]
    if len(base) > 1 and base not in NAMED_KEYS and base != "comma":
        base = _character(base) or base
    return "+".join([*modifiers, base])


def parse_keymap(data: Any, where: str = "keys") -> dict[str, str]:
    """The ``[keys]`` table checked: ``{id: "key,key"}``. ConfigError naming the entry for an
    unknown id, a value that is not text or a list of text, or a key that is not a key name."""
    from .errors import ConfigError

    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise ConfigError(f"In the config file, {where} must be a table ([keys] with id = keys).")
    keymap: dict[str, str] = {}
    for name, value in data.items():
        entry = f"{where}.{name}"
        if name not in KEYMAP:
            raise ConfigError(
                f"In the config file, {entry} is not a key id (the ids are listed in the README "
                "under Keys, and by `polytui config keys`)."
            )
        if isinstance(value, str):
            keys = [key.strip() for key in value.split(",")]
        elif isinstance(value, list) and all(isinstance(key, str) for key in value):
            keys = [key.strip() for key in value]
        else:
            raise ConfigError(
                f'In the config file, {entry} must be text such as "j,down" or a list of keys.'
            )
        if not any(keys):
            raise ConfigError(f"In the config file, {entry} names no key.")
        for key in keys:
            problem = key_problem(key)
            if problem:
                raise ConfigError(f"In the config file, {entry} has {key!r}: {problem}.")
        keymap[name] = ",".join(keys)
    return keymap


def keys_for(keymap: Mapping[str, str], key_id: str) -> list[str]:
    """The keys of ``key_id`` in force: the config's, else the default."""
    value = keymap.get(key_id) or KEYMAP[key_id].keys
    return [key.strip() for key in value.split(",") if key.strip()]
