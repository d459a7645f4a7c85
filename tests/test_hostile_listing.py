"""Hostile suite, round 4: what `polytui list` and the account it needs let in. A listing is the
API's text like any other: IDs of 5,000 characters, escape sequences, numbers past any sense;
the account ID is an ID on every road (config file, environment, Studio link); and what
`config show` prints comes from the environment, so it is shown as data."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs

import pytest

from polytui.core.errors import EXIT_USAGE
from polytui.core.facts import format_duration, format_number, format_offset

from .canned_http import canned_server
from .helpers import run_cli

ESC = "\x1b[31m"
LONG_ID = "L" * 5000


@pytest.fixture
def listing(hermetic_env, monkeypatch):
    """A Data-API listing of the summaries a test puts in; every get-by-ID is a 404."""
    summaries: list[dict] = []

    def answer(request: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        path, _, query = request.path.partition("?")
        if path.endswith("/conversations"):
            offset = int(parse_qs(query).get("offset", ["0"])[0])
            page = summaries if offset == 0 else []
            return 200, {}, json.dumps({"conversations": page}).encode()
        return 404, {}, b'{"error": {"message": "no such call"}}'

    with canned_server(answer) as url:
        monkeypatch.setenv("POLYAI_BASE_URL", url)
        monkeypatch.setenv("POLYAI_API_KEY", "list-key-0000")
        monkeypatch.setenv("POLYAI_AGENT_ID", "PROJECT-list")
        yield summaries


def _table(capsys, *extra: str) -> tuple[int, list[str], str]:
    code, out, err = run_cli(capsys, "list", "--limit", "10", *extra)
    return code, out.splitlines(), err


def test_a_listed_id_of_five_thousand_characters_is_cut_in_the_table(listing, capsys):
    listing.extend([{"conversationId": LONG_ID}, {"conversationId": "CA-short"}])
    code, lines, _ = _table(capsys)
    assert code == 0 and len(lines) == 3
    assert max(len(line) for line in lines) < 200  # was 5,000 characters and more
    assert "LLL..." in lines[1] and "CA-short" in lines[2]


def test_the_json_lines_keep_a_long_id_whole(listing, capsys):
    listing.append({"conversationId": LONG_ID})
    code, out, _ = run_cli(capsys, "list", "--limit", "10", "--json")
    assert code == 0 and json.loads(out)["conversationId"] == LONG_ID


def test_a_listed_count_of_1e308_is_a_number_not_three_hundred_digits(listing, capsys):
    listing.append({"conversationId": "CA-big", "numTurns": 1e308, "totalDuration": 1e308})
    code, lines, _ = _table(capsys)
    assert code == 0 and "1e+308" in lines[1] and len(lines[1]) < 200


def test_escape_sequences_in_listed_cells_are_shown_as_data(listing, capsys):
    listing.append(
        {"conversationId": f"CA-{ESC}", "channel": f"voice{ESC}", "variantName": "v\x1b]0;x\x07"}
    )
    code, out, _ = run_cli(capsys, "list", "--limit", "10")
    assert code == 0 and "\x1b" not in out and "\x07" not in out and "␛[31m" in out


def test_a_failed_fetch_of_a_long_listed_id_is_one_short_line(listing, capsys):
    listing.extend([{"conversationId": LONG_ID}, {"conversationId": f"CA-{ESC}"}])
    code, _, err = run_cli(capsys, "list", "--limit", "10", "--fetch")
    assert code != 0 and "Traceback" not in err
    lines = err.splitlines()
    assert all(len(line) < 400 for line in lines), [len(line) for line in lines]
    assert any("5,000 characters long" in line for line in lines)
    assert "\x1b" not in err


@pytest.mark.parametrize(
    ("place", "source"),
    [("env", "from POLYAI_ACCOUNT_ID"), ("file", "from account in the config file")],
)
def test_an_account_with_an_escape_sequence_is_refused_naming_its_source(
    place, source, hermetic_env, capsys, monkeypatch
):
    if place == "env":
        monkeypatch.setenv("POLYAI_ACCOUNT_ID", f"ACC{ESC}")
    else:
        path = hermetic_env["config"] / "config.toml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text('account = "ACC\\u001b[31m"\n')
        path.chmod(0o600)
    code, out, err = run_cli(capsys, "config", "show")
    assert code == EXIT_USAGE and out == ""  # config show printed the escape sequence raw
    assert "account (Studio workspace) ID" in err and source in err and "\x1b" not in err


def test_a_studio_link_with_a_bad_account_is_refused(hermetic_env, capsys):
    link = "https://studio.us.poly.ai/AC%1B%5B31m/PROJECT-1/conversations/CA-1"
    code, _, err = run_cli(capsys, "show", link)
    assert code == EXIT_USAGE and "account (Studio workspace) ID" in err and "\x1b" not in err


def test_config_show_prints_paths_from_the_environment_as_data(hermetic_env, capsys, monkeypatch):
    monkeypatch.setenv("POLYTUI_DATA_DIR", str(hermetic_env["data"]) + "\x1b]0;owned\x07")
    code, out, _ = run_cli(capsys, "config", "show")
    assert code == 0 and "\x1b" not in out and "\x07" not in out and "owned" in out


@pytest.mark.parametrize("value", [1e308, -1e308, 10**30, 1e15])
def test_numbers_past_any_call_are_written_short_everywhere(value):
    for text in (format_duration(value), format_number(value), format_offset(value)):
        assert "e+" in text and len(text) <= 12, text


def test_ordinary_numbers_are_written_out_as_before():
    assert format_duration(3725) == "1h 02m 05s" and format_offset(65) == "01:05"
    assert format_number(42) == "42" and format_number(4.5) == "4.5"
    assert format_number(10**14) == "100000000000000"
