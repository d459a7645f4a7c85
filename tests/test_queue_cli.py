"""`polytui queue`: making queues (a file of IDs and Studio links, a search, the stored calls),
listing, showing, next, set, export in three formats, rm; and the reviews in `cache list` and
in every export of a call."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import subprocess
import sys

import pytest

from polytui.core.errors import EXIT_NOT_FOUND, EXIT_USAGE
from polytui.demo.samples import DEMO_AGENT

from .helpers import run_cli, run_process


@pytest.fixture
def stored(api_env, samples, capsys):
    """Every sample call fetched and stored; their IDs."""
    ids = [s["conversationId"] for s in samples]
    assert run_cli(capsys, "fetch", *ids)[0] == 0
    return ids


def test_a_queue_from_a_file_of_ids_and_studio_links(stored, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("POLYAI_REVIEWER", "alice")
    link = f"https://studio.us.poly.ai/ACC-1/{DEMO_AGENT}/conversations/{stored[1]}"
    listed = tmp_path / "monday.txt"
    listed.write_text(f"# Monday's handoffs\n{stored[0]}\n\n{link}\n{stored[2]}\n{stored[0]}\n")
    code, out, err = run_cli(capsys, "queue", "new", "handoffs-mon", "--from-file", str(listed))
    assert code == 0, err
    assert f"Made the queue 'handoffs-mon' of 3 calls from the file {listed}." in out
    assert "polytui queue review handoffs-mon" in err
    code, out, _ = run_cli(capsys, "queue", "show", "handoffs-mon", "--json")
    shown = json.loads(out)
    assert [i["conversationId"] for i in shown["items"]] == stored[:3]
    assert {i["status"] for i in shown["items"]} == {"pending"}
    assert (shown["createdBy"], shown["total"]) == ("alice", 3)

    code, out, _ = run_cli(capsys, "queue", "ls")
    assert code == 0 and "handoffs-mon" in out and "0/3" in out
    code, _, err = run_cli(capsys, "queue", "new", "Handoffs-MON", "--from-file", str(listed))
    assert code == EXIT_USAGE and "exists already" in err


def test_next_set_show_and_the_history_of_a_call(stored, capsys, monkeypatch):
    monkeypatch.setenv("POLYAI_REVIEWER", "alice")
    assert run_cli(capsys, "queue", "new", "q", "--stored")[0] == 0
    code, out, _ = run_cli(capsys, "queue", "show", "q", "--json")
    order = [i["conversationId"] for i in json.loads(out)["items"]]
    assert sorted(order) == sorted(stored)
    code, out, _ = run_cli(capsys, "queue", "next", "q")
    assert (code, out) == (0, order[0] + "\n")
    code, out, _ = run_cli(capsys, "queue", "next", "q")  # her claim is still hers
    assert out == order[0] + "\n"
    monkeypatch.setenv("POLYAI_REVIEWER", "bob")
    assert run_cli(capsys, "queue", "next", "q")[1] == order[1] + "\n"  # not alice's call

    code, out, _ = run_cli(
        capsys, "queue", "set", "q", order[0], "--verdict", "fail", "--category", "wrong info"
    )
    assert code == 0 and "done · fail · wrong info · bob" in out
    code, _, err = run_cli(
        capsys, "queue", "set", "q", order[2], "--status", "skipped", "--verdict", "pass"
    )
    assert code == EXIT_USAGE and "A skipped call has no verdict" in err
    assert run_cli(capsys, "queue", "set", "q", order[2], "--status", "flagged")[0] == 0
    code, _, err = run_cli(capsys, "queue", "set", "q", order[2])
    assert code == EXIT_USAGE and "Say what to set" in err
    code, _, err = run_cli(capsys, "queue", "set", "q", "CA-not-there", "--status", "done")
    assert code == EXIT_NOT_FOUND and "is not in the queue 'q'" in err

    code, out, _ = run_cli(capsys, "queue", "show", "q")
    assert out.splitlines()[0] == "queue 'q' 1/7 done (1 fail) · 1 flagged · 1 in review"
    code, out, _ = run_cli(capsys, "queue", "show", "q", "--status", "in-review", "--json")
    assert [i["conversationId"] for i in json.loads(out)["items"]] == [order[1]]
    code, out, _ = run_cli(capsys, "queue", "show", "q", order[0])
    lines = out.splitlines()
    assert "done · fail · wrong info · bob" in lines[0]
    assert [line.split()[2:4] for line in lines[2:]] == [["alice", "in"], ["bob", "done"]]


def test_next_says_when_nothing_is_left(stored, capsys):
    assert run_cli(capsys, "queue", "new", "q", "--stored", stored[0][:6], "-n", "1")[0] == 0
    code, out, _ = run_cli(capsys, "queue", "next", "q")
    assert run_cli(capsys, "queue", "set", "q", out.strip(), "--status", "done")[0] == 0
    code, out, err = run_cli(capsys, "queue", "next", "q")
    assert code == EXIT_NOT_FOUND and out == ""
    assert "Nothing left for you to review in queue 'q' 1/1 done" in err


def test_a_queue_from_a_search_keeps_the_best_calls_first(stored, samples, capsys):
    word = "mugs"
    code, out, err = run_cli(capsys, "queue", "new", "s", "--search", word, "-n", "2")
    assert code == 0, err
    code, out, _ = run_cli(capsys, "queue", "show", "s", "--json")
    items = json.loads(out)["items"]
    assert 1 <= len(items) <= 2 and items[0]["conversationId"] in stored
    code, _, err = run_cli(capsys, "queue", "new", "none", "--search", "zzzqqqxxx")
    assert code == EXIT_NOT_FOUND and "Nothing stored matches 'zzzqqqxxx'" in err
    assert run_cli(capsys, "queue", "show", "none")[0] == EXIT_NOT_FOUND


def test_bad_files_and_missing_agents_are_one_sentence(capsys, tmp_path, monkeypatch):
    bad = tmp_path / "bad.txt"
    bad.write_text("CA1\nCA\x1b[2J2\n")
    code, _, err = run_cli(capsys, "queue", "new", "q", "--from-file", str(bad), "-a", "AG")
    assert code == EXIT_USAGE and err.startswith(f"polytui: Line 2 of {bad}: ")
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing\n\n")
    code, _, err = run_cli(capsys, "queue", "new", "q", "--from-file", str(empty), "-a", "AG")
    assert code == EXIT_USAGE and "names no call" in err
    ids = tmp_path / "ids.txt"
    ids.write_text("CA1\nCA2\n")
    code, _, err = run_cli(capsys, "queue", "new", "q", "--from-file", str(ids))
    assert code == EXIT_USAGE and "2 call(s) are not stored and no agent is set" in err
    code, _, err = run_cli(capsys, "queue", "new", "-bad", "--from-file", str(ids))
    assert code == EXIT_USAGE
    code, out, err = run_cli(capsys, "queue", "new", "q", "--from-file", str(ids), "-a", "AG")
    assert code == 0 and "2 of them not stored yet" in err
    assert run_cli(capsys, "queue", "ls")[0] == 0
    for args in (("show", "nope"), ("next", "nope"), ("export", "nope"), ("rm", "nope", "-y")):
        code, _, err = run_cli(capsys, "queue", *args)
        assert code == EXIT_NOT_FOUND and "There is no queue named 'nope'" in err, args


def _reviewed(stored, capsys, monkeypatch):
    monkeypatch.setenv("POLYAI_REVIEWER", "alice")
    assert run_cli(capsys, "queue", "new", "q", "--stored", "-n", "3")[0] == 0
    order = [
        i["conversationId"]
        for i in json.loads(run_cli(capsys, "queue", "show", "q", "--json")[1])["items"]
    ]
    run_cli(capsys, "queue", "set", "q", order[0], "--verdict", "pass")
    run_cli(
        capsys, "queue", "set", "q", order[1], "--verdict", "fail", "--category", "=HYPERLINK(1)"
    )
    run_cli(capsys, "notes", "add", order[1], "--turn", "1", "--label", "bad response", "too slow")
    return order


def test_export_gives_one_row_per_call_in_three_formats(stored, capsys, monkeypatch, tmp_path):
    order = _reviewed(stored, capsys, monkeypatch)
    code, out, _ = run_cli(capsys, "queue", "export", "q", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["conversation_id"] for r in rows] == order
    assert [(r["status"], r["verdict"], r["reviewer"]) for r in rows] == [
        ("done", "pass", "alice"),
        ("done", "fail", "alice"),
        ("pending", "", ""),
    ]
    assert rows[1]["category"] == "'=HYPERLINK(1)"  # never a formula in a spreadsheet
    assert rows[1]["notes"] == "turn 1 [bad response] too slow" and rows[1]["note_count"] == "1"
    assert rows[0]["started_at"]

    code, out, _ = run_cli(capsys, "queue", "export", "q", "--format", "json")
    data = json.loads(out)
    assert data["queue"]["progress"]["failed"] == 1
    assert [c["verdict"] for c in data["calls"]] == ["pass", "fail", None]
    assert data["calls"][1]["notes"][0]["label"] == "bad response"

    target = tmp_path / "report.html"
    code, _, err = run_cli(capsys, "queue", "export", "q", "--format", "html", "-o", str(target))
    assert code == 0 and str(target) in err
    page = target.read_text()
    assert "queue &#x27;q&#x27; 2/3 done (1 fail)" in page and "=HYPERLINK(1)" in page
    assert page.count("<tr><td>") == 3
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600


def test_reviews_show_in_cache_list_and_in_every_export_of_a_call(stored, capsys, monkeypatch):
    order = _reviewed(stored, capsys, monkeypatch)
    code, out, _ = run_cli(capsys, "cache", "list")
    line = next(line for line in out.splitlines() if order[1] in line)
    assert line.rstrip().endswith("done fail")
    assert "REVIEW" in out.splitlines()[0]
    listed = {
        r["conversationId"]: r for r in json.loads(run_cli(capsys, "cache", "list", "--json")[1])
    }
    assert listed[order[1]]["reviews"][0]["verdict"] == "fail"
    assert listed[order[2]]["reviews"][0]["status"] == "pending"
    assert listed[stored[-1]]["reviews"] == [] or stored[-1] in order

    for fmt in ("text", "markdown", "html"):
        out = run_cli(capsys, "show", order[1], "--format", fmt)[1]
        assert "done · fail" in out and "alice" in out, fmt
    data = json.loads(run_cli(capsys, "show", order[1], "--format", "json")[1])
    assert data["polytuiReviews"][0]["verdict"] == "fail"
    rows = list(
        csv.DictReader(io.StringIO(run_cli(capsys, "show", order[1], "--format", "csv")[1]))
    )
    assert all(row["review"].startswith("queue 'q': done · fail") for row in rows)


def test_rm_asks_first_and_keeps_the_calls(stored, capsys):
    assert run_cli(capsys, "queue", "new", "q", "--stored")[0] == 0
    code, _, err = run_cli(capsys, "queue", "rm", "q")
    assert code == EXIT_USAGE and "without --yes" in err
    code, out, _ = run_cli(capsys, "queue", "rm", "Q", "--yes")
    assert code == 0 and "Removed the queue 'q' (7 calls)" in out
    assert run_cli(capsys, "queue", "show", "q")[0] == EXIT_NOT_FOUND
    assert len(json.loads(run_cli(capsys, "cache", "list", "--json")[1])) == len(stored)


def test_the_installed_script_makes_a_queue_from_stdin_without_textual(api_env, stored):
    done = run_process("queue", "new", "piped", "--from-file", "-", stdin="\n".join(stored[:2]))
    assert done.returncode == 0, done.stderr
    done = run_process("queue", "next", "piped")
    assert done.returncode == 0 and done.stdout == stored[0] + "\n"
    probe = (
        "import sys; from polytui.cli import main; "
        "code = main(['queue', 'ls']) or main(['queue', 'show', 'piped']) "
        "or main(['queue', 'export', 'piped', '-f', 'html']); "
        "bad = [m for m in ('textual', 'httpx', 'rich') if m in sys.modules]; "
        "print('LOADED', bad); sys.exit(code)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env={**os.environ},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "LOADED []" in done.stdout
