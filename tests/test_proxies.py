"""Proxy variables are honoured for the real API but never for a server on this machine, so the
demo server and loopback tests never hand the key to a proxy."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler

from polytui.adapters.http.wire import is_loopback

from .canned_http import canned_server
from .helpers import SECRET_KEY, run_cli


def test_loopback_hosts():
    for url in (
        "http://127.0.0.1:8000",
        "http://localhost/x",
        "http://[::1]:9",
        "http://127.8.9.1",
    ):
        assert is_loopback(url), url
    for url in ("https://api.us.poly.ai", "http://10.0.0.1", "http://localhost.evil.example"):
        assert not is_loopback(url), url


def test_the_demo_server_is_reached_directly_despite_a_proxy(api_env, capsys, monkeypatch, samples):
    seen: list[str] = []

    def answer(request: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        seen.append(request.headers.get("x-api-key") or "")
        return 502, {}, b""

    with canned_server(answer) as address:
        for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "HTTPS_PROXY"):
            monkeypatch.setenv(name, address)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        code, out, err = run_cli(capsys, "show", samples[0]["conversationId"], "--format", "json")
    assert code == 0, err
    assert seen == [] and SECRET_KEY not in "".join(seen)
