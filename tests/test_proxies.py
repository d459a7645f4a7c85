"""Proxy variables are honoured for the real API but never for a server on this machine, so the
demo server and loopback tests never hand the key to a proxy."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from polytui.adapters.http.wire import is_loopback

from .helpers import SECRET_KEY, run_cli


class _Proxy(BaseHTTPRequestHandler):
    seen: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.seen.append(self.headers.get("x-api-key") or "")
        self.send_response(502)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


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
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), _Proxy)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        address = f"http://127.0.0.1:{proxy.server_address[1]}"
        for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "HTTPS_PROXY"):
            monkeypatch.setenv(name, address)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        code, out, err = run_cli(capsys, "show", samples[0]["conversationId"], "--format", "json")
    finally:
        proxy.shutdown()
        proxy.server_close()
    assert code == 0, err
    assert _Proxy.seen == [] and SECRET_KEY not in "".join(_Proxy.seen)
