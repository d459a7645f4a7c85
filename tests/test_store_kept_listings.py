"""The SQLite store plays ListingStore: kept listings reopen exactly, filters are remembered,
stored marks are found; a real database file in a tmp dir, read by a second process too."""

from __future__ import annotations

import json
import math
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime

from polytui.adapters.sqlite import Store
from polytui.core.listed import ListedCall
from polytui.core.listing import KeptListing, ListFilter, PageToken
from polytui.core.models import Conversation
from polytui.core.ports import ListingStore
from polytui.demo.samples import sample_conversations

MADE = datetime(2025, 3, 12, 9, 30, tzinfo=UTC)


def _call(data: dict) -> ListedCall:
    call = ListedCall.read(data)
    assert call is not None
    return call


def _listing(name: str = "find", **changes) -> KeptListing:
    values = {
        "name": name,
        "agent": "PROJECT-demo",
        "host": "api.us-1.platform.polyai.app",
        "filters": ListFilter(since="yesterday", handoff=True).resolved(MADE),
        "made_at": MADE,
        "calls": (
            _call({"id": "CA1", "handoff": True, "started_at": "2025-03-11T08:00:00Z"}),
            _call({"conversationId": "CA2", "inProgress": "yes", "extra": {"nested": [1, None]}}),
        ),
        "next": PageToken(cursor="abc"),
        "unapplied": ("env",),
    }
    return KeptListing(**{**values, **changes})


def test_the_store_plays_the_role(tmp_path):
    with Store(tmp_path / "db.sqlite3") as store:
        assert isinstance(store, ListingStore)


def test_a_kept_listing_reopens_as_kept(tmp_path):
    listing = _listing()
    with Store(tmp_path / "db.sqlite3") as store:
        store.keep_listing(listing)
    with Store(tmp_path / "db.sqlite3") as store:
        back = store.kept_listing("find")
    assert back == listing
    assert [dict(call.raw) for call in back.calls] == [dict(call.raw) for call in listing.calls]
    assert back.calls[1].in_progress is True and back.next == PageToken(cursor="abc")


def test_extending_adds_pages_in_order_and_completes(tmp_path):
    with Store(tmp_path / "db.sqlite3") as store:
        store.keep_listing(_listing(calls=(), next=PageToken(offset=0)))
        store.extend_listing("find", (_call({"id": "A"}), _call({"id": "B"})), PageToken(offset=2))
        store.extend_listing("find", (_call({"id": "C"}),), None)
        store.extend_listing("nothing kept", (_call({"id": "D"}),), None)  # no listing: no-op
        back = store.kept_listing("find")
        assert [c.conversation_id for c in back.calls] == ["A", "B", "C"]
        assert back.next is None
        assert store.kept_listing("nothing kept") is None


def test_keeping_again_replaces_the_listing_of_that_name_only(tmp_path):
    with Store(tmp_path / "db.sqlite3") as store:
        store.keep_listing(_listing())
        store.keep_listing(_listing("queue", calls=(_call({"id": "Q"}),)))
        store.keep_listing(_listing(calls=(_call({"id": "NEW"}),), next=None))
        assert [c.conversation_id for c in store.kept_listing("find").calls] == ["NEW"]
        assert [c.conversation_id for c in store.kept_listing("queue").calls] == ["Q"]


def test_summaries_with_odd_values_survive(tmp_path):
    odd = _call({"id": "CA9", "total_duration": math.nan, "channel": ["x"], "turns": {"a": 1}})
    with Store(tmp_path / "db.sqlite3") as store:
        store.keep_listing(_listing(calls=(odd,)))
        back = store.kept_listing("find").calls[0]
    assert back.conversation_id == "CA9" and back.channel == '["x"]'
    assert math.isnan(back.raw["total_duration"])


def test_a_summary_damaged_on_disk_still_lists_under_its_id(tmp_path):
    path = tmp_path / "db.sqlite3"
    with Store(path) as store:
        store.keep_listing(_listing())
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE listed_calls SET raw = '{not json' WHERE conversation_id = 'CA1'")
        conn.execute("UPDATE listings SET filters = '[]', unapplied = 'x'")
    with Store(path) as store:
        back = store.kept_listing("find")
    assert [c.conversation_id for c in back.calls] == ["CA1", "CA2"]
    assert back.filters == ListFilter() and back.unapplied == ()


def test_filters_are_remembered_per_name(tmp_path):
    chosen = ListFilter(since="yesterday", until="yesterday", handoff=True, channels=("VOICE-SIP",))
    with Store(tmp_path / "db.sqlite3") as store:
        assert store.remembered_filters("find") is None
        store.remember_filters("find", ListFilter(since="7d"))
        store.remember_filters("find", chosen)
    with Store(tmp_path / "db.sqlite3") as store:
        assert store.remembered_filters("find") == chosen
        assert store.remembered_filters("queue") is None


def test_stored_among_finds_the_stored_calls(tmp_path):
    calls = sample_conversations()[:3]
    with Store(tmp_path / "db.sqlite3") as store:
        for data in calls:
            store.put("PROJECT-demo", "host", json.dumps(data), Conversation.from_data(data))
        keys = [("PROJECT-demo", c["conversationId"]) for c in calls]
        asked = keys + [("OTHER", calls[0]["conversationId"]), ("PROJECT-demo", "nope")] * 300
        assert store.stored_among(asked) == set(keys)
        assert store.stored_among([]) == set()


def test_another_process_reads_what_was_kept(tmp_path):
    path = tmp_path / "db.sqlite3"
    with Store(path) as store:
        store.keep_listing(_listing())
    script = (
        "import sys; from polytui.adapters.sqlite import Store\n"
        "with Store(sys.argv[1]) as s: print(len(s.kept_listing('find').calls))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=60
    )
    assert done.stdout.strip() == "2", done.stderr
