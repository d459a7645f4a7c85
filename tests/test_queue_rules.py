"""The rules of review queues (polytui.core.queues): changes, claims, "next", progress, names."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from polytui.core.config import resolve_settings
from polytui.core.errors import ConfigError, UsageError
from polytui.core.queues import (
    CLAIM_EXPIRES,
    CLEAR,
    STATUSES,
    ItemChange,
    Progress,
    QueueItem,
    apply_change,
    check_category,
    check_name,
    claimable,
    first_unfinished,
    name_key,
    parse_status,
    parse_verdict,
    pick_next,
    progress,
)

NOW = datetime(2025, 1, 6, 14, 3, tzinfo=UTC)


def item(position: int, status: str = "pending", **values) -> QueueItem:
    return QueueItem("q", position, "AG", f"CA{position}", status=status, **values)


def test_a_verdict_alone_finishes_the_call_and_records_who_and_when():
    new = apply_change(item(1), ItemChange(verdict="fail"), "alice", NOW)
    assert (new.status, new.verdict, new.reviewer, new.changed_at) == ("done", "fail", "alice", NOW)
    assert new.revision == 1
    flagged = apply_change(item(2, "flagged"), ItemChange(verdict="pass"), "bob", NOW)
    assert (flagged.status, flagged.verdict) == ("flagged", "pass")


def test_reopening_a_done_call_drops_its_verdict_and_category():
    done = apply_change(item(1), ItemChange(verdict="fail", category="wrong info"), "alice", NOW)
    assert done.category == "wrong info"
    for status in ("pending", "in_review"):
        reopened = apply_change(done, ItemChange(status=status), "bob", NOW)
        assert (reopened.status, reopened.verdict, reopened.category) == (status, None, None)
        assert reopened.reviewer == "bob" and reopened.revision == 2


def test_skipped_keeps_a_category_but_never_a_verdict():
    done = apply_change(item(1), ItemChange(verdict="pass", category="no audio"), "a", NOW)
    skipped = apply_change(done, ItemChange(status="skipped"), "a", NOW)
    assert (skipped.verdict, skipped.category) == (None, "no audio")
    with pytest.raises(UsageError, match="A skipped call has no verdict"):
        apply_change(item(1), ItemChange(status="skipped", verdict="fail"), "a", NOW)
    with pytest.raises(UsageError, match="A pending call has no category"):
        apply_change(item(1), ItemChange(status="pending", category="x"), "a", NOW)


def test_clear_removes_a_verdict_or_category():
    done = apply_change(item(1), ItemChange(verdict="fail", category="x"), "a", NOW)
    cleared = apply_change(done, ItemChange(verdict=CLEAR, category=CLEAR), "a", NOW)
    assert (cleared.status, cleared.verdict, cleared.category) == ("done", None, None)


def test_unknown_values_are_refused():
    with pytest.raises(UsageError):
        apply_change(item(1), ItemChange(status="finished"), "a", NOW)
    with pytest.raises(UsageError):
        apply_change(item(1), ItemChange(verdict="maybe"), "a", NOW)


def test_claims_belong_to_their_reviewer_until_they_run_out():
    mine = item(1, "in_review", reviewer="alice", changed_at=NOW)
    assert claimable(mine, "alice", NOW)
    assert not claimable(mine, "bob", NOW + CLAIM_EXPIRES - timedelta(seconds=1))
    assert claimable(mine, "bob", NOW + CLAIM_EXPIRES)
    for status in ("done", "skipped", "flagged"):
        assert not claimable(item(1, status), "alice", NOW)
    assert claimable(item(1), "alice", NOW)


def test_next_is_the_first_claimable_call_after_the_current_one_wrapping_round():
    items = [
        item(1),
        item(2, "done"),
        item(3, "in_review", reviewer="bob", changed_at=NOW),
        item(4),
        item(5, "skipped"),
    ]
    assert pick_next(items, "alice", NOW).position == 1  # resume: the first claimable
    assert pick_next(items, "alice", NOW, after=1).position == 4  # bob's claim is passed by
    assert pick_next(items, "alice", NOW, after=4).position == 1  # round to the start
    assert pick_next(items, "bob", NOW, after=1).position == 3  # bob's own claim is his
    assert pick_next([item(1, "done"), item(2)], "alice", NOW, after=2) is None
    assert pick_next([item(1, "done")], "alice", NOW) is None
    assert first_unfinished([item(2, "done"), item(1, "done")]).position == 1
    assert first_unfinished([item(1, "done"), item(2, "in_review")]).position == 2


def test_progress_counts_and_line():
    items = [item(n) for n in range(1, 41)]
    items[:12] = [replace(i, status="done", verdict="pass") for i in items[:12]]
    items[0] = replace(items[0], verdict="fail")
    items[12:15] = [replace(i, status="skipped") for i in items[12:15]]
    items[15:17] = [replace(i, status="flagged") for i in items[15:17]]
    p = progress(items)
    assert (p.total, p.done, p.skipped, p.flagged, p.pending) == (40, 12, 3, 2, 23)
    assert (p.passed, p.failed, p.unfinished, p.finished) == (11, 1, 23, False)
    assert p.line("handoffs-mon") == (
        "queue 'handoffs-mon' 12/40 done (1 fail) · 3 skipped · 2 flagged"
    )
    assert Progress(total=2, done=2).finished and not Progress().finished


@settings(max_examples=200)
@given(
    st.lists(st.sampled_from(STATUSES), min_size=1, max_size=30),
    st.sampled_from(["alice", "bob"]),
    st.one_of(st.none(), st.integers(1, 30)),
)
def test_next_never_gives_a_finished_call_nor_another_reviewers_claim(statuses, who, after):
    items = [
        item(n, status, reviewer="bob" if status == "in_review" else None, changed_at=NOW)
        for n, status in enumerate(statuses, start=1)
    ]
    chosen = pick_next(items, who, NOW, after)
    open_to_me = [i for i in items if claimable(i, who, NOW) and i.position != after]
    if chosen is None:
        assert not open_to_me
    else:
        assert chosen in open_to_me
        assert chosen.status == "pending" or (chosen.status == "in_review" and who == "bob")


def test_names_statuses_and_verdicts_as_typed():
    assert check_name("  handoffs-mon ") == "handoffs-mon"
    assert name_key("Handoffs-MON") == name_key("handoffs-mon")
    for bad in ("", "  ", "x" * 81, "a\x1bb", "-rm", "a\u202eb"):
        with pytest.raises(UsageError):
            check_name(bad)
    assert parse_status("In review") == parse_status("in-review") == "in_review"
    assert parse_verdict("FAIL") == "fail" and parse_verdict("none") == CLEAR
    with pytest.raises(UsageError, match="Unknown status 'finished'"):
        parse_status("finished")
    with pytest.raises(UsageError, match="Unknown verdict"):
        parse_verdict("maybe")
    assert check_category("  wrong \n information ") == "wrong information"
    with pytest.raises(UsageError):
        check_category("x" * 121)


def test_the_reviewer_setting(monkeypatch):
    assert resolve_settings({}, env={"POLYAI_REVIEWER": " Alice  B "}, file_data={}).reviewer == (
        "Alice B"
    )
    assert resolve_settings({}, env={}, file_data={"reviewer": "carol"}).reviewer == "carol"
    monkeypatch.setenv("USER", "dave")
    monkeypatch.setenv("LOGNAME", "dave")
    assert resolve_settings({}, env={}, file_data={}).reviewer == "dave"
    with pytest.raises(ConfigError, match="reviewer in the config file is empty"):
        resolve_settings({}, env={}, file_data={"reviewer": " "})
    with pytest.raises(ConfigError, match="printable"):
        resolve_settings({}, env={"POLYAI_REVIEWER": "a\x1b[2Jb"}, file_data={})
    with pytest.raises(ConfigError, match="reviewer must be text"):
        resolve_settings({}, env={}, file_data={"reviewer": 3})
