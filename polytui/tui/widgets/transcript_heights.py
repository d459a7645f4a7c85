"""Cheap estimates of the rows each turn takes at a width, from raw lengths (no wrapping, no
cleaning): the transcript's first frame of a long call is laid out from these, and wrapping
makes them exact as turns are drawn."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from polytui.core.long_call import SIZE_FIELDS, differs, meta_length
from polytui.core.models import Note

__all__ = ["differs", "estimate_from_sizes", "estimate_heights", "meta_length"]

TRANSLATION_PREFIX = "→ en  "

#: Columns before the text: the cursor bar, a space, then the side label ("caller"/"agent").
BAR_WIDTH = 2
LABEL_WIDTH = 8
MIN_TEXT_WIDTH = 4


def label_width(width: int) -> int:
    """Width of the side-label column; dropped on very narrow panes."""
    return LABEL_WIDTH if width >= 24 else 0


def text_width(width: int) -> int:
    """Cells available for wrapped text in a pane ``width`` cells wide."""
    return max(MIN_TEXT_WIDTH, width - BAR_WIDTH - label_width(width))


def _rows(text_len: int, newlines: int, width: int) -> int:
    """Estimated wrapped rows of a text: one per line plus the overflow, with ~10% slack for
    word wrapping. Cheap on purpose: no wrapping, no cleaning."""
    return newlines + 1 + (text_len + text_len // 10) // width


def estimate_heights(
    payloads: Sequence[dict[str, Any]],
    width: int,
    show_translations: bool,
    notes: dict[int, list[Note]],
    first: int = 1,
) -> list[int]:
    """Rows each turn (its checked payload: ``Turn`` fields by name; turn numbers from
    ``first`` for ``notes``) takes at pane ``width``, estimated from raw lengths: header, caller,
    translations, agent, intents/entities, notes, separator. Exact rows come from wrapping.
    One loop with ``_rows`` written out: it runs over every turn of a call before its first
    frame."""
    tw = text_width(width)
    prefix = len(TRANSLATION_PREFIX)
    heights: list[int] = []
    add = heights.append
    for number, data in enumerate(payloads, start=first):
        get = data.get
        user = get("user_input") or ""
        dtmf = get("user_input_dtmf") or ""
        agent = get("agent_response") or ""
        has_dtmf = bool(dtmf.strip())
        rows = 2  # header + separator
        if user.strip():
            size = len(user)
            rows += user.count("\n") + 1 + (size + size // 10) // tw
        elif not has_dtmf:
            rows += 1
        if has_dtmf:
            size = 2 * len(dtmf) + 5
            rows += 1 + (size + size // 10) // tw
        if agent.strip():
            size = len(agent)
            rows += agent.count("\n") + 1 + (size + size // 10) // tw
        else:
            rows += 1
        if show_translations:
            translation = get("translated_user_input")
            if translation and differs(translation, user):
                size = len(translation) + prefix
                rows += translation.count("\n") + 1 + (size + size // 10) // tw
            translation = get("english_agent_response")
            if translation and differs(translation, agent):
                size = len(translation) + prefix
                rows += translation.count("\n") + 1 + (size + size // 10) // tw
        intents, entities = get("intents"), get("entities")
        if intents or entities:
            meta = meta_length(intents, entities)
            if meta:
                rows += _rows(meta + 20, 0, tw)
        for note in notes.get(number, ()):
            rows += _rows(len(note.text) + 20, note.text.count("\n"), tw)
        add(rows)
    return heights


def estimate_from_sizes(
    sizes: Sequence[int],
    count: int,
    width: int,
    show_translations: bool,
    notes: dict[int, list[Note]],
    first: int = 1,
) -> list[int]:
    """``estimate_heights`` of a long call's turns ``first``.. (``count`` of them) from the
    sizes its reading kept (``polytui.core.long_call.text_sizes``): the same rows, without
    the turns' text."""
    tw = text_width(width)
    prefix = len(TRANSLATION_PREFIX)
    heights: list[int] = []
    add = heights.append
    base = (first - 1) * SIZE_FIELDS
    for number in range(first, first + count):
        user, user_nl, dtmf, agent, agent_nl, tr_user, tr_user_nl, tr_agent, tr_agent_nl, meta = (
            sizes[base : base + SIZE_FIELDS]
        )
        base += SIZE_FIELDS
        rows = 2  # header + separator
        if user >= 0:
            rows += user_nl + 1 + (user + user // 10) // tw
        elif dtmf < 0:
            rows += 1
        if dtmf >= 0:
            size = 2 * dtmf + 5
            rows += 1 + (size + size // 10) // tw
        rows += 1 if agent < 0 else agent_nl + 1 + (agent + agent // 10) // tw
        if show_translations:
            if tr_user >= 0:
                size = tr_user + prefix
                rows += tr_user_nl + 1 + (size + size // 10) // tw
            if tr_agent >= 0:
                size = tr_agent + prefix
                rows += tr_agent_nl + 1 + (size + size // 10) // tw
        if meta:
            rows += _rows(meta + 20, 0, tw)
        for note in notes.get(number, ()):
            rows += _rows(len(note.text) + 20, note.text.count("\n"), tw)
        add(rows)
    return heights
