"""The listing's domain: summaries read in either shape, filters, moments and the paging rules."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from polytui.core.errors import ApiError, UsageError
from polytui.core.listed import ListedCall
from polytui.core.listing import (
    KeptListing,
    ListFilter,
    ListingRun,
    ListPage,
    PageToken,
    split_unapplied,
)
from polytui.core.moments import api_time, parse_age, resolve
from polytui.core.text import is_clean

NOW = datetime(2025, 3, 12, 15, 30, tzinfo=UTC)
PARIS = timezone(timedelta(hours=1))

SNAKE = {
    "id": "CA1",
    "account_id": "ws-1",
    "project_id": "PROJECT-1",
    "variant_id": "VARIANT-main",
    "variant_name": "main",
    "environment": "live",
    "started_at": "2025-03-11T09:00:00Z",
    "channel": "VOICE-SIP",
    "in_progress": False,
    "num_turns": 12,
    "total_duration": 95,
    "handoff": True,
    "handoff_reason": "asked for a person",
    "num_silences": 2,
    "num_ood": 1,
    "metrics": {},
    "state": {},
    "turns": [],
}
CAMEL = {
    "conversationId": "CA2",
    "accountId": "ACCOUNT-1",
    "projectId": "PROJECT-1",
    "variantId": "VARIANT-b",
    "clientEnv": "sandbox",
    "startedAt": "2025-03-11T10:00:00.000Z",
    "channel": "WEBCHAT",
    "inProgress": True,
    "totalDuration": 30,
    "handoff": False,
    "polyScore": 4,
    "shortSummary": {"heading": "Refund", "content": "Wants money back"},
}


def test_snake_case_v3_summary():
    call = ListedCall.read(SNAKE)
    assert call is not None
    assert (call.conversation_id, call.channel, call.environment) == ("CA1", "VOICE-SIP", "live")
    assert (call.num_turns, call.total_duration, call.num_silences, call.num_ood) == (12, 95, 2, 1)
    assert call.handoff is True and call.in_progress is False
    assert call.variant == "main" and call.start == datetime(2025, 3, 11, 9, tzinfo=UTC)
    assert call.to_json_dict() == {"conversationId": "CA1", **SNAKE}


def test_camel_case_data_api_summary():
    call = ListedCall.read(CAMEL)
    assert call is not None
    assert (call.conversation_id, call.environment, call.variant) == ("CA2", "sandbox", "VARIANT-b")
    assert call.in_progress is True and call.handoff is False and call.poly_score == 4
    assert call.summary is not None and call.summary.heading == "Refund"
    assert call.to_json_dict() == CAMEL  # already led by its conversationId


def test_a_summary_with_only_an_id_is_listed():
    call = ListedCall.read({"id": "CA3"})
    assert call is not None and call.conversation_id == "CA3"
    assert call.started_at is None and call.num_turns is None and call.handoff is None


def test_counts_from_turns_when_the_summary_lacks_them():
    turns = [{"is_silence": True}, {"is_ood": "true"}, {"is_ood": None}, "odd", None]
    call = ListedCall.read({"id": "CA4", "turns": turns, "handoff_destination": "desk"})
    assert call is not None
    assert (call.num_turns, call.num_silences, call.num_ood) == (5, 1, 1)
    assert call.handoff is True  # a destination says it was handed off


@pytest.mark.parametrize(
    "data", [None, [], "CA1", {"id": ""}, {"id": 7}, {"id": None}, {"conversationId": ["x"]}, {}]
)
def test_no_id_no_listed_call(data):
    assert ListedCall.read(data) is None


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)
KEYS = sorted(set(SNAKE) | set(CAMEL) | {"num_silences", "shortSummary", "turns"})


@given(st.dictionaries(st.sampled_from(KEYS), JSON_VALUES), st.text(min_size=1, max_size=30))
def test_any_json_type_in_any_field_but_the_id(fields, cid):
    data = {**fields, "id": cid}
    if not cid.strip():
        assert ListedCall.read(data) is None
        return
    call = ListedCall.read(data)
    assert call is not None and call.conversation_id == cid
    out = call.to_json_dict()
    assert out["conversationId"] == cid
    json.dumps(out, allow_nan=False)  # NaN became null: the line is JSON
    for text in (call.channel, call.started_at, call.variant):
        assert text is None or isinstance(text, str)
    for number in (call.num_turns, call.num_ood, call.total_duration):
        assert number is None or isinstance(number, int | float)


def test_nan_in_a_summary_is_written_as_null():
    call = ListedCall.read({"id": "CA5", "total_duration": math.nan})
    assert call is not None and call.to_json_dict()["total_duration"] is None


# -- moments ------------------------------------------------------------------------------------


def test_relative_moments():
    assert resolve("24h", NOW) == NOW - timedelta(hours=24)
    assert resolve("7d", NOW) == NOW - timedelta(days=7)
    assert resolve("2w", NOW) == NOW - timedelta(weeks=2)
    assert resolve("now", NOW) == NOW
    assert resolve("yesterday", NOW) == datetime(2025, 3, 11, tzinfo=UTC)
    assert resolve("yesterday", NOW, end=True) == datetime(2025, 3, 12, tzinfo=UTC)
    assert resolve("today", NOW) == datetime(2025, 3, 12, tzinfo=UTC)
    assert resolve("2025-01-06", NOW, end=True) == datetime(2025, 1, 7, tzinfo=UTC)
    assert resolve("2025-01-06T08:00Z", NOW) == datetime(2025, 1, 6, 8, tzinfo=UTC)
    assert resolve("2025-01-06T08:00", NOW) == datetime(2025, 1, 6, 8, tzinfo=UTC)


def test_days_are_the_reviewers_own():
    evening = datetime(2025, 3, 12, 0, 30, tzinfo=PARIS)  # still the 11th in UTC
    start = resolve("yesterday", evening)
    assert start == datetime(2025, 3, 11, tzinfo=PARIS)
    assert api_time(start) == "2025-03-10T23:00:00.000Z"


@pytest.mark.parametrize(
    "text", ["", "soon", "7", "-3d", "0d", "9999999d", "2025-13-01", "\x1b[2J"]
)
def test_unreadable_moments_say_the_forms(text):
    with pytest.raises(UsageError) as caught:
        resolve(text, NOW)
    assert any(word in caught.value.message for word in ("24h", "12h", "empty"))
    assert is_clean(caught.value.message)


def test_age_for_prune_keeps_its_units():
    assert parse_age("12h") == timedelta(hours=12)
    with pytest.raises(UsageError, match="hours, days or weeks"):
        parse_age("90m")


# -- filters ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({"environment": "prod"}, "Unknown environment"),
        ({"query": "x", "sample": 5, "since": "7d"}, "cannot be combined"),
        ({"sample": 5}, "needs a time window"),
        ({"query": "refund"}, "needs a time window"),
        ({"semantic": True}, "needs a query"),
        ({"turn": "user"}, "needs a query"),
        ({"turn": "bot", "query": "x", "since": "1d"}, "user or agent"),
        ({"query": "x", "since": "1d", "semantic": True, "turn": "user"}, "transcript query"),
        ({"variant": "a", "variant_id": "b"}, "not both"),
        ({"sample": 0, "since": "1d"}, "1 to"),
        ({"limit": 0}, "1 to"),
        ({"since": "today", "until": "yesterday"}, "ends before it starts"),
        ({"since": "whenever"}, "Cannot read the time"),
        ({"since": "9999999h"}, "reaches back too far"),
        ({"since": "99999999999999999999d"}, "reaches back too far"),
        ({"query": "x" * 600, "since": "1d"}, "at most"),
        ({"channels": ("VOICE\x07",)}, "control characters"),
    ],
)
def test_bad_filters_are_one_sentence(values, words):
    with pytest.raises(UsageError, match=words):
        ListFilter(**values)


def test_filters_round_trip_and_read_back_tolerantly():
    chosen = ListFilter(
        since="yesterday",
        until="yesterday",
        environment="LIVE",
        channels=("VOICE-SIP", "VOICE-SIP", "WEBCHAT"),
        handoff=True,
        query="cancel",
        turn="user",
        limit=50,
    )
    assert chosen.environment == "live" and chosen.channels == ("VOICE-SIP", "WEBCHAT")
    assert ListFilter.from_json(chosen.to_json()) == chosen
    assert ListFilter.from_json(None) == ListFilter()
    assert ListFilter.from_json("not json") == ListFilter()
    assert ListFilter.from_json("[1]") == ListFilter()
    odd = json.dumps({"environment": "moon", "since": "7d", "sample": "ten", "future": 1})
    assert ListFilter.from_json(odd) == ListFilter(since="7d")


def test_resolved_window_is_absolute_and_stays_put():
    chosen = ListFilter(since="yesterday", until="yesterday", sample=20)
    fixed = chosen.resolved(NOW)
    assert (fixed.since, fixed.until) == ("2025-03-11T00:00:00.000Z", "2025-03-12T00:00:00.000Z")
    assert fixed.resolved(NOW + timedelta(days=3)) == fixed
    open_ended = ListFilter(since="7d", query="refund").resolved(NOW)
    assert open_ended.until == api_time(NOW)  # a query needs an end: now
    assert ListFilter(since="7d").resolved(NOW).until is None


def test_api_filters_and_description():
    chosen = ListFilter(since="7d", environment="live", channels=("VOICE-SIP",), handoff=True)
    assert chosen.api_filters() == ("since", "env", "channel")
    text = chosen.describe()
    assert "since 7d" in text and "VOICE-SIP" in text and "handed off" in text
    assert ListFilter().describe() == "live"


# -- paging -------------------------------------------------------------------------------------


def _calls(*ids: str, handoff: bool | None = None) -> tuple[ListedCall, ...]:
    found = (ListedCall.read({"id": cid, "handoff": handoff}) for cid in ids)
    return tuple(call for call in found if call is not None)


def test_run_pages_on_until_the_cursor_is_null():
    run = ListingRun.start(ListFilter(), now=NOW, page_size=2)
    assert run.accept(ListPage(_calls("a", "b"), PageToken(cursor="c1"))) == _calls("a", "b")
    assert run.token == PageToken(cursor="c1") and not run.done
    assert run.accept(ListPage((), PageToken(cursor="c2"))) == ()  # empty, but a cursor
    assert not run.done
    assert run.accept(ListPage(_calls("b", "c"), PageToken(offset=6))) == _calls("c")
    assert run.token == PageToken(offset=6)
    run.accept(ListPage(_calls("d"), None))
    assert run.done and run.listed == 4 and run.token is None


def test_limit_and_sample_count_across_pages():
    run = ListingRun.start(ListFilter(limit=3), now=NOW, page_size=50)
    assert run.page_size == 3
    run.accept(ListPage(_calls("a", "b"), PageToken(cursor="1")))
    assert run.accept(ListPage(_calls("c", "d"), PageToken(cursor="2"))) == _calls("c")
    assert run.done
    sample = ListingRun.start(ListFilter(since="7d", sample=3), now=NOW)
    assert sample.page_size == 3 and sample.filters.until == api_time(NOW)
    sample.accept(ListPage(_calls("a", "b"), PageToken(cursor="1")))
    sample.accept(ListPage(_calls("b", "a", "c"), PageToken(cursor="2")))
    assert sample.done and sample.listed == 3


def test_handoff_is_applied_here():
    run = ListingRun.start(ListFilter(handoff=True, limit=2), now=NOW, page_size=10)
    assert run.page_size == 10  # calls are dropped here: pages are not cut to the limit
    kept = run.accept(ListPage(_calls("a", handoff=False) + _calls("b", handoff=True), None))
    assert kept == _calls("b", handoff=True)


def test_a_cursor_sent_twice_stops_instead_of_looping():
    run = ListingRun.start(ListFilter(), now=NOW)
    run.accept(ListPage(_calls("a"), PageToken(cursor="same")))
    with pytest.raises(ApiError, match="same page position twice"):
        run.accept(ListPage(_calls("b"), PageToken(cursor="same")))
    assert run.done


def test_pages_bringing_nothing_new_end_the_run():
    run = ListingRun.start(ListFilter(), now=NOW)
    run.accept(ListPage(_calls("a"), PageToken(cursor="0")))
    for number in range(1, 100):
        run.accept(ListPage(_calls("a"), PageToken(cursor=str(number))))
        if run.done:
            break
    assert run.done and run.listed == 1 and run.pages < 30


def test_unapplied_filters_and_skipped_summaries_add_up():
    run = ListingRun.start(ListFilter(since="7d"), now=NOW)
    run.accept(ListPage(_calls("a"), PageToken(offset=1), unapplied=("since",), skipped=2))
    run.accept(ListPage((), None, unapplied=("since",), skipped=1))
    assert run.unapplied == ("since",) and run.skipped == 3


def test_filters_a_source_could_not_apply_are_applied_to_summaries():
    chosen = ListFilter(
        since="2025-03-10", environment="live", channels=("voice",), in_progress=False
    ).resolved(NOW)
    names = chosen.api_filters()
    base = {"started_at": "2025-03-11T08:00:00Z", "environment": "live", "channel": "VOICE-SIP"}
    assert chosen.matches_locally(ListedCall.read({"id": "a", **base}), names)
    for odd in (
        {"started_at": "2025-03-09T23:59:59Z"},
        {"started_at": None},
        {"environment": "sandbox"},
        {"channel": "WEBCHAT"},
        {"inProgress": True},
    ):
        call = ListedCall.read({"id": "b", **base, **odd})
        assert not chosen.matches_locally(call, names), odd
        assert chosen.matches_locally(call)  # only what a source could not apply is checked
    by_variant = ListFilter(variant="main")
    assert by_variant.matches_locally(
        ListedCall.read({"id": "c", "variantId": "main"}), ("variant",)
    )
    assert split_unapplied(("since", "query", "env", "sample")) == (
        ("since", "env"),
        ("query", "sample"),
    )


def test_a_run_applies_what_the_page_says_was_not_applied():
    run = ListingRun.start(ListFilter(since="2025-03-11"), now=NOW)
    calls = (
        ListedCall.read({"id": "old", "startedAt": "2025-03-01T00:00:00Z"}),
        ListedCall.read({"id": "new", "startedAt": "2025-03-11T10:00:00Z"}),
    )
    kept = run.accept(ListPage(calls, None, unapplied=("since",)))
    assert [call.conversation_id for call in kept] == ["new"]


def test_a_kept_listing_resumes_where_it_stopped():
    run = ListingRun.start(ListFilter(since="yesterday", limit=5), now=NOW, page_size=2)
    first = run.accept(ListPage(_calls("a", "b"), PageToken(cursor="c1")))
    kept = run.kept("find", "PROJECT-1", "host", NOW)
    kept = KeptListing(**{**kept.__dict__, "calls": first})
    again = ListingRun.resume(kept)
    assert (again.filters, again.page_size, again.token) == (run.filters, 2, PageToken(cursor="c1"))
    assert again.accept(ListPage(_calls("b", "c", "d"), None)) == _calls("c", "d")
    assert again.listed == 4 and again.done
    finished = ListingRun.resume(KeptListing(**{**kept.__dict__, "next": None}))
    assert finished.done
