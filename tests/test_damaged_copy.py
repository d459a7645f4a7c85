"""A stored copy that cannot be read any more is called a damaged stored copy (not an API
answer), with --refresh offered; --refresh then replaces it with a good one."""

from __future__ import annotations

import sqlite3

import pytest

from polytui.core.errors import EXIT_UNEXPECTED

from .helpers import replace_payload, run_cli


@pytest.mark.parametrize(
    ("raw", "reason"),
    [("{not json", "not valid JSON"), ('{"turns": []}', "not a conversation with its three IDs")],
)
def test_a_damaged_copy_says_so_and_refresh_mends_it(
    api_env, hermetic_env, samples, capsys, raw, reason
):
    call = next(s for s in samples if not s.get("inProgress"))
    cid = call["conversationId"]
    code, _, err = run_cli(capsys, "fetch", cid)
    assert code == 0, err
    db = hermetic_env["data"] / "polytui.sqlite3"
    with sqlite3.connect(db) as conn:
        replace_payload(conn, cid, raw)

    code, out, err = run_cli(capsys, "show", cid, "--offline")
    assert code == EXIT_UNEXPECTED and out == ""
    assert err == (
        f"polytui: The stored copy of conversation {cid} is damaged (it is {reason}); "
        "fetch it again with --refresh.\n"
    )
    assert "API" not in err

    code, out, err = run_cli(capsys, "show", cid, "--refresh", "--format", "json")
    assert code == 0, err
    code, out, err = run_cli(capsys, "show", cid, "--offline", "--format", "json")
    assert code == 0 and cid in out
