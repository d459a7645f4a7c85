"""A call's JSON given back as it was received: the stored text itself, not a re-serialisation.

``faithful_json`` is what ``--format json`` writes (``polytui show``, exports, the app's export):
the payload's own bytes, so unknown fields, key order, number spellings and the API's own
layout all come back exactly, with what polytui adds (the reviewers' notes under ``NOTES_KEY``,
the call's reviews under ``REVIEWS_KEY``) after the payload's own keys. Two changes
only, both invisible to any JSON reader and both needed to print it safely: line breaks and
tabs between tokens become plain newlines and spaces (raw ones cannot sit inside a JSON
string), and characters ``text.clean`` would change are written as ``\\u`` escapes (those can
only sit inside strings). No parsing, no models: a 5,000-turn call streams as fast as it reads.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from .text import escape_json_text

# Texts that need the slow path (parse, then write JSON): NaN and Infinity are Python's
# extensions, not JSON; a payload already holding a key polytui adds would get it twice.
_NEEDS_PARSING = ("NaN", "Infinity")


def faithful_json(raw: str, added: Mapping[str, Sequence[object]] | None = None) -> str | None:
    """``raw`` (a JSON object's text, as stored) safe to print, with the non-empty lists of
    ``added`` (reviewer notes, reviews) after its own keys, ending in a newline; None when it
    cannot be given back as is (see ``_NEEDS_PARSING``)."""
    added = {key: list(values) for key, values in (added or {}).items() if values}
    markers = (*_NEEDS_PARSING, *(f'"{key}"' for key in added))
    if any(marker in raw for marker in markers):
        return None
    text = raw.strip()
    if not text.endswith("}"):
        return None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\t" in text:
        text = text.replace("\t", " ")
    if added:
        inside = text[:-1].rstrip()
        parts = [
            f'"{key}": {json.dumps(values, ensure_ascii=False, indent=2)}'
            for key, values in added.items()
        ]
        separator = "" if inside.endswith("{") else ","
        text = f"{inside}{separator}\n" + ",\n".join(parts) + "\n}"
    return escape_json_text(text) + "\n"
