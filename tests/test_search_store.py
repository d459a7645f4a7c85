"""Search in the SQLite store, in polytui's terms: the query as FTS5, scores where higher is
better, highlight spans on the plain snippet, reviewer notes in their own index merged into one
ranked list, and no query FTS5 would refuse ever reaching it. Real SQLite files."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from polytui.adapters.sqlite import Store
from polytui.adapters.sqlite.search import fts5_query, plain_snippet
from polytui.core import search as syntax
from polytui.core.models import Conversation
from polytui.core.ports import SearchHit

AGENT = "PROJECT-1"


def call(cid: str, *turns: str, **extra: object) -> dict:
    data: dict = {
        "conversationId": cid,
        "accountId": "ACCOUNT-1",
        "projectId": AGENT,
        "startedAt": "2025-03-01T10:00:00Z",
        "turns": [{"user_input": text, "agent_response": ""} for text in turns],
    }
    data.update(extra)
    return data


def put(store: Store, data: dict, agent: str = AGENT) -> None:
    when = datetime(2025, 6, 1, tzinfo=UTC)
    store.put(agent, "api.us.poly.ai", json.dumps(data), Conversation.from_data(data), when)


def marked(hit: SearchHit) -> list[str]:
    return [hit.snippet[start:end] for start, end in hit.highlights]


def fts_ok(store: Store) -> None:
    for table in ("search_index", "note_index"):
        store._conn.execute(f"INSERT INTO {table} ({table}) VALUES ('integrity-check')")


@pytest.fixture
def store(tmp_path: Path):
    with Store(tmp_path / "data" / "polytui.sqlite3") as opened:
        yield opened


# -- the query as FTS5 ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "conversations", "notes"),
    [
        ("refund", '"refund"', '"refund"'),
        ("refund card", '("refund" AND "card")', '("refund" AND "card")'),
        ('say "hi"', '("say" AND "hi")', '("say" AND "hi")'),
        ("refund*", '"refund"*', '"refund"*'),
        ("a OR b c", '("a" OR ("b" AND "c"))', '("a" OR ("b" AND "c"))'),
        ("a NOT b NOT c", '("a" NOT ("b" OR "c"))', '("a" NOT ("b" OR "c"))'),
        ("caller: refund", 'caller : "refund"', None),  # the notes have no caller
        ("note: refund", 'note : "refund"', '"refund"'),
        ("caller: x OR note: y", '(caller : "x" OR note : "y")', '"y"'),
        ("caller: x note: y", '(caller : "x" AND note : "y")', None),
        ("refund NOT caller: card", '("refund" NOT caller : "card")', '"refund"'),
        ("caller:(a b)", 'caller : ("a" AND "b")', None),
        ("caller:note:x", 'caller : (note : "x")', None),
        ("e-mail", '"e-mail"', '"e-mail"'),
        ("refund - ?", '"refund"', '"refund"'),  # no words: left out, not "nothing matches"
        ("- ?", None, None),
        ('""', None, None),
        ("AND", '"AND"', '"AND"'),  # not syntax: the word itself
        ('"refund', '"""refund"', '"""refund"'),  # the quote is a character of the word
        ("( )", None, None),
    ],
)
def test_polytui_queries_as_fts5(query, conversations, notes) -> None:
    tree, _ = syntax.read(query)
    assert fts5_query(tree) == conversations
    assert fts5_query(tree, ("note",)) == notes


def test_the_snippet_marks_become_spans() -> None:
    assert plain_snippet("a \x02bc\x03 d \x02e f\x03…") == ("a bc d e f…", ((2, 4), (7, 10)))
    assert plain_snippet("plain") == ("plain", ())
    assert plain_snippet("\x02\x03x \x02y") == ("x y", ())  # empty or unclosed: no span


QUERY_PIECES = [*'"()*:-', "AND", "OR", "NOT", "NEAR", "caller:", "note:", "{", "}", "^", "+"]
QUERIES = st.text(max_size=40) | st.lists(
    st.sampled_from([*QUERY_PIECES, "refund", "summary:"]), max_size=12
).map(" ".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(QUERIES)
def test_no_query_is_ever_refused_by_fts5(tmp_path_factory, query: str) -> None:
    """Whatever is typed, FTS5 gets a query it accepts: search answers (perhaps nothing) and a
    problem, if any, is polytui's own sentence."""
    path = tmp_path_factory.getbasetemp() / "any-query.sqlite3"
    with Store(path) as store:
        if store.count() == 0:
            put(store, call("CA-1", "a refund for caller card", note="note here"))
            store.add_note(AGENT, "CA-1", 1, "refund noted")
        hits = store.search(query, limit=5)
        assert all(isinstance(hit.score, float) for hit in hits)
        said = store.query_problem(query) or ""
        assert "fts5" not in said.lower() and "syntax error" not in said.lower()


# -- scores ------------------------------------------------------------------------------------


def test_scores_are_higher_for_better_hits_and_come_first(store: Store) -> None:
    put(store, call("CA-weak", "refund " + "word " * 40))
    put(store, call("CA-strong", "refund refund"))
    put(store, call("CA-none", "nothing here"))
    hits = store.search("refund")
    assert [h.conversation_id for h in hits] == ["CA-strong", "CA-weak"]
    assert hits[0].score > hits[1].score > 0
    assert store.search("refund", limit=1) == hits[:1]


def test_notes_and_conversations_merge_by_their_place_in_each_list(store: Store) -> None:
    put(store, call("CA-1", "refund refund", "a refund " + "word " * 30))
    put(store, call("CA-2", "nothing"))
    store.add_note(AGENT, "CA-2", 1, "refund asked twice")
    store.add_note(AGENT, "CA-2", None, "refund " + "word " * 30)
    hits = store.search("refund")
    assert [(h.conversation_id, h.turn, h.field) for h in hits] == [
        ("CA-2", 1, "note"),  # first of the notes: level with the first turn, and before it
        ("CA-1", 1, "caller"),
        ("CA-2", None, "note"),
        ("CA-1", 2, "caller"),
    ]
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True) and scores[0] == scores[1]


# -- highlights ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "query", "words"),
    [
        ("Let me check your postcode first.", "postcode", ["postcode"]),
        ("I want my money back for the Café order", "cafe", ["Café"]),
        ("Flight from İSTANBUL to Ankara", "istanbul", ["İSTANBUL"]),  # lower() grows: 8 -> 9
        ("ǅemal İlkay ﬁnance refund", "refund", ["refund"]),  # lower()/casefold change lengths
        ("Die Straße ist STRASSE", "strasse", ["STRASSE"]),
        ("😀😀 emoji then refund 😀 refund", "refund", ["refund", "refund"]),
        ("refunds, refunded and refund", "refund*", ["refunds", "refunded", "refund"]),
        ("please check your card now", '"check your card"', ["check your card"]),
        ("tab\there then refund", "refund", ["refund"]),
        ("\x1b[31mred\x1b[0m refund", "refund", ["refund"]),  # escapes shown as pictures
        ("über ÜBER Über", "uber", ["über", "ÜBER", "Über"]),
    ],
)
def test_highlights_point_at_the_matched_words(store: Store, text, query, words) -> None:
    put(store, call("CA-h", text))
    [hit] = store.search(query)
    assert marked(hit) == words
    assert "\x02" not in hit.snippet and "\x03" not in hit.snippet


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    before=st.lists(st.sampled_from(["İ", "ß", "ǅ", "é", "😀", "x", "ﬁ", "Ω", "\t", "-"])),
    after=st.lists(st.sampled_from(["İİ", "straße", "ÉCOLE", "word"]), max_size=6),
)
def test_highlights_survive_any_text_around_the_match(tmp_path_factory, before, after) -> None:
    path = tmp_path_factory.mktemp("spans") / "polytui.sqlite3"
    text = "".join(before) + " zanzibar " + " ".join(after)
    with Store(path) as store:
        put(store, call("CA-p", text))
        [hit] = store.search("zanzibar")
        assert marked(hit) == ["zanzibar"]


# -- notes in their own index --------------------------------------------------------------------


def test_reviewer_notes_have_their_own_index(store: Store) -> None:
    put(store, call("CA-1", "my card was charged twice", note="escalated to the supervisor"))
    first = store.add_note(AGENT, "CA-1", 1, "agent missed the duplicate charge")
    whole = store.add_note(AGENT, "CA-1", None, "call handled\nwell overall")
    store.add_note("OTHER", "CA-gone", 2, "duplicate from another agent")  # no stored call
    rows = store._conn.execute("SELECT rowid, note FROM note_index ORDER BY rowid").fetchall()
    assert rows == [
        (first.id, "agent missed the duplicate charge"),
        (whole.id, "call handled well overall"),  # indexed as one line
        (first.id + 2, "duplicate from another agent"),
    ]
    in_docs = "SELECT count(*) FROM search_docs WHERE note_id IS NOT NULL OR kind = 'note'"
    assert store._conn.execute(in_docs).fetchone() == (0,)  # nothing of them in the calls' index

    def where(query: str, agent: str | None = None) -> list[tuple[str, int | None, str]]:
        return [(h.conversation_id, h.turn, h.field) for h in store.search(query, agent=agent)]

    assert sorted(where("duplicate")) == [("CA-1", 1, "note"), ("CA-gone", 2, "note")]
    assert where("duplicate", agent="OTHER") == [("CA-gone", 2, "note")]
    assert store.search("duplicate", agent="OTHER")[0].started_at is None
    assert where("overall") == [("CA-1", None, "note")]
    assert where("caller: duplicate") == []  # a field notes do not have
    assert sorted(where("note: supervisor OR note: overall")) == [
        ("CA-1", None, "note"),  # the API's note (in the call's index) ...
        ("CA-1", None, "note"),  # ... and the reviewer's, both under "note"
    ]
    assert where("charged NOT duplicate") == [("CA-1", 1, "caller")]
    store.update_note(first.id, text="agent fixed it", label=None)
    assert where("missed") == [] and where("fixed") == [("CA-1", 1, "note")]
    store.delete_note(whole.id)
    assert where("overall") == []
    fts_ok(store)


def test_notes_stay_searchable_when_their_call_goes(store: Store) -> None:
    put(store, call("CA-1", "zebra crossing"))
    store.add_note(AGENT, "CA-1", 1, "zebra noted")
    store.delete(["CA-1"])
    assert [(h.field, h.started_at) for h in store.search("zebra")] == [("note", None)]
    put(store, call("CA-2", "zebra again"))
    store.clear()
    assert [h.field for h in store.search("zebra")] == ["note"]
    store.prune(datetime(2100, 1, 1, tzinfo=UTC), include_notes=True)
    assert store.search("zebra") == []
    fts_ok(store)


def test_the_notes_index_is_a_real_fts5_table(store: Store) -> None:
    sql = store._conn.execute("SELECT sql FROM sqlite_master WHERE name = 'note_index'").fetchone()
    assert "fts5" in sql[0].lower() and "remove_diacritics 2" in sql[0]
    with pytest.raises(sqlite3.OperationalError):  # and FTS5 would refuse raw syntax there
        store._conn.execute("SELECT * FROM note_index WHERE note_index MATCH '\"refund'")


@pytest.mark.parametrize(
    "build",
    [
        lambda inner: f"caller:(a OR {inner})",
        lambda inner: f"(a NOT ({inner} OR b)) c",
        lambda inner: f"note:(x {inner}) OR y",
        lambda inner: f"agent:summary:({inner} NOT z)",
    ],
)
def test_the_deepest_query_polytui_accepts_runs_in_fts5(store: Store, build) -> None:
    put(store, call("CA-1", "a b c"))
    query = "a"
    while syntax.problem(build(query)) is None:
        query = build(query)
    assert query != "a"
    store.search(query)  # no "parser stack overflow", no "expression tree is too large"
