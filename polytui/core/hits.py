"""What a search finds, in polytui's own terms (``polytui.core.ports`` re-exports both): a hit's
score is higher for a better match whatever the backend ranks by, and matched words come as
``(start, end)`` spans of a plain snippet. Apart from the ports so that a command that only lists
or shows stored calls does not build them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SearchHit:
    """One place a search found its words: a turn, the summary or a note."""

    agent: str
    conversation_id: str
    turn: int | None  # 1-based turn number; None = the summary or a note on the whole call
    field: str  # one of SEARCH_FIELDS
    snippet: str  # plain, sanitised single-line excerpt of the field's text
    highlights: tuple[tuple[int, int], ...]  # (start, end) of each matched word in snippet
    score: float  # how good a match: higher is better (comparable within one call only)
    started_at: str | None


@dataclass(frozen=True)
class CallHits:
    """A call a search found, with how well and where: calls are ranked, not turns, so one
    long call cannot crowd out the others."""

    agent: str
    conversation_id: str
    started_at: str | None
    summary: str  # the call's one-line summary ("" when none, or when it is not stored)
    score: float  # higher is better (comparable within one search only)
    count: int  # places found: turns, the summary, the API's note and reviewers' notes
    hits: tuple[SearchHit, ...]  # the best few of them, best first
