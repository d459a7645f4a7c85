"""Argument types for whole numbers with bounds: a value past them (``-n 99999999999999999999``)
is a usage error naming the value and the range, never an overflow further in."""

from __future__ import annotations

import argparse
from collections.abc import Callable

#: The largest row ID SQLite gives (note numbers are row IDs).
MAX_ROW_ID = 2**63 - 1


def bounded_int(low: int, high: int) -> Callable[[str], int]:
    """An argparse ``type`` taking a whole number from ``low`` to ``high``."""

    def parse(text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is out of range ({low} to {high:,})")
        return value

    parse.__name__ = "whole number"
    return parse
