"""Reading JSON text from the API, an import or the store: one parser for all of them.

Any valid JSON must parse. Python refuses integers of more than 4,300 digits (a guard against
quadratic conversion), which made a valid call with one huge number unreadable; such an
integer is read as a float instead (usually inf), while the text itself is kept as received.
"""

from __future__ import annotations

import json
import sys
from typing import Any

_INT_DIGITS = min(4300, sys.get_int_max_str_digits() or 4300)


def read_int(text: str) -> int | float:
    """An integer's text as a number: past Python's digit limit, a float (usually inf)."""
    if len(text.lstrip("-")) < _INT_DIGITS:
        return int(text)
    return float(text)  # linear in the digits, and as good a reading as any


def loads(text: str | bytes) -> Any:
    """``json.loads``, but any integer parses. Raises ValueError (not JSON) or RecursionError
    (nested too deeply), as json.loads does."""
    try:
        return json.loads(text)  # every integer parsed in C: the common case
    except ValueError as exc:
        if "integer string conversion" not in str(exc):
            raise
    return json.loads(text, parse_int=read_int)
