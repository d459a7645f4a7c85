"""Small pieces of FTS5 query text, shared by search and the listing's filter."""

from __future__ import annotations

import unicodedata

_TOKEN_CATEGORIES = ("L", "N", "Co")  # what FTS5's unicode61 tokenizer makes words of


def has_words(text: str) -> bool:
    """``text`` holds something FTS5 indexes as a word (else it would be a phrase no row holds)."""
    return any(unicodedata.category(char).startswith(_TOKEN_CATEGORIES) for char in text)


def term(text: str, prefix: bool) -> str:
    """``text`` as one FTS5 string (a phrase of its words), its last word a prefix when
    ``prefix``."""
    return '"' + text.replace('"', '""') + '"' + ("*" if prefix else "")


def words_query(text: str, columns: tuple[str, ...]) -> str | None:
    """Every word of ``text`` (as typed: no syntax) in any of ``columns``, each also matching
    the words it begins when long enough (``search.finds_longer_words``); None when ``text``
    holds no word."""
    words = [word for word in text.split() if has_words(word)]
    if not words:
        return None
    from polytui.core.search import finds_longer_words  # only when there are words

    terms = [term(word, finds_longer_words(word)) for word in words]
    return "{" + " ".join(columns) + "} : (" + " AND ".join(terms) + ")"
