"""An API that answers a request for call A with call B is refused (exit 5, one sentence): A stays
missing and a stored copy of B is not touched."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from polytui.adapters.sqlite import Store
from polytui.core.errors import EXIT_API, EXIT_NOT_FOUND
from polytui.core.models import Conversation

from .helpers import run_cli

AGENT = "PROJECT-liar"
B = {
    "conversationId": "CONV-B",
    "accountId": "ACC",
    "projectId": AGENT,
    "turns": [{"user_input": "the lie", "agent_response": "served for A"}],
}


class _Liar(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        body = json.dumps(B).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def liar():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Liar)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


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
