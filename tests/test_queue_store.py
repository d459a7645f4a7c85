"""Review queues in the SQLite store (real files): making, listing, changing, claiming, history,
removal, the calls' reviews, and two processes working one queue at once."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta

import pytest

from polytui.adapters.sqlite import Store
from polytui.adapters.sqlite.schema import MIGRATIONS
from polytui.core.errors import ConflictError, NotFoundError, UsageError
from polytui.core.ports import QueueStore
from polytui.core.queues import CLAIM_EXPIRES, ItemChange

CALLS = [("AG", f"CA{n:02d}") for n in range(1, 11)]


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "db.sqlite3") as opened:
        yield opened


def test_the_store_plays_the_queue_role(store):
    assert isinstance(store, QueueStore)


def test_a_queue_keeps_its_calls_in_order_all_pending(store):
    queue = store.create_queue("Mon", [*CALLS, CALLS[0]], source="file ids.txt", reviewer="alice")
    assert (queue.name, queue.source, queue.created_by) == ("Mon", "file ids.txt", "alice")
    assert queue.progress.total == 10 and queue.progress.pending == 10
    items = store.queue_items("mon")  # names are found whatever their case
    assert [i.key for i in items] == CALLS
    assert [i.position for i in items] == list(range(1, 11))
    assert {i.status for i in items} == {"pending"} and items[0].reviewer is None
    assert store.get_queue("MON").name == "Mon" and store.get_queue("other") is None


def test_names_are_unique_whatever_their_case_and_queues_need_calls(store):
    store.create_queue("Mon", CALLS, source="s", reviewer="a")
    with pytest.raises(UsageError, match="A queue named 'Mon' exists already"):
        store.create_queue("mon", CALLS, source="s", reviewer="a")
    with pytest.raises(UsageError, match="at least one call"):
        store.create_queue("empty", [], source="s", reviewer="a")
    with pytest.raises(UsageError):
        store.create_queue("bad\x1bname", CALLS, source="s", reviewer="a")
    with pytest.raises(NotFoundError, match="There is no queue named 'nope'"):
        store.queue_items("nope")


def test_queues_are_listed_newest_first_with_their_progress(store):
    clock = iter(datetime(2025, 1, d, tzinfo=UTC) for d in range(1, 20))
    store.clock = lambda: next(clock)
    store.create_queue("first", CALLS[:3], source="s", reviewer="a")
    store.create_queue("second", CALLS, source="s", reviewer="a")
    store.change_item("second", CALLS[0], ItemChange(verdict="fail"), reviewer="a")
    store.change_item("second", CALLS[1], ItemChange(status="skipped"), reviewer="a")
    listed = store.queues()
    assert [q.name for q in listed] == ["second", "first"]
    progress = listed[0].progress
    assert (progress.done, progress.failed, progress.skipped, progress.pending) == (1, 1, 1, 8)


def test_every_change_records_who_and_when(store):
    moments = iter([datetime(2025, 1, 6, 9, m, tzinfo=UTC) for m in range(10)])
    store.clock = lambda: next(moments)
    store.create_queue("q", CALLS, source="s", reviewer="alice")
    claimed = store.claim_item("q", CALLS[2], reviewer="alice")
    assert (claimed.status, claimed.reviewer, claimed.revision) == ("in_review", "alice", 1)
    done = store.change_item(
        "q", CALLS[2], ItemChange(verdict="fail", category="wrong information"), reviewer="bob"
    )
    assert (done.status, done.verdict, done.category, done.reviewer) == (
        "done",
        "fail",
        "wrong information",
        "bob",
    )
    assert done.changed_at == datetime(2025, 1, 6, 9, 2, tzinfo=UTC)
    reopened = store.change_item("q", CALLS[2], ItemChange(status="pending"), reviewer="carol")
    assert (reopened.status, reopened.verdict) == ("pending", None)
    history = store.item_history("q", CALLS[2])
    assert [(e.reviewer, e.status, e.verdict) for e in history] == [
        ("alice", "in_review", None),
        ("bob", "done", "fail"),
        ("carol", "pending", None),
    ]
    assert history[1].at == datetime(2025, 1, 6, 9, 2, tzinfo=UTC)
    assert store.queue_items("q", statuses=["pending"])[2].key == CALLS[2]
    with pytest.raises(NotFoundError, match="CA99 is not in the queue 'q'"):
        store.change_item("q", ("AG", "CA99"), ItemChange(status="done"), reviewer="a")


def test_a_refused_change_writes_nothing(store):
    store.create_queue("q", CALLS, source="s", reviewer="a")
    with pytest.raises(UsageError, match="no verdict"):
        store.change_item("q", CALLS[0], ItemChange(status="skipped", verdict="fail"), reviewer="a")
    assert store.queue_items("q")[0].revision == 0
    assert store.item_history("q", CALLS[0]) == []


def test_a_change_made_meanwhile_by_someone_else_is_not_overwritten(store):
    store.create_queue("q", CALLS, source="s", reviewer="a")
    seen = store.claim_item("q", CALLS[0], reviewer="alice")
    store.change_item("q", CALLS[0], ItemChange(verdict="pass"), reviewer="bob")
    with pytest.raises(ConflictError, match="bob changed CA01 meanwhile"):
        store.change_item(
            "q",
            CALLS[0],
            ItemChange(verdict="fail"),
            reviewer="alice",
            expected_revision=seen.revision,
        )
    assert store.queue_items("q")[0].verdict == "pass"


def test_next_claims_one_call_at_a_time_and_passes_others_claims_by(store):
    now = datetime(2025, 1, 6, 9, tzinfo=UTC)
    store.clock = lambda: now
    store.create_queue("q", CALLS[:4], source="s", reviewer="a")
    first = store.claim_next("q", reviewer="alice")
    assert (first.position, first.status, first.reviewer) == (1, "in_review", "alice")
    assert store.claim_next("q", reviewer="alice").position == 1  # resume: her own claim
    assert store.claim_next("q", reviewer="bob").position == 2
    assert store.claim_next("q", reviewer="alice", after=1).position == 3
    assert store.claim_item("q", CALLS[1], reviewer="alice").reviewer == "bob"  # left as it is
    now += CLAIM_EXPIRES
    assert store.claim_next("q", reviewer="carol", after=3).position == 4
    assert store.claim_next("q", reviewer="carol", after=4).position == 1  # a claim ran out
    for key in CALLS[:4]:
        store.change_item("q", key, ItemChange(status="done"), reviewer="alice")
    assert store.claim_next("q", reviewer="alice") is None


def test_the_reviews_of_calls_and_removing_a_queue(store):
    moments = iter(datetime(2025, 1, 6, 9, m, tzinfo=UTC) for m in range(10))
    store.clock = lambda: next(moments)
    store.create_queue("a", CALLS[:2], source="s", reviewer="x")
    store.create_queue("b", CALLS[1:3], source="s", reviewer="x")
    store.change_item("a", CALLS[1], ItemChange(verdict="fail"), reviewer="x")
    store.change_item("b", CALLS[1], ItemChange(status="flagged"), reviewer="y")
    reviews = store.reviews_for([CALLS[1], CALLS[2], ("OTHER", "CA02"), ("AG", "CA77")])
    assert set(reviews) == {CALLS[1], CALLS[2]}
    assert [(i.queue, i.status) for i in reviews[CALLS[1]]] == [("b", "flagged"), ("a", "done")]
    assert store.delete_queue("A") == 2
    assert store.get_queue("a") is None
    assert [i.queue for i in store.reviews_for([CALLS[1]])[CALLS[1]]] == ["b"]
    with pytest.raises(NotFoundError):
        store.delete_queue("a")
    conn = sqlite3.connect(store.path)
    assert conn.execute("SELECT count(*) FROM queue_events").fetchone()[0] == 1  # b's only
    assert conn.execute("SELECT count(*) FROM queue_items").fetchone()[0] == 2


def test_queues_survive_reopening_and_a_store_from_before_queues_is_upgraded(tmp_path):
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    for statements in MIGRATIONS[:3]:
        for statement in statements:
            conn.execute(statement)
    conn.execute("PRAGMA user_version = 3")
    conn.commit()
    conn.close()
    with Store(path) as store:
        store.create_queue("q", CALLS, source="s", reviewer="a")
        store.change_item("q", CALLS[0], ItemChange(verdict="pass"), reviewer="a")
    with Store(path) as store:
        assert store.queue_items("q")[0].verdict == "pass"


WORKER = textwrap.dedent(
    """
    import json, sys
    from polytui.adapters.sqlite import Store
    from polytui.core.queues import ItemChange
    path, who = sys.argv[1], sys.argv[2]
    got = []
    with Store(__import__("pathlib").Path(path)) as store:
        while (item := store.claim_next("shared", reviewer=who)) is not None:
            got.append(item.position)
            store.change_item("shared", item.key, ItemChange(verdict="pass"), reviewer=who,
                              expected_revision=item.revision)
    print(json.dumps(got))
    """
)


def test_two_processes_work_one_queue_without_ever_sharing_a_call(tmp_path):
    path = tmp_path / "db.sqlite3"
    calls = [("AG", f"CA{n:03d}") for n in range(1, 121)]
    with Store(path) as store:
        store.create_queue("shared", calls, source="s", reviewer="lead")
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(path), who], stdout=subprocess.PIPE, text=True
        )
        for who in ("alice", "bob")
    ]
    results = [json.loads(worker.communicate(timeout=120)[0]) for worker in workers]
    assert all(worker.returncode == 0 for worker in workers)
    alice, bob = results
    assert not set(alice) & set(bob)
    assert sorted(alice + bob) == list(range(1, 121))
    with Store(path) as store:
        items = store.queue_items("shared")
        assert {i.status for i in items} == {"done"}
        assert {i.reviewer for i in items} <= {"alice", "bob"}
        assert all(len(store.item_history("shared", i.key)) == 2 for i in items[:5])


def test_claims_are_stamped_with_the_stores_clock(store):
    then = datetime(2025, 1, 6, 9, tzinfo=UTC)
    store.clock = lambda: then
    store.create_queue("q", CALLS[:1], source="s", reviewer="a")
    assert store.claim_next("q", reviewer="alice").changed_at == then
    store.clock = lambda: then + CLAIM_EXPIRES - timedelta(minutes=1)
    assert store.claim_next("q", reviewer="bob") is None
