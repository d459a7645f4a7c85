"""polytui's search syntax (polytui.core.search): what parses to what, the plain sentence for
each kind of mistake, the word-for-word fallback, and properties over any text."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from polytui.core.search import (
    MAX_DEPTH,
    All,
    Any,
    Field,
    QuerySyntaxError,
    Term,
    Without,
    literal,
    parse,
    problem,
    read,
    to_text,
)

# Words FTS5 (or any backend) would use to say what it refused: never in a polytui sentence.
BACKEND_WORDS = ("fts5", "syntax error", "sqlite", "unterminated", "no such column", "near ")


def t(text: str, prefix: bool = False) -> Term:
    return Term(text, prefix)


@pytest.mark.parametrize(
    ("query", "tree"),
    [
        ("refund", t("refund")),
        ("  refund  ", t("refund")),
        ("refund card", All((t("refund"), t("card")))),
        ("refund AND card", All((t("refund"), t("card")))),
        ('"check your card"', t("check your card")),
        ("refund*", t("refund", True)),
        ('"your ref"*', t("your ref", True)),
        ("refund OR return", Any((t("refund"), t("return")))),
        ("refund NOT card", Without(t("refund"), (t("card"),))),
        ("a NOT b NOT c", Without(t("a"), (t("b"), t("c")))),
        ("(a NOT b) NOT c", Without(t("a"), (t("b"), t("c")))),
        # NOT binds first, then AND, then OR
        ("a OR b c", Any((t("a"), All((t("b"), t("c")))))),
        ("a b OR c", Any((All((t("a"), t("b"))), t("c")))),
        ("a NOT b c", All((Without(t("a"), (t("b"),)), t("c")))),
        ("(a OR b) c", All((Any((t("a"), t("b"))), t("c")))),
        ("a (b c) d", All((t("a"), t("b"), t("c"), t("d")))),  # groups of AND flatten
        ("caller: refund", Field("caller", t("refund"))),
        ("caller:refund", Field("caller", t("refund"))),
        ("Caller: refund", Field("caller", t("refund"))),
        ("caller: refund card", All((Field("caller", t("refund")), t("card")))),
        ("agent:(refund OR return)", Field("agent", Any((t("refund"), t("return"))))),
        ('summary:"damaged mugs"', Field("summary", t("damaged mugs"))),
        ("note: refund*", Field("note", t("refund", True))),
        ("translation: reimbursement", Field("translation", t("reimbursement"))),
        ("caller:note:x", Field("caller", Field("note", t("x")))),
        # punctuation stays in the word (a backend splits it); lower-case operators are words
        ("e-mail jo.doe@x.org", All((t("e-mail"), t("jo.doe@x.org")))),
        ("10:30", t("10:30")),
        ("refund and card", All((t("refund"), t("and"), t("card")))),
        ("NEAR(a b)", All((t("NEAR"), t("a"), t("b")))),
        ("-", t("-")),
        ("ÄRGER café İstanbul", All((t("ÄRGER"), t("café"), t("İstanbul")))),
    ],
)
def test_valid_queries_and_their_trees(query: str, tree) -> None:
    assert parse(query) == tree
    assert problem(query) is None
    assert read(query) == (tree, None)


def test_an_empty_query_is_nothing_to_search() -> None:
    assert parse("") is None and parse(" \t\n ") is None
    assert read("   ") == (None, None) and literal("  ") is None


@pytest.mark.parametrize(
    ("query", "sentence"),
    [
        ('"refund', 'The quote before “refund” is never closed: end the phrase with another ".'),
        ('refund "', 'The quote before “” is never closed: end the phrase with another ".'),
        ("(refund", "A ( is never closed: end the group with a )."),
        ("(", "A ( is never closed: end the group with a )."),
        ("refund)", "A ) has no ( before it."),
        ("()", "The brackets () hold nothing to search for."),
        ("AND", "AND needs words on both sides, as in “refund AND card”."),
        ("refund AND", "AND needs words on both sides, as in “refund AND card”."),
        ("OR refund", "OR needs words on both sides, as in “refund OR card”."),
        ("NOT card", "NOT needs words on both sides, as in “refund NOT card”."),
        ("a OR OR b", "OR needs words on both sides, as in “refund OR card”."),
        ("(AND a)", "AND needs words on both sides, as in “refund AND card”."),
        ("caller:", 'caller: needs a word, a "phrase" or (words) right after it.'),
        ("caller: )", 'caller: needs a word, a "phrase" or (words) right after it.'),
        ("caller: OR x", 'caller: needs a word, a "phrase" or (words) right after it.'),
        (
            "foo: refund",
            "There is no field “foo”; the fields are caller:, agent:, translation:, intent:, "
            "entity:, summary: and note:.",
        ),
        ("*", 'A * must end a word or a "phrase", as in refund*.'),
        ("re*fund", "A * can only end a word, as in refund*, not sit inside “re*fund”."),
        (
            "(" * (MAX_DEPTH + 1) + "a" + ")" * (MAX_DEPTH + 1),
            f"Brackets and fields nest more than {MAX_DEPTH} deep here; write the query more "
            "simply.",
        ),
        (
            "caller:" * 50 + "x",
            f"Brackets and fields nest more than {MAX_DEPTH} deep here; "
            "write the query more simply.",
        ),
    ],
)
def test_each_mistake_has_a_plain_sentence(query: str, sentence: str) -> None:
    assert problem(query) == sentence
    with pytest.raises(QuerySyntaxError) as caught:
        parse(query)
    assert str(caught.value) == sentence
    assert not any(word in sentence.lower() for word in BACKEND_WORDS)


def test_a_long_quote_is_cut_in_the_sentence() -> None:
    sentence = problem('"' + "refund " * 40) or ""
    assert "“refund refund refund refund r…”" in sentence and len(sentence) < 120


def test_a_query_that_is_not_syntax_is_searched_word_for_word() -> None:
    assert read('"refund card') == (
        All((t('"refund'), t("card"))),
        'The quote before “refund card” is never closed: end the phrase with another ".',
    )
    assert literal("NOT refund*") == All((t("NOT"), t("refund", True)))
    assert literal("* (") == All((t("*"), t("(")))  # nothing a backend finds words in
    assert literal("e-mail") == t("e-mail")


def test_the_nesting_limit_itself_is_allowed() -> None:
    deepest = "(" * MAX_DEPTH + "a" + ")" * MAX_DEPTH
    assert parse(deepest) == t("a")
    assert parse("caller:" * MAX_DEPTH + "x") is not None


def test_long_flat_queries_parse_without_recursion() -> None:
    words = " ".join(f"w{i}" for i in range(20_000))
    assert len(parse(words).parts) == 20_000  # type: ignore[union-attr]
    chain = " NOT ".join(f"w{i}" for i in range(5_000))
    assert len(parse(chain).dropped) == 4_999  # type: ignore[union-attr]
    assert problem(" OR ".join(["a"] * 5_000)) is None


def test_the_syntax_module_needs_no_backend() -> None:
    code = (
        "import sys, polytui.core.search; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('sqlite3', '_sqlite3', 'textual', 'httpx', 'polytui') and not m.startswith('polytui.core')"
        " and m != 'polytui'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- properties ---------------------------------------------------------------------------------

SYNTAX_CHARS = st.sampled_from(list('ab é"()*: -') + ["AND", "OR", "NOT", "caller:", "note:"])


@settings(max_examples=300, deadline=None)
@given(st.lists(SYNTAX_CHARS, max_size=30).map(" ".join) | st.text(max_size=60))
def test_any_text_parses_or_gets_one_plain_sentence(query: str) -> None:
    try:
        tree = parse(query)
    except QuerySyntaxError as exc:
        sentence = str(exc)
        assert sentence.endswith(".") and "\n" not in sentence
        assert not any(word in sentence.lower() for word in BACKEND_WORDS)
        fallback, said = read(query)
        assert said == sentence and fallback == literal(query)
        return
    if tree is not None:  # the canonical text reads back as the same tree
        assert parse(to_text(tree)) == tree


WORDS = st.text(alphabet="abcé-.'", min_size=1, max_size=6).filter(lambda w: "*" not in w)


def trees(depth: int = 3):
    leaf = st.builds(Term, WORDS, st.booleans())
    if depth == 0:
        return leaf
    inner = trees(depth - 1)
    return st.one_of(
        leaf,
        st.builds(Field, st.sampled_from(["caller", "agent", "summary", "note"]), inner),
        st.builds(lambda a, b: All((a, b)), inner, inner),
        st.builds(lambda a, b: Any((a, b)), inner, inner),
        st.builds(lambda a, b: Without(a, (b,)), inner, inner),
    )


@settings(max_examples=200, deadline=None)
@given(trees())
def test_written_trees_read_back_the_same_once_normalised(tree) -> None:
    once = parse(to_text(tree))
    assert once is not None and parse(to_text(once)) == once
