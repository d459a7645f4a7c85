"""`polytui queue new NAME --list FILTERS`: a queue of exactly the calls `polytui list` selects
with the same filters (across pages, in the same order), against the loopback server; the
filters only with --list; --fetch stores the calls for review offline."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from polytui.core.errors import EXIT_NOT_FOUND, EXIT_USAGE
from polytui.demo.samples import DEMO_AGENT, recent_conversations
from polytui.demo.server import DemoServer

from .helpers import SECRET_KEY, run_cli

NOW = datetime.now(UTC)


@pytest.fixture(scope="module")
def corpus():
    return recent_conversations(NOW, 40)


@pytest.fixture
def listing_api(corpus, monkeypatch):
    with DemoServer(corpus, api_key=SECRET_KEY) as server:
        server.list_page_cap = 4  # several pages for any queue here
        for name, value in {
            "POLYAI_BASE_URL": server.url,
            "POLYAI_API_KEY": SECRET_KEY,
            "POLYAI_AGENT_ID": DEMO_AGENT,
            "POLYAI_ACCOUNT_ID": "ws-demo",
            "POLYAI_REVIEWER": "alice",
        }.items():
            monkeypatch.setenv(name, value)
        yield server
        assert not server.errors, server.errors


def since(days: int) -> str:
    return (NOW - timedelta(days=days)).isoformat()  # absolute: the edge does not move


def listed(capsys, *filters: str) -> list[str]:
    code, out, err = run_cli(capsys, "list", *filters, "--json")
    assert code == 0, err
    return [json.loads(line)["conversationId"] for line in out.splitlines()]


def items(capsys, name: str) -> list[dict]:
    code, out, err = run_cli(capsys, "queue", "show", name, "--json")
    assert code == 0, err
    return json.loads(out)["items"]


def test_a_queue_holds_exactly_what_list_lists(listing_api, corpus, capsys):
    filters = ("--since", since(5), "--handoff")
    want = listed(capsys, *filters)
    assert len(want) >= 3
    code, out, err = run_cli(capsys, "queue", "new", "handoffs", "--list", *filters)
    assert code == 0, err
    assert f"Made the queue 'handoffs' of {len(want)} calls from the listing since" in out
    assert "handed off" in out
    assert f"{len(want)} of them not stored yet" in err
    shown = items(capsys, "handoffs")
    assert [i["conversationId"] for i in shown] == want
    assert {(i["agent"], i["status"]) for i in shown} == {(DEMO_AGENT, "pending")}

    code, out, err = run_cli(
        capsys, "queue", "new", "two", "--list", "--since", since(5), "--limit", "2"
    )
    assert code == 0, err
    assert [i["conversationId"] for i in items(capsys, "two")] == listed(
        capsys, "--since", since(5), "--limit", "2"
    )


def test_fetch_stores_the_listed_calls(listing_api, capsys):
    filters = ("--since", since(3), "--env", "live")
    want = listed(capsys, *filters)
    code, out, err = run_cli(capsys, "queue", "new", "q", "--list", "--fetch", *filters)
    assert code == 0, err
    assert f"Fetched {len(want)} (of {len(want)})." in err
    code, out, _ = run_cli(capsys, "cache", "list", "--json")
    assert sorted(row["conversationId"] for row in json.loads(out)) == sorted(want)
    assert {r["reviews"][0]["status"] for r in json.loads(out)} == {"pending"}  # queued


def test_nothing_listed_makes_no_queue(listing_api, capsys):
    code, _, err = run_cli(
        capsys, "queue", "new", "none", "--list", "--since", since(1), "--variant", "nope"
    )
    assert code == EXIT_NOT_FOUND and "No calls match" in err
    code, out, _ = run_cli(capsys, "queue", "ls", "--json")
    assert json.loads(out) == []


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--from-file", "-", "--since", "7d"), "--since filters a listing: it goes with --list"),
        (("--stored", "--handoff"), "--handoff filters a listing"),
        (("--search", "card", "--fetch"), "--fetch goes with --list"),
        (("--list", "--limit", "100001"), "at most 100,000 calls"),
        (("--list", "--query", "card"), "needs a time window"),
        (("--list", "--from-file", "x"), "not allowed with argument"),
    ],
)
def test_filters_go_with_list(listing_api, capsys, args, words):
    code, _, err = run_cli(capsys, "queue", "new", "q", *args)
    assert code == EXIT_USAGE and words in err, err
    assert "Traceback" not in err


def test_offline_and_no_agent_are_one_sentence(listing_api, capsys, monkeypatch):
    code, _, err = run_cli(capsys, "--offline", "queue", "new", "q", "--list")
    assert code == EXIT_USAGE and "--offline keeps polytui off the network" in err
    monkeypatch.delenv("POLYAI_AGENT_ID")
    code, _, err = run_cli(capsys, "queue", "new", "q", "--list", "--since", "2d")
    assert code == EXIT_USAGE and "Say whose calls to list" in err
