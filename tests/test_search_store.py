"""Search in the SQLite store, in polytui's terms: the query as FTS5, calls ranked (not turns)
with their best hits, highlight spans on plain snippets cut from a bounded window, reviewer
notes in their own index, intents and entities indexed, words finding the words they begin,
searches that can be stopped, a contentless index kept in step, and no query FTS5 would refuse
ever reaching it. Real SQLite files."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from polytui.adapters.sqlite import Store
from polytui.adapters.sqlite.search import fts5_query
from polytui.core import search as syntax
from polytui.core.errors import SearchCancelled
from polytui.core.models import Conversation
from polytui.core.ports import SearchHit

AGENT = "PROJECT-1"
ANY = "{caller agent translation intent entity summary note} : "


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


def hits_of(store: Store, query: str, **kwargs) -> list[SearchHit]:
    """Every hit shown, calls best first."""
    return [hit for found in store.search(query, **kwargs) for hit in found.hits]


def places(store: Store, query: str, **kwargs) -> list[tuple[str, int | None, str]]:
    return sorted(
        (h.conversation_id, h.turn or 0, h.field) for h in hits_of(store, query, **kwargs)
    )


def fts_ok(store: Store) -> None:
    for table in ("search_index", "note_index"):
        store._conn.execute(f"INSERT INTO {table} ({table}) VALUES ('integrity-check')")


@pytest.fixture
def store(tmp_path: Path):
    with Store(tmp_path / "data" / "polytui.sqlite3") as opened:
        yield opened


# -- the query as FTS5 ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "calls", "notes"),
    [
        ("refund", ANY + '("refund"*)', '"refund"*'),  # a word finds the words it begins
        ("to", ANY + '("to")', '"to"'),  # ...from three letters: "to" does not find "top"
        ("refund card", ANY + '("refund"* AND "card"*)', '("refund"* AND "card"*)'),
        ('say "hi"', ANY + '("say"* AND "hi")', '("say"* AND "hi")'),
        ("hi*", ANY + '("hi"*)', '"hi"*'),  # an explicit * always makes a prefix
        ('"check your card"', ANY + '("check your card"*)', '"check your card"*'),
        ("a OR b c", ANY + '("a" OR ("b" AND "c"))', '("a" OR ("b" AND "c"))'),
        ("a NOT b NOT c", ANY + '("a" NOT ("b" OR "c"))', '("a" NOT ("b" OR "c"))'),
        ("caller: refund", ANY + '(caller : "refund"*)', None),  # the notes have no caller
        ("note: refund", ANY + '(note : "refund"*)', '"refund"*'),
        ("intent: refund", ANY + '(intent : "refund"*)', None),
        ("caller: x OR note: y", ANY + '(caller : "x" OR note : "y")', '"y"'),
        ("caller:(a b)", ANY + '(caller : ("a" AND "b"))', None),
        ("caller:note:x", ANY + '(caller : (note : "x"))', None),
        ("e-mail", ANY + '("e-mail"*)', '"e-mail"*'),
        ("refund - ?", ANY + '("refund"*)', '"refund"*'),  # no words: left out
        ("- ?", None, None),
        ('""', None, None),
        ("AND", ANY + '("AND"*)', '"AND"*'),  # not syntax: the word itself
        ('"refund', ANY + '("""refund"*)', '"""refund"*'),  # the quote is a character of it
        ("( )", None, None),
    ],
)
def test_polytui_queries_as_fts5(query, calls, notes) -> None:
    tree, _ = syntax.read(query)
    assert fts5_query(tree) == calls
    assert fts5_query(tree, ("note",)) == notes


QUERY_PIECES = [*'"()*:-', "AND", "OR", "NOT", "NEAR", "caller:", "note:", "{", "}", "^", "+"]
QUERIES = st.text(max_size=40) | st.lists(
    st.sampled_from([*QUERY_PIECES, "refund", "summary:", "intent:"]), max_size=12
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
        for found in store.search(query, limit=5):
            assert isinstance(found.score, float) and found.count >= len(found.hits)
        said = store.query_problem(query) or ""
        assert "fts5" not in said.lower() and "syntax error" not in said.lower()


# -- calls ranked, not turns ---------------------------------------------------------------------


def test_one_long_call_cannot_crowd_out_the_others(store: Store) -> None:
    """The issue's case: a 5,000-turn call with 99 hits, and the call whose summary says
    "Refund issued for damaged mugs" (which was hit #75 of 100 when turns were ranked)."""
    long_turns = ["refund please" if n % 50 == 0 else f"talk {n}" for n in range(5000)]
    put(store, call("CA-long", *long_turns))
    for n in range(30):
        put(store, call(f"CA-short-{n:02d}", "hello", "one refund here", "bye"))
    put(
        store, call("CA-mugs", "my mugs broke", "ok", shortSummary="Refund issued for damaged mugs")
    )
    found = store.search("refund", limit=50)
    order = [c.conversation_id for c in found]
    assert order[0] == "CA-mugs"  # the summary says it, and a turn too
    assert len(found) == 32 and len(set(order)) == 32  # every call once
    long = found[order.index("CA-long")]
    assert long.count == 100 and len(long.hits) == 3  # counted, but three hits shown
    assert order.index("CA-long") > order.index("CA-short-00")  # 100 in 5,000 turns < 1 in 3
    mugs = found[0]
    assert mugs.summary == "Refund issued for damaged mugs" and mugs.count == 1
    assert [(h.turn, h.field) for h in mugs.hits] == [(None, "summary")]
    scores = [c.score for c in found]
    assert scores == sorted(scores, reverse=True)
    assert [c.conversation_id for c in store.search("refund", limit=3)] == order[:3]
    every = store.search_call("refund", AGENT, "CA-long")
    assert [h.turn for h in every] == list(range(1, 5000, 50))  # by turn, every one of them
    assert store.search_call("refund", AGENT, "CA-long", limit=5)[-1].turn == 201


def test_more_hits_in_a_call_of_the_same_length_rank_higher(store: Store) -> None:
    put(store, call("CA-one", "refund", "other", "other", "other"))
    put(store, call("CA-three", "refund", "refund", "refund", "other"))
    put(store, call("CA-none", "nothing here"))
    found = store.search("refund")
    assert [(c.conversation_id, c.count) for c in found] == [("CA-three", 3), ("CA-one", 1)]
    assert found[0].score > found[1].score > 0
    assert [len(c.hits) for c in store.search("refund", per_call=2)] == [2, 1]


def test_a_reviewer_note_lifts_its_call_and_notes_come_first_in_it(store: Store) -> None:
    put(store, call("CA-1", "refund refund", "a refund " + "word " * 30))
    put(store, call("CA-2", "nothing", "one refund"))
    store.add_note(AGENT, "CA-2", 1, "refund asked twice")
    store.add_note(AGENT, "CA-9", None, "refund on a call not stored")
    found = store.search("refund")
    # A reviewer's note weighs as much as the summary: above turns alone.
    assert [c.conversation_id for c in found] == ["CA-2", "CA-9", "CA-1"]
    assert [(h.turn, h.field) for h in found[0].hits] == [(1, "note"), (2, "caller")]
    assert found[0].count == 2 and found[1].count == 1 and found[1].started_at is None
    assert found[1].summary == "" and found[1].hits[0].snippet == "refund on a call not stored"
    every = store.search_call("refund", AGENT, "CA-2")
    assert [(h.turn, h.field) for h in every] == [(1, "note"), (2, "caller")]


def test_intents_and_entities_are_searched_like_words(store: Store) -> None:
    turns = [
        {"user_input": "I want my money back", "intents": ["request_refund"]},
        {"user_input": "order 55", "entities": [{"order_number": "BR-1234"}], "intents": None},
    ]
    put(store, {**call("CA-i"), "turns": turns})
    assert places(store, "request_refund") == [("CA-i", 1, "intent")]
    assert places(store, "intent: refund") == [("CA-i", 1, "intent")]
    assert places(store, "caller: refund") == []
    assert places(store, "BR-1234") == [("CA-i", 2, "entity")]
    assert places(store, "entity: order_number") == [("CA-i", 2, "entity")]
    [hit] = hits_of(store, "request_refund")
    assert hit.snippet == "request_refund" and marked(hit) == ["request", "refund"]


def test_a_word_finds_the_words_it_begins_as_in_a_call(store: Store) -> None:
    """The same stemming across calls and inside one (the transcript's / search finds text
    inside words): refund finds "refunds" and "refunded" in both."""
    from polytui.tui.widgets.transcript_model import TranscriptModel

    data = call("CA-s", "two refunds", "it was refunded", "no money back", "refundable?")
    put(store, data)
    assert [t for _, t, _ in places(store, "refund")] == [1, 2, 4]
    in_call = TranscriptModel(Conversation.from_data(data)).find("refund", False, {})
    assert [index + 1 for index in in_call] == [1, 2, 4]
    [found] = store.search("refund")
    assert sorted(word for h in found.hits for word in marked(h)) == [
        "refundable",
        "refunded",
        "refunds",
    ]
    assert places(store, "to") == []  # too short to begin words: "to" is only "to"


# -- highlights and bounded snippets --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "query", "words"),
    [
        ("Let me check your postcode first.", "postcode", ["postcode"]),
        ("I want my money back for the Café order", "cafe", ["Café"]),
        ("Flight from İSTANBUL to Ankara", "istanbul", ["İSTANBUL"]),
        ("ǅemal İlkay ﬁnance refund", "refund", ["refund"]),
        ("Die Straße ist STRASSE", "strasse", ["STRASSE"]),
        ("😀😀 emoji then refund 😀 refund", "refund", ["refund", "refund"]),
        ("refunds, refunded and refund", "refund*", ["refunds", "refunded", "refund"]),
        ("please check your card now", '"check your card"', ["check", "your", "card"]),
        ("tab\there then refund", "refund", ["refund"]),
        ("\x1b[31mred\x1b[0m refund", "refund", ["refund"]),  # escapes shown as pictures
        ("über ÜBER Über", "uber", ["über", "ÜBER", "Über"]),
    ],
)
def test_highlights_point_at_the_matched_words(store: Store, text, query, words) -> None:
    put(store, call("CA-h", text))
    [hit] = hits_of(store, query)
    assert marked(hit) == words


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
        [hit] = hits_of(store, "zanzibar")
        assert marked(hit) == ["zanzibar"]


def test_a_word_repeated_forty_thousand_times_costs_a_window(store: Store, monkeypatch) -> None:
    """Issue 13, item 4: FTS5's snippet() was quadratic in the repeats of a word ("refund " x
    40,000: 11 s; a 9 MB note: minutes). The snippet is now a window of the text, and only
    the words inside it are looked at, however long the text and however often it repeats."""
    import polytui.core.snippets as snippets

    put(store, call("CA-rep", "refund " * 40_000, "and " + "refund " * 200))
    store.add_note(AGENT, "CA-rep", 1, "refund " * 1_300_000)  # 9 MB
    folded = []
    original = snippets.fold
    monkeypatch.setattr(snippets, "fold", lambda word: folded.append(word) or original(word))
    [found] = store.search("refund")
    assert found.count == 3 and [h.field for h in found.hits] == ["note", "caller", "caller"]
    for hit in found.hits:
        assert len(hit.snippet) <= snippets.WIDTH + 2 and 0 < len(hit.highlights) <= 40
    assert len(folded) <= 3 * 40  # words looked at: a window's worth per hit
    assert len(store.search_call("refund", AGENT, "CA-rep")) == 3


def test_a_search_can_be_stopped_and_the_store_goes_on(store: Store) -> None:
    for n in range(20):
        put(store, call(f"CA-{n}", "refund " * 50, "refund again"))
    asked = []

    def cancelled() -> bool:
        asked.append(1)
        return True

    with pytest.raises(SearchCancelled):
        store.search("refund", cancelled=cancelled)
    assert asked
    with pytest.raises(SearchCancelled):
        store.search_call("refund", AGENT, "CA-1", cancelled=lambda: True)
    assert len(store.search("refund", cancelled=lambda: False)) == 20  # and it still works
    put(store, call("CA-after", "refund"))
    assert store.count() == 21


# -- the index: contentless, kept in step ---------------------------------------------------------


def test_the_index_keeps_words_not_a_second_copy_of_the_text(store: Store) -> None:
    put(store, call("CA-1", "zebra crossing", note="escalated"))
    tables = {r[0] for r in store._conn.execute("SELECT name FROM sqlite_master")}
    assert "search_docs" not in tables and "search_index_content" not in tables
    sql = store._conn.execute("SELECT sql FROM sqlite_master WHERE name = 'search_index'")
    assert "content = ''" in sql.fetchone()[0]
    put(store, call("CA-1", "giraffe crossing"))  # stored again: the old words go
    assert places(store, "zebra") == [] and places(store, "giraffe") == [("CA-1", 1, "caller")]
    put(store, call("CA-2", "zebra"))
    assert store.delete(["CA-2"]) == 1 and places(store, "zebra") == []
    put(store, call("CA-3", "okapi"))
    store.prune(datetime(2100, 1, 1, tzinfo=UTC))
    assert places(store, "okapi") == [] and places(store, "giraffe") == []
    put(store, call("CA-4", "lemur"))
    store.clear()
    assert places(store, "lemur") == []
    put(store, call("CA-5", "lemur"))
    assert places(store, "lemur") == [("CA-5", 1, "caller")]
    fts_ok(store)


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

    assert places(store, "duplicate") == [("CA-1", 1, "note"), ("CA-gone", 2, "note")]
    assert places(store, "duplicate", agent="OTHER") == [("CA-gone", 2, "note")]
    assert places(store, "overall") == [("CA-1", 0, "note")]
    assert places(store, "caller: duplicate") == []  # a field notes do not have
    assert places(store, "note: supervisor OR note: overall") == [
        ("CA-1", 0, "note"),  # the API's note (in the call's index) ...
        ("CA-1", 0, "note"),  # ... and the reviewer's, both under "note"
    ]
    assert places(store, "charged NOT duplicate") == [("CA-1", 1, "caller")]
    store.update_note(first.id, text="agent fixed it", label=None)
    assert places(store, "missed") == [] and places(store, "fixed") == [("CA-1", 1, "note")]
    store.delete_note(whole.id)
    assert places(store, "overall") == []
    fts_ok(store)


def test_notes_stay_searchable_when_their_call_goes(store: Store) -> None:
    put(store, call("CA-1", "zebra crossing"))
    store.add_note(AGENT, "CA-1", 1, "zebra noted")
    store.delete(["CA-1"])
    assert [(h.field, h.started_at) for h in hits_of(store, "zebra")] == [("note", None)]
    put(store, call("CA-2", "zebra again"))
    store.clear()
    assert [h.field for h in hits_of(store, "zebra")] == ["note"]
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
