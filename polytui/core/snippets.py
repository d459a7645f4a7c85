"""Where a search's words are in a text, and the snippet to show for it: plain Python over the
text a hit was found in, the same for every backend and bounded whatever the text's size.

Words are runs of letters and digits; they match ignoring case and accents, and a word of the
query matches the words it begins (``refund`` finds "refunds", as the search itself does,
``polytui.core.search``). A snippet is a window of ``WIDTH`` characters around the first match
(found with one linear regex scan, or, for accented text, a word-by-word scan of at most
``SCAN_LIMIT`` characters) with every match inside it highlighted: its cost does not grow with
how often a word repeats (FTS5's ``snippet()`` was quadratic in that: a turn of "refund " x
40,000 took 11 s) nor, past the scan limit, with the length of the text.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from . import search as syntax

WIDTH = 160  # characters of a snippet
BEFORE = 50  # of which, at most, before the first match
SCAN_LIMIT = 200_000  # characters read word by word when the fast scan finds nothing

_WORD = re.compile(r"[^\W_]+")


def fold(word: str) -> str:
    """``word`` without case and accents, as the index compares words (lower case, not case
    folding: "straße" stays apart from "strasse", as in SQLite's unicode61)."""
    if word.isascii():
        return word.lower()
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def words_of(text: str) -> list[str]:
    return [fold(match.group()) for match in _WORD.finditer(text)]


@dataclass(frozen=True)
class Words:
    """The words of a query that a text can show, by field: ``exact`` words must be whole,
    ``starts`` words begin a word of the text (the last word of each term)."""

    exact: frozenset[tuple[str | None, str]]
    starts: frozenset[tuple[str | None, str]]

    @classmethod
    def of(cls, node: syntax.Node | None) -> Words:
        exact: set[tuple[str | None, str]] = set()
        starts: set[tuple[str | None, str]] = set()
        for field, term in _terms(node, None):
            folded = words_of(term.text)
            if not folded:
                continue
            exact.update((field, word) for word in folded[:-1])
            last = folded[-1]
            prefix = syntax.finds_longer_words(term.text, term.prefix)
            (starts if prefix else exact).add((field, last))
        return cls(frozenset(exact), frozenset(starts))

    def for_field(self, field: str) -> FieldWords:
        found = _FIELD_WORDS.get((self, field))
        if found is None:

            def mine(pairs: frozenset[tuple[str | None, str]]) -> tuple[str, ...]:
                return tuple(sorted({word for name, word in pairs if name in (None, field)}))

            found = FieldWords(mine(self.exact), mine(self.starts))
            if len(_FIELD_WORDS) > 256:
                _FIELD_WORDS.clear()
            _FIELD_WORDS[(self, field)] = found
        return found


_FIELD_WORDS: dict[tuple[Words, str], FieldWords] = {}


def _terms(node: syntax.Node | None, field: str | None) -> Iterable[tuple[str | None, syntax.Term]]:
    """The query's terms that can be found (not those after NOT), with the field they are in."""
    if node is None:
        return
    if isinstance(node, syntax.Term):
        yield field, node
    elif isinstance(node, syntax.Field):
        yield from _terms(node.query, node.name)
    elif isinstance(node, syntax.Without):
        yield from _terms(node.kept, field)
    else:
        for part in node.parts:
            yield from _terms(part, field)


@dataclass(frozen=True)
class FieldWords:
    exact: tuple[str, ...]
    starts: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.exact or self.starts)

    def matches(self, word: str) -> bool:
        """``word`` (folded) is one of the query's, or begins with one that may."""
        return word in self.exact or word.startswith(self.starts)

    def pattern(self) -> re.Pattern[str] | None:
        """A case-insensitive regex finding the query's words in a text (accents aside)."""
        return _pattern(self.exact, self.starts)

    def count(self, text: str, most: int = 20) -> int:
        """How many of the query's words ``text`` shows (accents aside), up to ``most``."""
        pattern = self.pattern()
        if pattern is None:
            return 0
        found = 0
        for _ in pattern.finditer(text):
            found += 1
            if found >= most:
                break
        return found


@functools.lru_cache(maxsize=256)
def _pattern(exact: tuple[str, ...], starts: tuple[str, ...]) -> re.Pattern[str] | None:
    parts = [re.escape(word) + r"(?![^\W_])" for word in exact]
    parts += [re.escape(word) for word in starts]
    if not parts:
        return None
    return re.compile(r"(?<![^\W_])(?:" + "|".join(parts) + ")", re.IGNORECASE)


@dataclass(frozen=True)
class Snippet:
    text: str
    highlights: tuple[tuple[int, int], ...]  # (start, end) of each matched word in text

    @property
    def found(self) -> int:
        return len(self.highlights)


def first_match(text: str, words: FieldWords) -> int | None:
    """Where the first word of ``text`` matching ``words`` starts; None when there is none
    (within ``SCAN_LIMIT`` characters, for a match only accents make)."""
    pattern = words.pattern()
    if pattern is not None:
        found = pattern.search(text)
        if found is not None:
            return found.start()
    if text.isascii():
        return None  # no accent to fold: the scan above was complete
    for match in _WORD.finditer(text, 0, min(len(text), SCAN_LIMIT)):
        if words.matches(fold(match.group())):
            return match.start()
    return None


def snippet(text: str, words: FieldWords) -> Snippet:
    """A window of ``text`` around its first match, every match in it highlighted, "…" where
    the text was cut; the start of the text (nothing highlighted) when nothing matches."""
    position = first_match(text, words) if words else None
    start = 0
    if position is not None and position > BEFORE:
        start = position - BEFORE
        space = text.find(" ", start, position)  # not in the middle of a word
        start = space + 1 if space >= 0 else start
    end = min(len(text), start + WIDTH)
    if end < len(text):
        space = text.rfind(" ", start + WIDTH // 2, end)
        end = space if space > 0 else end
    window = text[start:end]
    lead = "…" if start > 0 else ""
    spans = tuple(
        (len(lead) + match.start(), len(lead) + match.end())
        for match in _WORD.finditer(window)
        if words.matches(fold(match.group()))
    )
    return Snippet(lead + window + ("…" if end < len(text) else ""), spans)
