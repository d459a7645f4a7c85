"""Issue 5, IDs: conversation and agent IDs holding ``/``, ``..``, ``?``, ``#``, spaces or 10 kB of
text are percent-encoded into their one path segment or refused with a message; nothing escapes
the URL path. Proved on the URL the client builds (any string, Hypothesis), on the request the
loopback server receives, and through ``polytui show`` (exit code and one line)."""

from __future__ import annotations

from urllib.parse import unquote

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from polytui.adapters.http.client import conversation_url
from polytui.core.errors import EXIT_NOT_FOUND, EXIT_USAGE, UsageError
from polytui.core.ids import check_id_segment
from polytui.demo.samples import DEMO_AGENT
from polytui.demo.server import parse_path

from .helpers import SECRET_KEY, run_cli

BASE = "https://api.eu.poly.ai"
_ID_TEXT = st.one_of(
    st.text(st.characters(codec=None, exclude_categories=()), max_size=40),
    st.lists(
        st.sampled_from(["/", "..", ".", "?", "#", "%", "%2e", "%2F", " ", "\\", "a", "é"])
    ).map("".join),
)


@settings(max_examples=3000, deadline=None)
@given(agent=_ID_TEXT, cid=_ID_TEXT)
def test_any_id_is_one_path_segment_or_refused(agent, cid):
    try:
        agent_ok = check_id_segment(agent, "agent ID")
        cid_ok = check_id_segment(cid)
    except UsageError as exc:
        assert "\n" not in str(exc) and len(str(exc)) < 300
        return
    url = httpx.URL(conversation_url(BASE + "/", agent_ok, cid_ok))
    assert (url.scheme, url.host, url.query, url.fragment) == ("https", "api.eu.poly.ai", b"", "")
    segments = url.raw_path.decode("ascii").split("/")
    assert segments[:3] == ["", "v1", "agents"] and segments[4] == "conversations"
    assert len(segments) == 6
    assert unquote(segments[3]) == agent_ok and unquote(segments[5]) == cid_ok


ACCEPTED = ["a/b", "../../etc/passwd", "x?admin=1", "x#frag", "two words", "%2e%2e%2f", "...", "é"]
REFUSED = ["..", ".", "", "   ", "x" * 10_000, "CA\x1b[2J", "CA\n1", "CA\x00", "CA\u2028x"]


@pytest.mark.parametrize("cid", ACCEPTED)
def test_show_percent_encodes_odd_conversation_ids(cid, api_env, server, capsys):
    code, out, err = run_cli(capsys, "show", cid)
    assert code == EXIT_NOT_FOUND, err
    assert out == "" and err.count("\n") == 1 and err.startswith("polytui: ")
    [request] = server.requests
    assert request.path.count("/") == 5 and "?" not in request.path and "#" not in request.path
    assert parse_path(request.path) == (DEMO_AGENT, cid)


@pytest.mark.parametrize("agent", ["a/b", "../x", "p?q", "p#q", "my agent"])
def test_show_percent_encodes_odd_agent_ids(agent, api_env, server, samples, capsys):
    cid = samples[0]["conversationId"]
    code, out, err = run_cli(capsys, "show", cid, "--agent", agent, "-f", "json")
    assert code == 0, err  # the demo server serves any agent
    [request] = server.requests
    assert request.path.count("/") == 5 and "?" not in request.path
    assert parse_path(request.path) == (agent, cid)
    assert request.headers["x-api-key"] == SECRET_KEY


@pytest.mark.parametrize("cid", REFUSED, ids=repr)
def test_show_refuses_ids_that_are_not_ids(cid, api_env, server, capsys):
    code, out, err = run_cli(capsys, "show", cid)
    assert code == EXIT_USAGE
    assert out == "" and err.count("\n") == 1 and err.startswith("polytui: ")
    assert "\x1b" not in err and "\x00" not in err and len(err) < 300
    assert server.hits == 0


@pytest.mark.parametrize("agent", ["..", ".", "x" * 10_000, "a\x1bb"], ids=repr)
def test_show_refuses_agent_ids_that_are_not_ids(agent, api_env, server, samples, capsys):
    code, _, err = run_cli(capsys, "show", samples[0]["conversationId"], "--agent", agent)
    assert code == EXIT_USAGE and err.count("\n") == 1 and "agent ID" in err
    assert server.hits == 0


def test_every_character_the_check_refuses_is_one_isprintable_refuses():
    """``check_id_segment`` passes printable text without looking at each character: right
    only while every character it refuses is one ``str.isprintable`` is false for (checked for
    every code point), so the shortcut can never let one through."""
    import sys

    from polytui.core.ids import _unsafe

    refused_yet_printable = [
        hex(code)
        for code in range(sys.maxunicode + 1)
        if _unsafe(chr(code)) and chr(code).isprintable()
    ]
    assert refused_yet_printable == []
    for bad in ("CA\u200b12", "CA\x0012", "CA\u202e12", "CA\u202812"):
        with pytest.raises(UsageError):
            check_id_segment(bad)
