"""Shared helpers for the demo-server tests: request paths, a raw-socket GET, envelope checks."""

from __future__ import annotations

import socket
from urllib.parse import quote, urlsplit

import httpx

from polytui.demo import DEMO_AGENT, DEMO_API_KEY, DemoServer, sample_ids

BOOKING = sample_ids()[0]
KEY = {"x-api-key": DEMO_API_KEY}


def path(cid: str = BOOKING, agent: str = DEMO_AGENT) -> str:
    return f"/v1/agents/{quote(agent, safe='')}/conversations/{quote(cid, safe='')}"


def get(server: DemoServer, cid: str = BOOKING, *, headers=KEY, **kwargs) -> httpx.Response:
    return httpx.get(server.url + path(cid), headers=headers, timeout=5, **kwargs)


def raw_get(server: DemoServer, target: str) -> tuple[int, dict[str, str], bytes]:
    """One request over a bare socket; reads until the server closes the connection."""
    parts = urlsplit(server.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as sock:
        request = f"GET {target} HTTP/1.1\r\nHost: x\r\nx-api-key: {DEMO_API_KEY}\r\n\r\n"
        sock.sendall(request.encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    fields = dict(line.split(": ", 1) for line in lines[1:] if line)
    status = int(lines[0].split()[1]) if lines[0] else 0
    return status, {k.lower(): v for k, v in fields.items()}, body


def assert_envelope(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"success", "error", "error_id", "error_code", "error_message", "data"}
    assert body["success"] is False and body["data"] is None
    assert body["error_code"] == code
    assert isinstance(body["error_message"], str) and body["error_message"]
    assert body["error_id"] == response.headers["x-polyai-correlation-id"]
    return body
