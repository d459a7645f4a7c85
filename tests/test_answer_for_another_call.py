"""An API that answers a request for call A with call B is refused (exit 5, one sentence): A stays
missing and a stored copy of B is not touched."""

from __future__ import annotations

import json

import pytest

from polytui.adapters.sqlite import Store
from polytui.core.errors import EXIT_API, EXIT_NOT_FOUND
from polytui.core.models import Conversation

from .canned_http import canned_server
from .helpers import run_cli

AGENT = "PROJECT-liar"
B = {
    "conversationId": "CONV-B",
    "accountId": "ACC",
    "projectId": AGENT,
    "turns": [{"user_input": "the lie", "agent_response": "served for A"}],
}


@pytest.fixture
def liar():
    with canned_server(lambda _request: (200, {}, json.dumps(B).encode())) as url:
        yield url


def test_an_answer_about_another_call_is_refused(liar, hermetic_env, capsys, monkeypatch):
    monkeypatch.setenv("POLYAI_BASE_URL", liar)
    monkeypatch.setenv("POLYAI_API_KEY", "liar-key-0000")
    db = hermetic_env["data"] / "polytui.sqlite3"
    good_b = {**B, "turns": [{"user_input": "the truth", "agent_response": "kept"}]}
    with Store(db) as store:
        store.put(AGENT, "api.test", json.dumps(good_b), Conversation.from_data(good_b))

    code, out, err = run_cli(capsys, "show", "CONV-A", "--agent", AGENT)
    assert code == EXIT_API and out == ""
    assert err.count("\n") == 1 and "CONV-A" in err and "another conversation (CONV-B)" in err

    code, _, err = run_cli(capsys, "fetch", "CONV-A", "--agent", AGENT)
    assert code == EXIT_API, err
    with Store(db) as store:
        stored_b = store.get("CONV-B", AGENT)
        assert stored_b is not None and json.loads(stored_b.raw) == good_b  # untouched
    code, _, _ = run_cli(capsys, "show", "CONV-B", "--agent", AGENT, "--refresh")
    assert code == 0  # asked for B, B is what came: fine

    with Store(db) as store:
        assert store.get("CONV-A", AGENT) is None
    code, _, _ = run_cli(capsys, "show", "CONV-A", "--agent", AGENT, "--offline")
    assert code == EXIT_NOT_FOUND
