"""Numbers past 64 bits (or past any call) are usage errors naming the value (exit 2); an import
reports the file with the bad note and stores the good files."""

from __future__ import annotations

import json

from polytui.core.errors import EXIT_USAGE

from .helpers import run_cli

HUGE = "99999999999999999999"


def _call(cid: str, notes: list[dict]) -> dict:
    return {
        "conversationId": cid,
        "accountId": "ACC",
        "projectId": "PROJECT-big",
        "turns": [{"user_input": "hi", "agent_response": "hello"}],
        "polytuiNotes": notes,
    }


def test_notes_rm_and_turn_past_the_range_are_usage_errors(hermetic_env, capsys):
    for args in (["notes", "rm", HUGE], ["notes", "add", "CONV-1", "--turn", HUGE, "x"]):
        code, out, err = run_cli(capsys, *args)
        assert code == EXIT_USAGE and out == "", args
        assert HUGE in err and "out of range" in err and "Traceback" not in err


def test_an_import_with_a_huge_turn_fails_that_file_and_keeps_the_others(
    hermetic_env, capsys, tmp_path
):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(_call("CONV-BAD", [{"turn": 2**63, "text": "boom"}])))
    good = tmp_path / "good.json"
    good.write_text(json.dumps(_call("CONV-GOOD", [{"turn": 1, "text": "fine"}])))
    code, out, err = run_cli(capsys, "import", str(bad), str(good))
    assert code != 0 and "bad.json" in err and "bad turn number" in err
    assert "Traceback" not in err
    code, out, _ = run_cli(capsys, "cache", "list", "--json")
    ids = {row["conversationId"] for row in json.loads(out)}
    assert ids == {"CONV-GOOD"}  # the bad file stored nothing, not even its call
    code, out, _ = run_cli(capsys, "notes", "list", "CONV-GOOD", "--json")
    assert [note["text"] for note in json.loads(out)] == ["fine"]


def test_cache_limits_past_64_bits_are_usage_errors(hermetic_env, capsys):
    for args in (["cache", "list", "-n", HUGE], ["cache", "search", "refund", "-n", HUGE]):
        code, out, err = run_cli(capsys, *args)
        assert code == EXIT_USAGE and out == "", args
        assert HUGE in err and "out of range" in err and "Traceback" not in err
    code, _, err = run_cli(capsys, "cache", "list", "-n", "0")
    assert code == EXIT_USAGE and "out of range" in err
