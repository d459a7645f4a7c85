"""The command line end to end: a real loopback API server, a real SQLite store in a tmp dir,
`polytui` run in-process (fast) and as the installed console script (exit codes, imports)."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import stat

import pytest

from polytui.core.errors import EXIT_API, EXIT_AUTH, EXIT_NOT_FOUND, EXIT_USAGE

from .helpers import SECRET_KEY, run_cli, run_process, stored_payloads


def _finished(samples):
    return [s for s in samples if not s.get("inProgress")]


def _first_text(sample) -> str:
    for turn in sample["turns"]:
        if turn.get("user_input"):
            return turn["user_input"]
    raise AssertionError("sample without caller text")


def test_show_fetches_stores_then_reads_the_store(api_env, server, samples, capsys):
    sample = _finished(samples)[0]
    cid = sample["conversationId"]
    code, out, err = run_cli(capsys, "show", cid)
    assert code == 0, err
    assert cid in out and _first_text(sample) in out
    hits = server.hits
    code, out2, _ = run_cli(capsys, "show", cid)
    assert code == 0 and _first_text(sample) in out2
    assert server.hits == hits, "a finished, stored call must not be fetched again"
    server.stop()
    code, out3, _ = run_cli(capsys, "show", cid, "--offline")
    assert code == 0 and _first_text(sample) in out3


def test_show_json_is_faithful_and_keeps_unknown_fields(api_env, server, samples, capsys):
    sample = dict(_finished(samples)[0])
    sample["conversationId"] = "CA-unknown-fields"
    sample["someFutureField"] = {"nested": [1, None, "x"]}
    server.add(sample)
    code, out, err = run_cli(capsys, "show", "CA-unknown-fields", "--format", "json")
    assert code == 0, err
    assert json.loads(out) == sample


def test_show_csv_and_markdown(api_env, samples, capsys):
    sample = _finished(samples)[0]
    code, out, _ = run_cli(capsys, "show", sample["conversationId"], "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and len(rows) == len(sample["turns"])
    code, out, _ = run_cli(capsys, "show", sample["conversationId"], "-f", "markdown")
    assert code == 0 and out.startswith("#")


def test_output_file_is_private(api_env, samples, capsys, tmp_path):
    os.umask(0o022)
    target = tmp_path / "call.md"
    code, out, err = run_cli(
        capsys, "show", samples[0]["conversationId"], "-f", "markdown", "-o", str(target)
    )
    assert code == 0 and out == ""
    assert str(target) in err
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert samples[0]["conversationId"] in target.read_text()


@pytest.mark.parametrize(
    "fault,code,words",
    [
        ("unauthorized", EXIT_AUTH, "401"),
        ("forbidden", EXIT_AUTH, "403"),
        ("not_found", EXIT_NOT_FOUND, "404"),
        ("server_error", EXIT_API, "500"),
        ("html", EXIT_API, "HTML"),
        ("garbage", EXIT_API, "JSON"),
    ],
)
def test_api_errors_one_line_and_exit_code(
    api_env, server, samples, capsys, fast_retries, fault, code, words
):
    server.set_fault(fault)
    status, out, err = run_cli(capsys, "show", samples[0]["conversationId"])
    assert status == code
    assert out == ""
    lines = err.strip().splitlines()
    assert lines[-1].startswith("polytui: ") and words in lines[-1]
    assert "Traceback" not in err and SECRET_KEY not in err
    if fault in ("unauthorized", "forbidden", "not_found", "server_error"):
        assert "correlation id" in lines[-1]


def test_missing_key_and_agent(server, samples, capsys, monkeypatch):
    monkeypatch.setenv("POLYAI_BASE_URL", server.url)
    monkeypatch.setenv("POLYAI_AGENT_ID", "PROJECT-demo")
    code, _, err = run_cli(capsys, "show", samples[0]["conversationId"])
    assert code == EXIT_AUTH and "POLYAI_API_KEY" in err
    monkeypatch.delenv("POLYAI_AGENT_ID")
    monkeypatch.setenv("POLYAI_API_KEY", SECRET_KEY)
    code, _, err = run_cli(capsys, "show", samples[0]["conversationId"])
    assert code == EXIT_USAGE and "--agent" in err


def test_retry_then_success_is_announced(api_env, server, samples, capsys, fast_retries):
    server.set_fault("unavailable", times=2)
    code, out, err = run_cli(capsys, "show", samples[0]["conversationId"])
    assert code == 0 and samples[0]["conversationId"] in out
    assert err.count("retrying") == 2


def test_offline_not_stored_is_not_found(api_env, server, capsys):
    code, _, err = run_cli(capsys, "show", "CA-never-seen", "--offline")
    assert code == EXIT_NOT_FOUND and "--offline" in err
    assert server.hits == 0


def test_refresh_failure_leaves_stored_copy(
    api_env, server, samples, capsys, fast_retries, hermetic_env
):
    cid = _finished(samples)[0]["conversationId"]
    assert run_cli(capsys, "show", cid)[0] == 0
    db = hermetic_env["data"] / "polytui.sqlite3"
    before = (
        stored_payloads(sqlite3.connect(db)),
        sqlite3.connect(db).execute("select fetched_at from conversations").fetchall(),
    )
    server.set_fault("garbage")
    code, out, err = run_cli(capsys, "show", cid, "--refresh")
    assert code == EXIT_API and out == ""
    after = (
        stored_payloads(sqlite3.connect(db)),
        sqlite3.connect(db).execute("select fetched_at from conversations").fetchall(),
    )
    assert after == before


def test_in_progress_is_refetched_and_falls_back_to_stale(
    api_env, server, samples, capsys, fast_retries
):
    live = next(s for s in samples if s.get("inProgress"))
    cid = live["conversationId"]
    assert run_cli(capsys, "show", cid)[0] == 0
    hits = server.hits
    assert run_cli(capsys, "show", cid)[0] == 0
    assert server.hits > hits, "an in-progress call is fetched again"
    server.set_fault("unavailable")
    code, out, err = run_cli(capsys, "show", cid)
    assert code == 0 and cid in out
    assert "offline copy" in err


def test_a_stored_live_call_opens_without_a_key(api_env, server, samples, capsys, monkeypatch):
    live = next(s for s in samples if s.get("inProgress"))
    cid = live["conversationId"]
    assert run_cli(capsys, "show", cid)[0] == 0
    hits = server.hits
    monkeypatch.delenv("POLYAI_API_KEY")
    code, out, err = run_cli(capsys, "show", cid)
    assert code == 0 and cid in out
    assert "No API key" in err and "stored copy fetched" in err and err.count("\n") == 1
    assert server.hits == hits
    # A key the API refuses is an error, stored copy or not.
    monkeypatch.setenv("POLYAI_API_KEY", "not-the-key")
    code, out, err = run_cli(capsys, "show", cid)
    assert code == 4 and out == ""


def test_bad_ids_are_refused(api_env, server, capsys):
    for bad in ("..", "x" * 10_000, "bad\x1bid"):
        code, _, err = run_cli(capsys, "show", bad)
        assert code == EXIT_USAGE and err.count("\n") == 1
    assert server.hits == 0


def test_odd_ids_are_percent_encoded(api_env, server, samples, capsys):
    weird = dict(samples[0], conversationId="a/b?c#d e")
    server.add(weird)
    code, out, err = run_cli(capsys, "show", "a/b?c#d e", "-f", "json")
    assert code == 0, err
    assert json.loads(out)["conversationId"] == "a/b?c#d e"
    assert server.requests[-1].path.endswith("/conversations/a%2Fb%3Fc%23d%20e")


def test_fetch_many_dedupes_and_summarises(api_env, server, samples, capsys, tmp_path):
    ids = [s["conversationId"] for s in samples]
    listing = tmp_path / "ids.txt"
    listing.write_text("\n".join([*ids, ids[0], "", "# a comment"]) + "\n")
    code, out, err = run_cli(capsys, "fetch", ids[0], "--from-file", str(listing), "-j", "4")
    assert code == 0, err
    assert f"Fetched {len(ids)} (of {len(ids)})." in out
    code, out, _ = run_cli(capsys, "fetch", *ids)
    live = sum(1 for s in samples if s.get("inProgress"))
    assert f"already stored {len(ids) - live}" in out


def test_fetch_lists_failures_and_uses_their_exit_code(api_env, server, samples, capsys):
    code, out, err = run_cli(
        capsys, "fetch", samples[0]["conversationId"], "CA-missing-1", "CA-missing-2"
    )
    assert code == EXIT_NOT_FOUND
    assert "CA-missing-1" in err and "CA-missing-2" in err
    assert "Fetched 1, failed 2 (of 3)." in out


def test_fetch_stops_on_a_rejected_key(api_env, server, capsys):
    server.set_fault("unauthorized")
    ids = [f"CA{i:032x}" for i in range(40)]
    code, out, err = run_cli(capsys, "fetch", *ids, "-j", "2")
    assert code == EXIT_AUTH
    assert "stopped early" in err
    assert server.hits < 10
    assert "not tried" in out


def test_fetch_ids_from_stdin(api_env, samples, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(samples[0]["conversationId"] + "\n"))
    code, out, _ = run_cli(capsys, "fetch", "--from-file", "-")
    assert code == 0 and "Fetched 1 (of 1)." in out
    code, _, err = run_cli(capsys, "fetch")
    assert code == EXIT_USAGE and "No conversation IDs" in err


def test_cache_commands(api_env, samples, capsys, hermetic_env):
    ids = [s["conversationId"] for s in samples[:3]]
    assert run_cli(capsys, "fetch", *ids)[0] == 0
    code, out, _ = run_cli(capsys, "cache", "list")
    assert code == 0 and all(cid in out for cid in ids)
    code, out, _ = run_cli(capsys, "cache", "list", "--json")
    assert {row["conversationId"] for row in json.loads(out)} == set(ids)
    code, out, _ = run_cli(capsys, "cache", "path")
    assert out.strip() == str(hermetic_env["data"] / "polytui.sqlite3")
    word = _first_text(samples[0]).split()[-1].strip("?.!,")
    code, out, _ = run_cli(capsys, "cache", "search", word, "--json")
    assert code == 0 and samples[0]["conversationId"] in {
        h["conversationId"] for h in json.loads(out)
    }
    code, _, err = run_cli(capsys, "cache", "search", "zzzqqqxxx")
    assert code == EXIT_NOT_FOUND and "nothing stored matches" in err
    code, out, _ = run_cli(capsys, "cache", "rm", ids[0])
    assert code == 0 and "Removed 1" in out
    code, _, _ = run_cli(capsys, "cache", "rm", ids[0])
    assert code == EXIT_NOT_FOUND
    # One stored, one not: the stored one goes, the other is named, exit 3.
    code, out, err = run_cli(capsys, "cache", "rm", ids[1], "CA-never-stored")
    assert code == EXIT_NOT_FOUND and "Removed 1" in out
    assert err == "polytui: not stored, so not removed: CA-never-stored.\n"
    code, _, err = run_cli(capsys, "cache", "clear")
    assert code == EXIT_USAGE and "--yes" in err
    code, out, _ = run_cli(capsys, "cache", "clear", "--yes")
    assert code == 0 and "Removed 1" in out


def test_usage_errors_are_one_line(capsys):
    for args in (
        ["show"],
        ["show", "x", "--format", "pdf"],
        ["cache"],
        ["--timeout", "abc", "show", "x"],
        ["show", "x", "--region", "mars"],
    ):
        code, _, err = run_cli(capsys, *args)
        assert code == EXIT_USAGE, args
        assert err.count("\n") == 1 and err.startswith("polytui: "), err


def test_version_and_config(capsys, hermetic_env, monkeypatch):
    from polytui import __version__

    code, out, _ = run_cli(capsys, "--version")
    assert code == 0 and __version__ in out
    code, out, _ = run_cli(capsys, "config", "path")
    assert out.strip() == str(hermetic_env["config"] / "config.toml")
    monkeypatch.setenv("POLYAI_API_KEY", SECRET_KEY)
    code, out, _ = run_cli(capsys, "config", "show")
    assert code == 0 and "set (hidden)" in out and SECRET_KEY not in out


def test_debug_logs_requests_without_the_key(api_env, server, samples, capsys, fast_retries):
    server.set_fault("server_error")
    code, _, err = run_cli(capsys, "--debug", "show", samples[0]["conversationId"])
    assert code == EXIT_API
    assert "GET " in err and SECRET_KEY not in err


def test_installed_script_exit_codes_and_no_textual_import(api_env, server, samples):
    cid = samples[0]["conversationId"]
    result = run_process("show", cid)
    assert result.returncode == 0 and cid in result.stdout
    result = run_process("show", "CA-nope")
    assert result.returncode == EXIT_NOT_FOUND and result.stderr.startswith("polytui: ")
    probe = (
        f"import sys; from polytui.cli import main; code = main(['show', {cid!r}, '--offline']); "
        "code = code or main(['cache', 'list']) or main(['cache', 'search', 'the']); "
        "bad = [m for m in ('textual', 'httpx', 'rich') if m in sys.modules]; "
        "print('LOADED', bad); sys.exit(code)"
    )
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env={**os.environ},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "LOADED []" in done.stdout


def test_shared_options_work_after_nested_actions(api_env, samples, capsys):
    assert run_cli(capsys, "fetch", samples[0]["conversationId"])[0] == 0
    assert (
        run_cli(capsys, "fetch", samples[1]["conversationId"], "--agent", "PROJECT-other")[0] == 0
    )
    code, out, err = run_cli(capsys, "cache", "list", "--agent", "PROJECT-demo", "--json")
    assert code == 0, err
    assert [row["conversationId"] for row in json.loads(out)] == [samples[0]["conversationId"]]
    code, out, _ = run_cli(capsys, "cache", "list", "--json")
    assert len(json.loads(out)) == 2, "without --agent on the command line, every agent is listed"
    code, _, err = run_cli(capsys, "config", "show", "--region", "eu-1")
    assert code == 0, err
