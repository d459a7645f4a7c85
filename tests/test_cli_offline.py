"""Offline review from the command line: `notes`, `export`, `import` and `cache prune`, against a
real SQLite store in a tmp dir and (where fetching is needed) the loopback API server."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import stat
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from polytui.adapters.sqlite import Store
from polytui.core.errors import EXIT_AUTH, EXIT_NOT_FOUND, EXIT_USAGE
from polytui.core.models import NOTE_LABELS, Conversation
from polytui.export import FILE_EXTENSIONS, FORMATS, NOTES_KEY

from .helpers import run_cli, stored_payloads


def _finished(samples):
    return [s for s in samples if not s.get("inProgress") and len(s["turns"]) < 100]


def _db(hermetic_env):
    return hermetic_env["data"] / "polytui.sqlite3"


def _one_error_line(err: str) -> str:
    assert err.count("\n") == 1 and err.startswith("polytui: "), err
    assert "Traceback" not in err
    return err


def _json(capsys, *args):
    """Run a `--json` command that must succeed; return its parsed output."""
    code, out, err = run_cli(capsys, *args, "--json")
    assert code == 0, err
    return json.loads(out)


def _stored_ids(capsys):
    return {row["conversationId"] for row in _json(capsys, "cache", "list")}


def _store_calls(hermetic_env, payloads, *, agent="PROJECT-demo", fetched_at=None):
    with Store(_db(hermetic_env)) as store:
        for payload in payloads:
            raw = json.dumps(payload)
            store.put(agent, "api.test", raw, Conversation.from_data(payload), fetched_at)


# -- cache list -------------------------------------------------------------------------------


def test_cache_list_sorts_filters_and_limits(hermetic_env, samples, capsys):
    calls = _finished(samples)
    _store_calls(hermetic_env, calls)
    by_score = sorted(calls, key=lambda c: (c["polyScore"], c["conversationId"]))
    rows = _json(capsys, "cache", "list", "--sort", "poly_score", "--reverse")
    assert [r["conversationId"] for r in rows] == [c["conversationId"] for c in by_score]
    rows = _json(capsys, "cache", "list", "--sort", "poly_score", "-n", "2")
    assert [r["polyScore"] for r in rows] == sorted((c["polyScore"] for c in calls), reverse=True)[
        :2
    ]
    tagged = [c["conversationId"] for c in calls if "refund" in c.get("tags", [])]
    assert tagged
    rows = _json(capsys, "cache", "list", "--filter", "refund")
    assert {r["conversationId"] for r in rows} >= set(tagged)
    code, out, err = run_cli(capsys, "cache", "list", "--filter", "no-such-word-anywhere")
    assert code == 0 and out == "" and "matches the filter" in err
    code, _, err = run_cli(capsys, "cache", "list", "--sort", "loudness")
    assert code == EXIT_USAGE and "poly_score" in _one_error_line(err)
    code, _, err = run_cli(capsys, "cache", "list", "-n", "0")
    assert code == EXIT_USAGE and "--limit" in _one_error_line(err)


# -- notes ------------------------------------------------------------------------------------


def test_notes_add_list_and_remove(api_env, samples, capsys):
    first, second = (s["conversationId"] for s in _finished(samples)[:2])
    assert run_cli(capsys, "fetch", first, second)[0] == 0
    code, out, err = run_cli(capsys, "notes", "add", first, "whole call is fine")
    assert code == 0 and re.match(r"Added note \d+ on .* \(the whole call\)\.", out), err
    code, out, _ = run_cli(
        capsys, "notes", "add", first, "--turn", "2", "--label", "Bad-Response", "too", "long"
    )
    assert code == 0 and "(turn 2)" in out
    code, out, _ = run_cli(capsys, "notes", "add", second, "--label", "good response", "")
    assert code == 0

    code, out, _ = run_cli(capsys, "notes", "list")
    lines = out.splitlines()
    assert code == 0 and lines[0].split() == [
        "NOTE", "AGENT", "CONVERSATION", "TURN", "LABEL", "UPDATED", "TEXT"
    ]  # fmt: skip
    # Grouped by call, the call with the newest note first; a call's whole-call note first.
    assert [second in lines[1], first in lines[2], first in lines[3]] == [True, True, True]
    assert "call" in lines[2] and "whole call is fine" in lines[2]
    assert "bad response" in lines[3] and "too long" in lines[3]

    notes = _json(capsys, "notes", "list", first)
    assert [(n["turn"], n["label"], n["text"]) for n in notes] == [
        (None, None, "whole call is fine"),
        (2, "bad response", "too long"),
    ]
    assert set(notes[0]) == {
        "id", "agent", "conversationId", "turn", "label", "text", "createdAt", "updatedAt"
    }  # fmt: skip
    assert notes[0]["agent"] == "PROJECT-demo" and notes[0]["conversationId"] == first
    assert run_cli(capsys, "notes", "list", "--json", "--agent", "PROJECT-other")[1] == "[]\n"

    code, out, err = run_cli(capsys, "notes", "rm", str(notes[0]["id"]))
    assert code == 0 and "Removed 1 note(s)." in out
    code, out, err = run_cli(capsys, "notes", "rm", str(notes[0]["id"]))
    assert code == EXIT_NOT_FOUND and "Removed 0" in out
    assert f"no note with the id {notes[0]['id']}" in _one_error_line(err)
    assert [n["text"] for n in _json(capsys, "notes", "list", first)] == ["too long"]


def test_notes_list_when_there_are_none(capsys):
    code, out, err = run_cli(capsys, "notes", "list")
    assert code == 0 and out == "" and err == "No reviewer notes yet.\n"
    code, out, err = run_cli(capsys, "notes", "list", "--json")
    assert code == 0 and json.loads(out) == [] and err == ""


def test_notes_add_errors(api_env, server, samples, capsys):
    sample = _finished(samples)[0]
    cid, turns = sample["conversationId"], len(sample["turns"])
    assert run_cli(capsys, "fetch", cid)[0] == 0
    hits = server.hits
    cases = [
        (["notes", "add", cid, "--label", "rude", "x"], EXIT_USAGE, NOTE_LABELS[-1]),
        (["notes", "add", cid, "--turn", str(turns + 1), "x"], EXIT_USAGE, f"has {turns} turn"),
        (["notes", "add", cid, "--turn", "0", "x"], EXIT_USAGE, "out of range"),
        (["notes", "add", cid, "--turn", "two", "x"], EXIT_USAGE, "not a whole number"),
        (["notes", "add", cid, "  "], EXIT_USAGE, "needs some text"),
        (["notes", "add", cid], EXIT_USAGE, "required"),
        (["notes", "add", "CA-not-stored", "x"], EXIT_NOT_FOUND, "not stored"),
        (["notes", "rm", "abc"], EXIT_USAGE, "not a whole number"),
        (["notes"], EXIT_USAGE, "required"),
    ]
    for args, expected, words in cases:
        code, out, err = run_cli(capsys, *args)
        assert code == expected, (args, err)
        assert words in _one_error_line(err) and out == "", args
    assert run_cli(capsys, "notes", "list", "--json")[1] == "[]\n"
    assert server.hits == hits, "notes never touch the network"
    code, out, _ = run_cli(capsys, "notes", "add", cid, "--turn", str(turns), "last turn")
    assert code == 0


def test_notes_text_from_stdin_and_cleaned_output(api_env, samples, capsys, monkeypatch):
    import io

    cid = _finished(samples)[0]["conversationId"]
    assert run_cli(capsys, "fetch", cid)[0] == 0
    nasty = "look\x1b[2J here\u202e\x9b31m\nsecond line"
    monkeypatch.setattr("sys.stdin", io.StringIO(nasty))
    assert run_cli(capsys, "notes", "add", cid, "-")[0] == 0
    code, out, _ = run_cli(capsys, "notes", "list")
    assert code == 0 and "\x1b" not in out and "\u202e" not in out and "\x9b" not in out
    assert "look\u241b[2J here" in out and "second line" in out.splitlines()[1]
    code, out, _ = run_cli(capsys, "notes", "list", "--json")
    assert "\u202e" not in out and "\x9b" not in out and "\\u202e" in out
    assert json.loads(out)[0]["text"] == nasty


# -- export -----------------------------------------------------------------------------------


def test_export_many_files_private_with_notes_and_failures(api_env, samples, capsys, tmp_path):
    os.umask(0o022)
    first, second = (s["conversationId"] for s in _finished(samples)[:2])
    assert run_cli(capsys, "fetch", first)[0] == 0
    assert run_cli(capsys, "notes", "add", first, "--turn", "1", "greeting too slow")[0] == 0
    out_dir = tmp_path / "exports" / "batch"
    code, out, err = run_cli(
        capsys, "export", first, second, "CA-missing", "-f", "markdown", "-o", str(out_dir)
    )
    assert code == EXIT_NOT_FOUND
    assert f"Exported 2, failed 1 (of 3) to {out_dir}." in out
    assert err.count("\n") == 1 and err.startswith("polytui: CA-missing: ")
    assert stat.S_IMODE(out_dir.stat().st_mode) == 0o700
    files = sorted(p.name for p in out_dir.iterdir())
    assert files == sorted([f"{first}.md", f"{second}.md"])
    for path in out_dir.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "greeting too slow" in (out_dir / f"{first}.md").read_text()
    assert "greeting too slow" not in (out_dir / f"{second}.md").read_text()
    # the second call was fetched on the way and is now stored
    assert _stored_ids(capsys) == {first, second}


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_all_in_every_format_includes_notes(hermetic_env, samples, capsys, tmp_path, fmt):
    calls = _finished(samples)[:3]
    _store_calls(hermetic_env, calls)
    cid = calls[0]["conversationId"]
    assert run_cli(capsys, "notes", "add", cid, "--turn", "1", "note-in-every-file")[0] == 0
    code, out, err = run_cli(capsys, "export", "--all", "--format", fmt, "-o", str(tmp_path / "o"))
    assert code == 0 and err == ""
    assert out == f"Exported 3 (of 3) to {tmp_path / 'o'}.\n"
    names = {p.name for p in (tmp_path / "o").iterdir()}
    assert names == {f"{c['conversationId']}.{FILE_EXTENSIONS[fmt]}" for c in calls}
    text = (tmp_path / "o" / f"{cid}.{FILE_EXTENSIONS[fmt]}").read_text()
    assert "note-in-every-file" in text
    if fmt == "json":
        assert json.loads(text)[NOTES_KEY][0]["text"] == "note-in-every-file"


def test_export_html_is_one_self_contained_file(hermetic_env, samples, capsys, tmp_path):
    _store_calls(hermetic_env, _finished(samples)[:1])
    folder = tmp_path / "html"
    assert run_cli(capsys, "export", "--all", "-f", "html", "-o", str(folder))[0] == 0
    (page,) = folder.iterdir()
    assert page.suffix == ".html"
    html = page.read_text()
    assert html.startswith("<!DOCTYPE html>") and "<style>" in html
    assert not re.search(r"<(script|link|img|iframe)\b", html, re.IGNORECASE)
    assert not re.search(r"\bsrc\s*=", html, re.IGNORECASE)
    assert not re.search(r"(@import|url\()", html, re.IGNORECASE)


def test_export_offline_never_fetches(api_env, server, samples, capsys, tmp_path):
    stored, missing = (s["conversationId"] for s in _finished(samples)[:2])
    assert run_cli(capsys, "fetch", stored)[0] == 0
    hits = server.hits
    code, out, err = run_cli(capsys, "export", stored, missing, "--offline", "-o", str(tmp_path))
    assert code == EXIT_NOT_FOUND and "--offline" in err and "Exported 1, failed 1" in out
    assert server.hits == hits


def test_export_stops_on_a_rejected_key(api_env, server, capsys, tmp_path):
    server.set_fault("unauthorized")
    ids = [f"CA{i:032x}" for i in range(30)]
    code, out, err = run_cli(capsys, "export", *ids, "-j", "2", "-o", str(tmp_path / "x"))
    assert code == EXIT_AUTH and "stopped early" in err and "not tried" in out
    assert server.hits < 10


def test_export_names_are_safe_and_unique(hermetic_env, samples, capsys, tmp_path):
    base = _finished(samples)[0]
    calls = [dict(base, conversationId=cid) for cid in ("../a/b", "._a_b", "A_B", "a_b")]
    _store_calls(hermetic_env, calls)
    _store_calls(hermetic_env, calls[-1:], agent="PROJECT-other")  # same ID, another agent
    out_dir = tmp_path / "out"
    code, out, err = run_cli(capsys, "export", "--all", "-f", "json", "-o", str(out_dir))
    assert code == 0, err
    names = sorted(p.name for p in out_dir.iterdir())
    assert len(names) == 5 and len({n.lower() for n in names}) == 5
    assert all("/" not in n and not n.startswith(".") for n in names)
    assert {n.lower() for n in names} == {"a_b.json", *(f"a_b-{i}.json" for i in range(2, 6))}
    exported = sorted(json.loads((out_dir / n).read_text())["conversationId"] for n in names)
    assert exported == sorted(["../a/b", "._a_b", "A_B", "a_b", "a_b"])
    assert list(tmp_path.glob("a*")) == [], "nothing escapes the output folder"


def test_export_usage_errors(hermetic_env, samples, capsys, tmp_path):
    _store_calls(hermetic_env, _finished(samples)[:1])
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    cases = [
        (["export", "--all"], "--output"),
        (["export", "CA1", "--all", "-o", str(tmp_path)], "not both"),
        (["export", "-o", str(tmp_path)], "No conversation IDs"),
        (["export", "--all", "-f", "pdf", "-o", str(tmp_path)], "invalid choice"),
        (["export", "--all", "-o", str(a_file)], "not a folder"),
        (["export", "--all", "-j", "0", "-o", str(tmp_path)], "--concurrency"),
    ]
    for args, words in cases:
        code, out, err = run_cli(capsys, *args)
        assert code == EXIT_USAGE and out == "", args
        assert words in _one_error_line(err), args


def test_export_all_of_an_empty_store(capsys, tmp_path):
    code, out, err = run_cli(capsys, "export", "--all", "-o", str(tmp_path / "none"))
    assert code == 0 and out == "" and "holds no conversations" in err
    assert not (tmp_path / "none").exists()


def test_export_progress_bar_on_a_terminal(hermetic_env, samples, capsys, tmp_path, monkeypatch):
    _store_calls(hermetic_env, _finished(samples)[:2])
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    code, out, err = run_cli(capsys, "export", "--all", "-o", str(tmp_path / "o"))
    assert code == 0 and "Exported 2 (of 2)" in out
    assert len(list((tmp_path / "o").iterdir())) == 2
    assert "exporting" in err and "2/2" in err, "the bar is drawn on a terminal"
    code, out, err = run_cli(capsys, "--debug", "export", "--all", "-o", str(tmp_path / "o"))
    assert code == 0 and "exporting" not in err, "--debug output is not mixed with a bar"


# -- import -----------------------------------------------------------------------------------


def _note_keys(notes):
    return sorted(((n["turn"], n["label"], n["text"]) for n in notes), key=repr)


def test_round_trip_fetch_notes_export_clear_import(api_env, server, samples, capsys, tmp_path):
    cid = _finished(samples)[0]["conversationId"]
    assert run_cli(capsys, "fetch", cid)[0] == 0
    assert run_cli(capsys, "notes", "add", cid, "call-level remark")[0] == 0
    assert (
        run_cli(capsys, "notes", "add", cid, "--turn", "2", "--label", "wrong information", "")[0]
        == 0
    )
    code, original, _ = run_cli(capsys, "show", cid, "-f", "json")
    assert code == 0
    exported = tmp_path / "call.json"
    exported.write_text(original)

    assert run_cli(capsys, "cache", "clear", "--yes")[0] == 0
    for note in _json(capsys, "notes", "list"):
        assert run_cli(capsys, "notes", "rm", str(note["id"]))[0] == 0
    server.stop()  # from here on, everything is offline

    code, out, err = run_cli(capsys, "import", str(exported))
    assert code == 0 and err == ""
    assert out == "Imported 1 conversation(s), 2 new note(s).\n"
    code, again, _ = run_cli(capsys, "show", cid, "-f", "json", "--offline")
    before, after = json.loads(original), json.loads(again)
    assert _note_keys(after.pop(NOTES_KEY)) == _note_keys(before.pop(NOTES_KEY))
    assert after == before

    code, out, _ = run_cli(capsys, "import", str(exported))
    assert (
        code == 0
        and out == "Imported 1 conversation(s), 0 new note(s), 2 note(s) already stored.\n"
    )
    code, text, _ = run_cli(capsys, "show", cid, "--offline")
    assert code == 0 and text.count("call-level remark") == 1
    assert len(_json(capsys, "notes", "list")) == 2
    (row,) = _json(capsys, "cache", "list")
    assert row["host"] == "import" and row["notes"] == 2


def test_import_raw_api_json_and_lists(hermetic_env, samples, capsys, tmp_path):
    calls = _finished(samples)[:3]
    one = tmp_path / "one.json"
    one.write_text(json.dumps(dict(calls[0], projectId="PROJECT-teammate")))
    many = tmp_path / "many.json"
    many.write_text(json.dumps(calls[1:]))
    code, out, err = run_cli(capsys, "import", str(one), str(many))
    assert code == 0 and err == "" and out.startswith("Imported 3 conversation(s)")
    agents = {row["conversationId"]: row["agent"] for row in _json(capsys, "cache", "list")}
    assert agents[calls[0]["conversationId"]] == "PROJECT-teammate"
    assert agents[calls[1]["conversationId"]] == calls[1]["projectId"]
    # --agent wins over the payload's projectId
    assert run_cli(capsys, "import", str(one), "--agent", "PROJECT-mine")[0] == 0
    with Store(_db(hermetic_env)) as store:
        stored = store.get(calls[0]["conversationId"], "PROJECT-mine")
        assert stored is not None and stored.host == "import"
        assert json.loads(stored.raw) == dict(calls[0], projectId="PROJECT-teammate")


def test_import_stores_the_conversation_without_the_notes_key(
    hermetic_env, samples, capsys, tmp_path
):
    call = dict(_finished(samples)[0])
    call[NOTES_KEY] = [{"id": 7, "turn": 1, "label": "good response", "text": " fine "}]
    path = tmp_path / "with-notes.json"
    path.write_text(json.dumps(call, ensure_ascii=False))
    code, out, _ = run_cli(capsys, "import", str(path))
    assert code == 0 and "1 new note(s)" in out
    (raw,) = stored_payloads(sqlite3.connect(_db(hermetic_env))).values()
    assert (
        NOTES_KEY not in json.loads(raw)
        and json.loads(raw)["conversationId"] == call["conversationId"]
    )
    assert _note_keys(_json(capsys, "notes", "list")) == [(1, "good response", "fine")]


def test_import_reports_each_bad_file_and_keeps_the_good(hermetic_env, samples, capsys, tmp_path):
    good = _finished(samples)[0]
    files = {
        "good.json": json.dumps(good),
        "text.json": "this is not json",
        "number.json": "42",
        "empty.json": "",
        "empty-list.json": "[]",
        "no-id.json": json.dumps({k: v for k, v in good.items() if k != "conversationId"}),
        "number-id.json": json.dumps(dict(good, conversationId=7)),
        "bad-note.json": json.dumps(
            dict(good, conversationId="CA-bad-note", **{NOTES_KEY: [{"label": "meh"}]})
        ),
        "control-id.json": json.dumps(dict(good, conversationId="CA\x1b[2J")),
        "mixed.json": json.dumps([dict(good, conversationId="CA-in-list"), "not an object"]),
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    names = [str(tmp_path / n) for n in files] + [str(tmp_path / "absent.json"), str(tmp_path)]
    code, out, err = run_cli(capsys, "import", *names)
    assert code == EXIT_USAGE
    lines = err.splitlines()
    assert len(lines) == 11 and all(line.startswith("polytui: ") for line in lines)
    expected = {
        "text.json": "not JSON",
        "number.json": "holds no conversation",
        "empty.json": "empty",
        "empty-list.json": "holds no conversation",
        "no-id.json": "conversationId is missing",
        "number-id.json": "conversationId is not an ID",
        "bad-note.json": "unknown label",
        "control-id.json": "control characters",
        "mixed.json (item 2)": "not a conversation object",
        "absent.json": "cannot read it",
    }
    for name, words in expected.items():
        (line,) = [x for x in lines if x.startswith(f"polytui: {tmp_path / name}: ")]
        assert words in line, line
    assert "\x1b" not in err
    assert out == "Imported 2 conversation(s), 0 new note(s), 11 failed.\n"
    assert _stored_ids(capsys) == {good["conversationId"], "CA-in-list"}


def test_import_from_stdin(hermetic_env, samples, capsys, monkeypatch):
    import io

    call = _finished(samples)[0]
    buffer = io.BytesIO(json.dumps(call).encode("utf-8"))
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(buffer))
    code, out, _ = run_cli(capsys, "import", "-")
    assert code == 0 and out.startswith("Imported 1 conversation(s)")
    code, _, err = run_cli(capsys, "import", "-", "-")
    assert code == EXIT_USAGE and "only once" in _one_error_line(err)


# -- cache prune ------------------------------------------------------------------------------


def test_cache_prune_by_age(hermetic_env, samples, capsys):
    calls = _finished(samples)[:4]
    now = datetime.now(UTC)
    _store_calls(hermetic_env, calls[:1], fetched_at=now - timedelta(days=40))
    _store_calls(hermetic_env, calls[1:2], fetched_at=now - timedelta(days=10))
    _store_calls(hermetic_env, calls[2:3], fetched_at=now - timedelta(hours=13))
    _store_calls(hermetic_env, calls[3:], fetched_at=now)
    old = calls[0]["conversationId"]
    assert run_cli(capsys, "notes", "add", old, "keep me")[0] == 0
    with sqlite3.connect(_db(hermetic_env)) as db:
        stamp = (now - timedelta(days=60)).isoformat(timespec="microseconds")
        db.execute("UPDATE notes SET created_at = ?, updated_at = ?", (stamp, stamp))

    code, _, err = run_cli(capsys, "cache", "prune", "--older-than", "30d")
    assert code == EXIT_USAGE and "--yes" in _one_error_line(err)
    code, out, _ = run_cli(capsys, "cache", "prune", "--older-than", "30d", "--yes")
    assert code == 0 and out.startswith("Removed 1 conversation(s) fetched before")
    assert "notes are kept" in out
    assert len(_json(capsys, "notes", "list")) == 1
    code, out, _ = run_cli(capsys, "cache", "prune", "--older-than", "2w", "--yes")
    assert code == 0 and "Nothing to remove" in out
    code, out, _ = run_cli(capsys, "cache", "prune", "--older-than", "1w", "--yes", "--notes")
    assert code == 0 and "Removed 1 conversation(s)" in out and "and 1 note(s)" in out
    assert _json(capsys, "notes", "list") == []
    code, out, _ = run_cli(capsys, "cache", "prune", "--older-than", "12h", "-y")
    assert code == 0 and "Removed 1 conversation(s)" in out
    assert _stored_ids(capsys) == {calls[3]["conversationId"]}


def test_cache_prune_bad_ages(capsys):
    for age in ("30", "3m", "0d", "-2d", "1.5d", "d", "9999999d", "2 weeks"):
        code, out, err = run_cli(capsys, "cache", "prune", f"--older-than={age}", "--yes")
        assert code == EXIT_USAGE and out == "", age
        assert "12h, 30d or 2w" in _one_error_line(err), age
    code, _, err = run_cli(capsys, "cache", "prune", "--older-than", "999999w", "--yes")
    assert code == EXIT_USAGE and "too far" in _one_error_line(err)
    code, _, err = run_cli(capsys, "cache", "prune", "--yes")
    assert code == EXIT_USAGE and "--older-than" in _one_error_line(err)


# -- import hygiene ---------------------------------------------------------------------------


def test_offline_commands_import_neither_textual_nor_httpx(hermetic_env, samples, tmp_path):
    calls = _finished(samples)[:2]
    _store_calls(hermetic_env, calls)
    exported = tmp_path / "x.json"
    exported.write_text(json.dumps(calls[0]))
    cid = calls[0]["conversationId"]
    steps = [
        ["notes", "add", cid, "--turn", "1", "hello"],
        ["notes", "list"],
        ["export", "--all", "-f", "html", "-o", str(tmp_path / "out")],
        ["export", cid, "-o", str(tmp_path / "out2")],
        ["import", str(exported)],
        ["cache", "prune", "--older-than", "1d", "--yes"],
    ]
    probe = (
        "import sys; from polytui.cli import main; "
        f"codes = [main(a) for a in {steps!r}]; "
        "bad = [m for m in ('textual', 'httpx', 'rich') if m in sys.modules]; "
        "print('CODES', codes, 'LOADED', bad)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env={**os.environ},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "CODES [0, 0, 0, 0, 0, 0] LOADED []" in done.stdout, done.stdout + done.stderr
