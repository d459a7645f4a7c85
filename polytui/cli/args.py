"""Argument types: whole numbers with bounds (a value past them, ``-n 99999999999999999999``, is
a usage error naming the value and the range, never an overflow further in) and output file
names (an empty one is named as such, not read as the current folder)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

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


def output_path(text: str) -> Path:
    """An argparse ``type`` for ``-o FILE``: ``Path("")`` is the current folder, so an empty
    name (``-o ""``, an unset shell variable) is refused here, in its own words."""
    if not text.strip():
        raise argparse.ArgumentTypeError("the file name is empty")
    return Path(text)


def sort_column(text: str) -> str:
    """An argparse ``type`` taking a column of the call listing by any name its headers print
    (``score``, ``"Max lat"``, ``STARTED``) or by its key (``poly_score``)."""
    from polytui.core.ports import sort_key_named

    key = sort_key_named(text)
    if key is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a column: use started, id, channel, length, turns, handoff, "
            "score, max lat, tags, fetched or notes (or the keys: started_at, poly_score...)"
        )
    return key


sort_column.__name__ = "column"
