"""`polytui list`, `list --fetch`, `fetch --list` and Studio links on the command line, against
the loopback server: exactly the calls the filters select, across pages; JSON lines or a
table on standard output only; notices on standard error; the documented exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from polytui.core.errors import EXIT_API, EXIT_NOT_FOUND, EXIT_USAGE
from polytui.demo.samples import DEMO_AGENT, recent_conversations
from polytui.demo.server import DemoServer

from .helpers import SECRET_KEY, run_cli, run_process

NOW = datetime.now(UTC)
ACCOUNT = "ws-demo"


@pytest.fixture(scope="module")
def corpus():
    return recent_conversations(NOW, 48)


@pytest.fixture
def listing_api(corpus, monkeypatch):
    with DemoServer(corpus, api_key=SECRET_KEY) as server:
        server.list_page_cap = 5
        env = {
            "POLYAI_BASE_URL": server.url,
            "POLYAI_API_KEY": SECRET_KEY,
            "POLYAI_AGENT_ID": DEMO_AGENT,
            "POLYAI_ACCOUNT_ID": ACCOUNT,
        }
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        yield server
        assert not server.errors, server.errors


def ago(days: int) -> str:
    """A window's start ``days`` before NOW as an absolute time: the calls at its edge stay on
    the same side of it however long the suite takes to get here (``3d`` would move)."""
    return (NOW - timedelta(days=days)).isoformat()


def selected(corpus, since: timedelta, env: str = "live", handoff: bool | None = None) -> list[str]:
    chosen = []
    for call in corpus:
        moment = datetime.fromisoformat(call["startedAt"].replace("Z", "+00:00"))
        wanted = handoff is None or bool(call["handoff"]) == handoff
        if moment >= NOW - since and call["clientEnv"] == env and wanted:
            chosen.append((moment, call["conversationId"]))
    return [cid for _, cid in sorted(chosen, reverse=True)]


def list_pages(server) -> int:
    return sum(1 for r in server.requests if "/v3/" in r.path)


def test_json_lists_exactly_the_selected_calls_across_pages(listing_api, corpus, capsys):
    code, out, err = run_cli(capsys, "list", "--since", "7d", "--env", "live", "--json")
    assert code == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["conversationId"] for line in lines] == selected(corpus, timedelta(days=7))
    assert all(line["conversationId"] == line["id"] for line in lines)
    assert list_pages(listing_api) >= 3
    assert SECRET_KEY not in out + err


def test_a_sample_is_distinct(listing_api, capsys):
    code, out, err = run_cli(capsys, "list", "--since", "7d", "--sample", "20", "--json")
    assert code == 0, err
    ids = [json.loads(line)["conversationId"] for line in out.splitlines()]
    assert len(ids) == 20 == len(set(ids))


def test_the_table_shows_the_columns_and_handoff_is_polytuis(listing_api, corpus, capsys):
    code, out, err = run_cli(capsys, "list", "--since", "10d", "--handoff", "--limit", "3")
    assert code == 0, err
    header, *rows = out.splitlines()
    for column in ("Started (UTC)", "ID", "Channel", "Length", "Turns", "Handoff", "Silences"):
        assert column in header
    assert "OOD" in header and "Variant" in header
    want = selected(corpus, timedelta(days=10), handoff=True)[:3]
    assert [row.split()[2] for row in rows] == want
    assert all(" yes " in row for row in rows)


def test_without_an_account_the_data_api_lists_and_says_what_it_dropped(
    listing_api, corpus, capsys, monkeypatch
):
    monkeypatch.delenv("POLYAI_ACCOUNT_ID")
    code, out, err = run_cli(capsys, "list", "--since", "7d", "--env", "live", "--json")
    assert code == 0, err
    listed = [json.loads(line)["conversationId"] for line in out.splitlines()]
    assert listed == selected(corpus, timedelta(days=7))  # applied by polytui, page by page
    assert "polytui applies --since, --env to each call itself" in err
    assert "POLYAI_ACCOUNT_ID" in err and "cannot be applied" not in err
    assert all("/v1/agents/" in r.path for r in listing_api.requests)
    assert len(listing_api.requests) >= len(corpus) // 5  # every call of the agent was read
    code, out, err = run_cli(
        capsys, "list", "--since", "7d", "--query", "refund", "--handoff", "--json"
    )
    assert "--query cannot be applied" in err and "--since" in err
    for line in out.splitlines():  # the handoff and the window still apply
        assert json.loads(line)["handoff"] is True


def test_no_calls_match_exits_3_with_nothing_on_stdout(listing_api, capsys):
    code, out, err = run_cli(capsys, "list", "--since", "7d", "--env", "sandbox", "--channel", "x")
    assert code == EXIT_NOT_FOUND and out == ""
    assert err.startswith("polytui: No calls match") and err.count("\n") == 1


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--sample", "5"), "needs a time window"),
        (("--query", "refund"), "needs a time window"),
        (("--semantic",), "needs a query"),
        (("--since", "soon"), "Cannot read the time"),
        (("--since", "7d", "--sample", "0"), "out of range"),
        (("--env", "prod"), "invalid choice"),
        (("--since", "today", "--until", "3d"), "ends before it starts"),
        (("--finished", "--in-progress"), "not allowed with"),
        (("--page-size", "1001"), "out of range"),
    ],
)
def test_bad_filters_are_usage_errors(listing_api, capsys, args, words):
    code, out, err = run_cli(capsys, "list", *args)
    assert code == EXIT_USAGE and out == "" and words in err
    assert listing_api.hits == 0


def test_offline_refuses_to_list(listing_api, capsys):
    code, _, err = run_cli(capsys, "--offline", "list", "--since", "1d")
    assert code == EXIT_USAGE and "cache list" in err and listing_api.hits == 0


def test_429_mid_paging_is_retried_and_announced(listing_api, corpus, capsys, fast_retries):
    listing_api.list_quirks = {2: "rate_limit"}
    code, out, err = run_cli(capsys, "list", "--since", "7d", "--json")
    assert code == 0
    assert len(out.splitlines()) == len(selected(corpus, timedelta(days=7)))
    assert "HTTP 429" in err and "retrying" in err


def test_a_bad_cursor_is_one_sentence(listing_api, capsys):
    listing_api.list_quirks = {2: "bad_cursor"}
    code, out, err = run_cli(capsys, "list", "--since", "7d", "--json")
    assert code == EXIT_USAGE
    assert len(out.splitlines()) == 10  # the two pages before it were printed
    assert err.count("\n") == 1 and "cursor" in err and "list again from the start" in err


def test_a_failing_api_is_exit_5(listing_api, capsys, fast_retries):
    listing_api.set_fault("server_error")
    code, out, err = run_cli(capsys, "list", "--since", "7d")
    assert code == EXIT_API and out == "" and "gave up after 4 attempts" in err


def test_list_fetch_stores_every_listed_call(listing_api, corpus, capsys):
    code, out, err = run_cli(capsys, "list", "--since", ago(3), "--handoff", "--fetch", "--json")
    assert code == 0, err
    listed = [json.loads(line)["conversationId"] for line in out.splitlines()]
    assert listed == selected(corpus, timedelta(days=3), handoff=True) and listed
    assert f"Fetched {len(listed)} (of {len(listed)})." in err  # stdout holds the listing only
    code, out, _ = run_cli(capsys, "cache", "list", "--json")
    assert sorted(row["conversationId"] for row in json.loads(out)) == sorted(listed)


def test_fetch_list_uses_the_same_filters(listing_api, corpus, capsys):
    code, out, err = run_cli(capsys, "fetch", "--list", "--since", ago(2), "--env", "live")
    want = selected(corpus, timedelta(days=2))
    assert code == 0, err
    assert out.strip() == f"Fetched {len(want)} (of {len(want)})."
    code, out, err = run_cli(capsys, "fetch", "--list", "--since", ago(2))
    assert out.strip() == f"Already stored {len(want)} (of {len(want)}).".replace(
        "Already stored", "Fetched 0, already stored"
    )
    code, _, err = run_cli(capsys, "fetch", "--list", "CA123")
    assert code == EXIT_USAGE and "not both" in err


def test_studio_links_work_wherever_an_id_does(listing_api, corpus, capsys, tmp_path):
    cid, other = corpus[-1]["conversationId"], corpus[-2]["conversationId"]
    link = f"https://studio.us.poly.ai/{ACCOUNT}/{DEMO_AGENT}/conversations/{cid}"
    link2 = f"https://studio.us.poly.ai/{ACCOUNT}/{DEMO_AGENT}/conversations/{other}"
    code, out, err = run_cli(capsys, "--agent", "PROJECT-elsewhere", "show", link, "-f", "json")
    assert code == 0, err and json.loads(out)["conversationId"] == cid
    assert listing_api.requests[-1].path.endswith(f"/agents/{DEMO_AGENT}/conversations/{cid}")
    code, out, err = run_cli(capsys, "fetch", link2)
    assert code == 0, err
    code, out, err = run_cli(capsys, "notes", "add", link, "--turn", "2", "checked")
    assert code == 0, err
    code, out, _ = run_cli(capsys, "notes", "list", link, "--json")
    assert [note["text"] for note in json.loads(out)] == ["checked"]
    code, out, err = run_cli(capsys, "export", link, "-o", str(tmp_path / "out"))
    assert code == 0, err and len(list((tmp_path / "out").iterdir())) == 1
    code, out, err = run_cli(capsys, "cache", "rm", link2)
    assert code == 0, err and "Removed 1" in out
    mixed = link.replace(DEMO_AGENT, "PROJECT-9").replace(f"/{cid}", "/CA1")
    code, _, err = run_cli(capsys, "fetch", link, mixed)
    assert code == EXIT_USAGE and "more than one agent" in err


def test_the_installed_list_imports_no_textual(listing_api, corpus):
    result = run_process("list", "--since", "1d", "--limit", "2")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 3
    probe = (
        "import sys; from polytui.cli import main; "
        "code = main(['list', '--since', '1d', '--limit', '2', '--json']); "
        "print('LOADED', [m for m in sys.modules if m.startswith('textual')]); sys.exit(code)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "LOADED []" in done.stdout


PLATFORM_KEY = "pk-list-secret-91c3e0"


def test_the_platform_key_never_shows(corpus, capsys, monkeypatch, tmp_path):
    echoing = [dict(call, channel=f"VOICE {PLATFORM_KEY}") for call in corpus[-4:]]
    with DemoServer(echoing, api_key=PLATFORM_KEY) as server:
        env = {
            "POLYAI_BASE_URL": server.url,
            "POLYAI_API_KEY": SECRET_KEY,
            "POLYAI_PLATFORM_API_KEY": PLATFORM_KEY,
            "POLYAI_AGENT_ID": DEMO_AGENT,
            "POLYAI_ACCOUNT_ID": ACCOUNT,
        }
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        code, out, err = run_cli(capsys, "--debug", "list", "--since", "3d", "--json")
        assert code == 0, err
        assert "VOICE ***" in out and "GET " in err
        seen = out + err
        server.set_fault("unauthorized", message=f"key {PLATFORM_KEY} refused")
        code, out, err = run_cli(capsys, "--debug", "list", "--since", "3d")
        assert code == 4 and "POLYAI_PLATFORM_API_KEY" in err
        seen += out + err
        code, out, err = run_cli(capsys, "config", "show")
        assert "list API key" in out and "set (hidden)" in out
        assert server.url in out and ACCOUNT in out
        seen += out + err
        assert PLATFORM_KEY not in seen and SECRET_KEY not in seen
        assert {r.headers["x-api-key"] for r in server.requests} == {PLATFORM_KEY}


def test_audio_takes_a_studio_link(api_env, samples, capsys, tmp_path):
    booking = samples[0]["conversationId"]
    link = f"https://studio.us.poly.ai/{ACCOUNT}/{DEMO_AGENT}/conversations/{booking}"
    target = tmp_path / "call.wav"
    code, _, err = run_cli(capsys, "--agent", "PROJECT-other", "audio", link, "-o", str(target))
    assert code == 0, err
    assert target.read_bytes()[:4] == b"RIFF"
