"""Secrets in forms the first suites did not try: the key inside a long correlation id (taken out
before the header is cut short), inside a 200 body (never stored or exported), and base64-encoded
inside a longer base64 text of an error message."""

from __future__ import annotations

import base64
import json
import sqlite3
from http.server import BaseHTTPRequestHandler

import pytest

from polytui.core.errors import redact, secret_forms

from .canned_http import canned_server
from .helpers import run_cli, stored_payloads

KEY = "sk-test-9f8e7d6c5b4a39281706"
AGENT = "PROJECT-echo"


def _call(cid: str, text: str) -> dict:
    return {
        "conversationId": cid,
        "accountId": "ACC",
        "projectId": AGENT,
        "turns": [{"user_input": text, "agent_response": "ok"}],
    }


@pytest.fixture
def echo(hermetic_env, monkeypatch):
    """Answers keyed by the conversation ID at the end of the request's path."""
    replies: dict[str, tuple[int, dict[str, str], bytes]] = {}

    def answer(request: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        return replies[request.path.rstrip("/").rsplit("/", 1)[-1]]

    with canned_server(answer) as url:
        monkeypatch.setenv("POLYAI_BASE_URL", url)
        monkeypatch.setenv("POLYAI_API_KEY", KEY)
        yield replies


def _store_bytes(hermetic_env) -> bytes:
    data = hermetic_env["data"]
    return b"".join(p.read_bytes() for p in sorted(data.glob("polytui.sqlite3*")))


def _no_key_anywhere(*texts: str | bytes) -> None:
    forms = secret_forms(KEY)
    for text in texts:
        blob = text if isinstance(text, str) else text.decode("utf-8", "replace")
        assert not [form for form in forms if form in blob]


def test_a_key_inside_a_long_correlation_id_is_taken_out_before_it_is_cut(echo, capsys):
    corr = "corr-" + "x" * 80 + KEY + "y" * 40
    envelope = {"success": False, "error": {"message": "boom"}}
    echo["C-CORR"] = (400, {"x-polyai-correlation-id": corr}, json.dumps(envelope).encode())
    code, out, err = run_cli(capsys, "show", "C-CORR", "--agent", AGENT)
    assert code != 0 and out == ""
    _no_key_anywhere(err)
    assert KEY[:10] not in err  # not even the part that would survive the cut


def test_a_key_in_a_good_answer_is_never_stored_nor_exported(echo, hermetic_env, capsys, tmp_path):
    echo["C-BODY"] = (200, {}, json.dumps(_call("C-BODY", f"my key is {KEY} ok")).encode())
    code, out, err = run_cli(capsys, "show", "C-BODY", "--agent", AGENT, "--format", "json")
    assert code == 0, err
    assert "my key is *** ok" in out
    _no_key_anywhere(out, err, _store_bytes(hermetic_env))
    target = tmp_path / "out"
    code, _, err = run_cli(capsys, "export", "--all", "--format", "html", "--out", str(target))
    assert code == 0, err
    _no_key_anywhere(*(p.read_bytes() for p in target.iterdir()))
    rows = stored_payloads(sqlite3.connect(hermetic_env["data"] / "polytui.sqlite3"))
    assert rows and all("***" in raw for raw in rows.values())


@pytest.mark.parametrize("prefix", ["user:", "ab:", "a:"])  # the three base64 alignments
def test_a_base64_key_inside_an_error_message_is_redacted(prefix, echo, capsys):
    """In the envelope PolyAI sends (``error_message``, FACTS.md), which polytui shows. (This
    test used ``{"error": {"message": ...}}``, a shape polytui never shows: it could not fail.)"""
    wrapped = base64.b64encode(f"{prefix}{KEY}:tail".encode()).decode()
    envelope = {"success": False, "error_message": f"bad credentials {wrapped}", "data": None}
    echo["C-B64"] = (401, {}, json.dumps(envelope).encode())
    code, _, err = run_cli(capsys, "show", "C-B64", "--agent", AGENT)
    assert code != 0 and "bad credentials " in err  # the API's words are shown...
    _no_key_anywhere(err)  # ...without the key in any form


@pytest.mark.parametrize("prefix", ["", "a", "ab", "abc:"])
def test_base64_forms_at_every_alignment(prefix):
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        text = encode((prefix + KEY + "!").encode()).decode()
        redacted = redact(text, KEY)
        assert "***" in redacted and not any(f in redacted for f in secret_forms(KEY))


def test_an_answer_about_the_key_still_has_its_ids(echo, capsys):
    echo["C-OK"] = (200, {}, json.dumps(_call("C-OK", "nothing secret")).encode())
    code, out, _ = run_cli(capsys, "show", "C-OK", "--agent", AGENT, "--format", "json")
    assert code == 0 and json.loads(out)["conversationId"] == "C-OK"
