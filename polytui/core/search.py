"""polytui's search syntax: written here once, read here once, translated by each backend.

The syntax (the same in ``polytui cache search`` and the app's search screen):

======================  ===========================================================================
``refund card``         both words, anywhere in the same turn, summary or note (AND is implied)
``"check your card"``   the words next to each other, in this order
``refund*``             a word starting with "refund" (refunds, refunded); ``"your ref"*`` too
``refund AND card``     the same as ``refund card``
``refund OR return``    either word
``refund NOT card``     refund, but not where card is also found
``(a OR b) c``          brackets group; without them NOT binds first, then AND, then OR
``caller: refund``      only in what the caller said; also ``agent:``, ``translation:`` (the
                        translations of either side), ``intent:`` and ``entity:`` (a turn's
                        intents and entities), ``summary:`` (the call's summary) and ``note:``
                        (reviewers' notes and the API's note). A field applies to the word,
                        "phrase" or (group) right after it: ``caller:(refund OR return)``
======================  ===========================================================================

Matching ignores case and accents (``cafe`` finds "Café"), and a word of three letters or more
finds the words it begins, as the search inside a call does: ``refund`` finds "refunds" and
"refunded" (``"check your card"`` finds "check your cards"). AND, OR and NOT are operators only
in capitals; in lower case they are words. Punctuation inside a word splits it into words that
must follow each other: ``e-mail`` finds "e-mail" and "e mail". Field names ignore case.

A query that is not this syntax (an unclosed quote or bracket, an operator with nothing on one
side, an unknown field...) is searched word for word instead, each space-separated piece as a
phrase (a trailing ``*`` still a prefix), and ``problem`` says in one plain sentence what was
wrong with it.

``parse`` turns a query into a small tree (``Term``, ``Field``, ``All``, ``Any``, ``Without``)
that a backend translates into its own query language (FTS5 in ``polytui.adapters.sqlite``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .ports import SEARCH_FIELDS

OPERATORS = ("AND", "OR", "NOT")
PREFIX_FROM = 3  # a word (or a phrase's last word) this long finds the words it begins
_LAST_WORD = re.compile(r"[^\W_]+(?=[\W_]*$)")
MAX_DEPTH = 10  # brackets and fields nested inside each other
QUOTED_MAX = 30  # characters of the query quoted back in a problem sentence


@dataclass(frozen=True)
class Term:
    """A word or a quoted phrase, exactly as typed (the backend splits it into words)."""

    text: str
    prefix: bool = False  # the last word is a prefix ("refund*")


@dataclass(frozen=True)
class Field:
    """``query`` matched only in one field (one of ``SEARCH_FIELDS``)."""

    name: str
    query: Node


@dataclass(frozen=True)
class All:
    parts: tuple[Node, ...]  # at least two


@dataclass(frozen=True)
class Any:
    parts: tuple[Node, ...]  # at least two


@dataclass(frozen=True)
class Without:
    """``kept`` where none of ``dropped`` is found."""

    kept: Node
    dropped: tuple[Node, ...]


Node = Term | Field | All | Any | Without


class QuerySyntaxError(ValueError):
    """The query is not polytui's search syntax; ``str()`` is one plain sentence for a user."""


def _quoted(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > QUOTED_MAX:
        text = text[: QUOTED_MAX - 1] + "…"
    return f"“{text}”"


# -- reading the query into tokens -------------------------------------------------------------

# A token is (kind, text, prefix): kind is "term", "(", ")", "field" or one of OPERATORS.
_Token = tuple[str, str, bool]
_STOPS = frozenset('"()')


def _word_tokens(word: str) -> list[_Token]:
    tokens: list[_Token] = []
    while word not in OPERATORS:
        name, colon, rest = word.partition(":")
        if not (colon and name.isascii() and name.isalpha()):
            stem = word.rstrip("*")
            if not stem:
                raise QuerySyntaxError('A * must end a word or a "phrase", as in refund*.')
            if "*" in stem:
                raise QuerySyntaxError(
                    f"A * can only end a word, as in refund*, not sit inside {_quoted(word)}."
                )
            return [*tokens, ("term", stem, stem != word)]
        if name.lower() not in SEARCH_FIELDS:
            fields = ", ".join(f"{field}:" for field in SEARCH_FIELDS[:-1])
            raise QuerySyntaxError(
                f"There is no field {_quoted(name)}; the fields are {fields} "
                f"and {SEARCH_FIELDS[-1]}:."
            )
        tokens.append(("field", name.lower(), False))
        if not rest:
            return tokens
        word = rest  # caller:refund
    return [*tokens, (word, word, False)]


def _tokens(query: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, end = 0, len(query)
    while i < end:
        char = query[i]
        if char.isspace():
            i += 1
        elif char in "()":
            tokens.append((char, char, False))
            i += 1
        elif char == '"':
            close = query.find('"', i + 1)
            if close < 0:
                raise QuerySyntaxError(
                    f"The quote before {_quoted(query[i + 1 :])} is never closed: "
                    'end the phrase with another ".'
                )
            prefix = query.startswith("*", close + 1)
            tokens.append(("term", query[i + 1 : close], prefix))
            i = close + 1 + prefix
        else:
            start = i
            while i < end and not query[i].isspace() and query[i] not in _STOPS:
                i += 1
            tokens.extend(_word_tokens(query[start:i]))
    return tokens


# -- the grammar: NOT binds first, then AND (or nothing), then OR ------------------------------


class _Parser:
    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.at = 0

    def peek(self) -> str | None:
        return self.tokens[self.at][0] if self.at < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def query(self, depth: int) -> Node:
        parts = [self.all(depth)]
        while self.peek() == "OR":
            self.take()
            parts.append(self.all(depth))
        return _joined(Any, parts)

    def all(self, depth: int) -> Node:
        parts = [self.without(depth)]
        while self.peek() not in (None, ")", "OR"):
            if self.peek() == "AND":
                self.take()
            parts.append(self.without(depth))
        return _joined(All, parts)

    def without(self, depth: int) -> Node:
        kept = self.unary(depth)
        dropped: list[Node] = []
        while self.peek() == "NOT":
            self.take()
            dropped.append(self.unary(depth))
        if not dropped:
            return kept
        if isinstance(kept, Without):
            return Without(kept.kept, (*kept.dropped, *dropped))
        return Without(kept, tuple(dropped))

    def unary(self, depth: int) -> Node:
        kind = self.peek()
        if kind == "field" or kind == "(":
            if depth >= MAX_DEPTH:
                raise QuerySyntaxError(
                    f"Brackets and fields nest more than {MAX_DEPTH} deep here; "
                    "write the query more simply."
                )
            _, text, _ = self.take()
            if kind == "field":
                return Field(text, self.unary(depth + 1))
            inner = self.query(depth + 1)
            if self.peek() != ")":
                raise QuerySyntaxError("A ( is never closed: end the group with a ).")
            self.take()
            return inner
        if kind == "term":
            _, text, prefix = self.take()
            return Term(text, prefix)
        raise QuerySyntaxError(self._missing())

    def _missing(self) -> str:
        """What is wrong when a word was due and something else came."""
        before = self.tokens[self.at - 1][0] if self.at else None
        if before == "field":
            name = self.tokens[self.at - 1][1]
            return f'{name}: needs a word, a "phrase" or (words) right after it.'
        operator = self.peek() if self.peek() in OPERATORS else before
        if operator in OPERATORS:
            return f"{operator} needs words on both sides, as in “refund {operator} card”."
        if self.peek() == ")":
            return "The brackets () hold nothing to search for."
        return "A ( is never closed: end the group with a )."


def _joined(kind: type[All] | type[Any], parts: list[Node]) -> Node:
    if len(parts) == 1:
        return parts[0]
    flat: list[Node] = []
    for part in parts:
        flat.extend(part.parts if isinstance(part, kind) else (part,))
    return kind(tuple(flat))


# -- the interface ------------------------------------------------------------------------------


def parse(query: str) -> Node | None:
    """``query`` as a tree (None when it holds nothing but spaces); QuerySyntaxError, with a
    plain sentence, when it is not polytui's search syntax."""
    tokens = _tokens(query)
    if not tokens:
        return None
    parser = _Parser(tokens)
    node = parser.query(0)
    if parser.peek() is not None:  # only a ")" stops the top level early
        raise QuerySyntaxError("A ) has no ( before it.")
    return node


def literal(query: str) -> Node | None:
    """``query`` taken word for word: every space-separated piece a phrase that must be found,
    a trailing * still making a prefix."""
    terms: list[Node] = []
    for piece in query.split():
        stem = piece.rstrip("*")
        terms.append(Term(stem, True) if stem and stem != piece else Term(piece))
    if not terms:
        return None
    return terms[0] if len(terms) == 1 else All(tuple(terms))


def problem(query: str) -> str | None:
    """Why ``query`` is not search syntax, in one plain sentence; None when it is."""
    try:
        parse(query)
    except QuerySyntaxError as exc:
        return str(exc)
    return None


def read(query: str) -> tuple[Node | None, str | None]:
    """The tree to search for and, when ``query`` is not search syntax, why: its words are
    then searched as typed (``literal``)."""
    try:
        return parse(query), None
    except QuerySyntaxError as exc:
        return literal(query), str(exc)


def to_text(node: Node) -> str:
    """``node`` written in the syntax above (each word quoted): ``parse`` reads it back."""
    if isinstance(node, Term):
        return f'"{node.text}"' + ("*" if node.prefix else "")
    if isinstance(node, Field):
        return f"{node.name}:{_grouped(node.query, (Term, Field))}"
    if isinstance(node, All):
        return " AND ".join(_grouped(part, (Term, Field, Without)) for part in node.parts)
    if isinstance(node, Any):
        return " OR ".join(_grouped(part, (Term, Field, Without, All)) for part in node.parts)
    dropped = (_grouped(part, (Term, Field)) for part in node.dropped)
    return " NOT ".join((_grouped(node.kept, (Term, Field)), *dropped))


def _grouped(node: Node, bare: tuple[type, ...]) -> str:
    text = to_text(node)
    return text if isinstance(node, bare) else f"({text})"


def finds_longer_words(text: str, prefix: bool = False) -> bool:
    """Whether ``text`` (a word or a phrase) also finds the words its last word begins: when
    that last run of letters and digits is ``PREFIX_FROM`` long (``refund``, ``e-mail``), or
    ``prefix`` (typed with a ``*``). ``to`` and ``ca-a`` find only themselves."""
    if prefix:
        return True
    last = _LAST_WORD.search(text)
    return last is not None and len(last.group()) >= PREFIX_FROM
