"""The request handler behind ``DemoServer``: routing, the error envelope and every fault.

``_Handler`` reaches its ``DemoServer`` through ``self.server.demo`` (recording, the store, the
current fault, interruptible sleeps); ``_HTTPServer`` tracks open connections so ``stop()`` can
cut them, and closes "reset" connections with an RST instead of a FIN.
"""

from __future__ import annotations

import json
import socket
import socketserver
import struct
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

from . import _audio
from . import _listing as listing
from . import _payloads as payloads
from .samples import DEMO_ACCOUNT, DEMO_AGENT

# name -> (status, error_code, error_message) for faults that answer with an error envelope
STATUS_FAULTS: dict[str, tuple[int, str, str]] = {
    "bad_request": (400, "CONVERSATIONS_VALIDATION_FAILED", "The request failed validation."),
    "unauthorized": (401, "UNAUTHORIZED", "The API key is missing, invalid or for another region."),
    "forbidden": (403, "FORBIDDEN", "This API key may not read conversations of this agent."),
    "not_found": (404, "CONVERSATIONS_NOT_FOUND", "Conversation not found."),
    "rate_limit": (429, "RATE_LIMIT_EXCEEDED", "Too many requests; retry later."),
    "server_error": (500, "INTERNAL_SERVER_ERROR", "Something went wrong on our side."),
    "bad_gateway": (502, "BAD_GATEWAY", "The upstream service answered badly."),
    "unavailable": (503, "SERVICE_UNAVAILABLE", "The service is temporarily unavailable."),
    "gateway_timeout": (504, "GATEWAY_TIMEOUT", "The upstream service did not answer in time."),
}
# fault name -> its options and their defaults
FAULTS: dict[str, dict[str, Any]] = {
    **{
        name: {"retry_after": "1" if name == "rate_limit" else None, "message": None}
        for name in STATUS_FAULTS
    },
    "server_error_bare": {},
    "slow": {"seconds": 5.0},
    "drip": {"seconds_per_chunk": 0.1, "chunk": 64},
    "truncated": {},
    "reset": {"pause": 0.05},
    "content_length_lies": {"extra": 1000},
    "html": {},
    "garbage": {},
    "invalid_utf8": {},
    "deep_json": {"depth": 100_000},
    "missing_fields": {},
    "gzip_bomb": {"size": 2 * 1024**3},
    "redirect": {"location": None},
    "redirect_loop": {},
    "drop": {},
    **_audio.FAULTS,
}
JSON = "application/json"


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # raw, exactly as sent (still percent-encoded, query included)
    headers: dict[str, str]  # lower-case names; repeated headers joined with ", "
    at: float  # time.monotonic() when the request line and headers had been read


def parse_path(raw_path: str) -> tuple[str, str] | None:
    """(agentId, conversationId) percent-decoded from the endpoint path, else None."""
    parts = urlsplit(raw_path).path.split("/")
    if len(parts) != 6 or parts[0] or parts[1:3] != ["v1", "agents"] or parts[4] != "conversations":
        return None
    agent, conversation = unquote(parts[3]), unquote(parts[5])
    if not agent or not conversation:
        return None
    return agent, conversation


class _Response:
    __slots__ = ("status", "headers", "body")

    def __init__(self, status: int, body: bytes, headers: list[tuple[str, str]] | None = None):
        self.status, self.body, self.headers = status, body, headers or []


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "polytui-demo/1"
    sys_version = ""
    timeout = 60  # an idle keep-alive connection is dropped after a minute
    disable_nagle_algorithm = True
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet by design
        return

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        self._serve()

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_GET  # noqa: N815

    # -- request -> response ----------------------------------------------------------------

    def _serve(self) -> None:
        demo = self.server.demo
        headers: dict[str, str] = {}
        for name, value in self.headers.items():
            key = name.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        seen = RecordedRequest(self.command, self.path, headers, time.monotonic())
        fault, options = demo._record(seen)
        if self.command != "GET":
            self.close_connection = True  # any request body is left unread
        if demo.delay > 0 and demo._sleep(demo.delay):
            self.close_connection = True
            return
        cid = str(uuid.uuid4())
        if fault is None:
            self._send(self._route(cid), cid)
        else:
            self._fault(fault, options, cid)

    def _route(self, cid: str) -> _Response:
        demo = self.server.demo
        if self.command != "GET":
            body = payloads.envelope(405, "METHOD_NOT_ALLOWED", "Only GET is supported.", cid)
            return _Response(405, body, [("Content-Type", JSON), ("Allow", "GET")])
        if demo.api_key is not None and self.headers.get("x-api-key") != demo.api_key:
            return _error(401, "UNAUTHORIZED", "Invalid or missing API key.", cid)
        if audio := _audio.answer(self.path, demo, cid):
            return _Response(*audio)
        if (listed := listing.answer(demo, self.path, cid)) is not None:
            return _Response(*listed)
        ids = parse_path(self.path)
        if ids is None:
            return _error(404, "NOT_FOUND", "No such endpoint.", cid)
        agent, conversation = ids
        found = demo._lookup(conversation) if demo.agent in (None, agent) else None
        if found is None:
            return _error(404, "CONVERSATIONS_NOT_FOUND", "Conversation not found.", cid)
        return _Response(200, found, [("Content-Type", JSON)])

    def _subject(self) -> dict[str, Any]:
        """The requested conversation (or a minimal stand-in) for faults that mangle a body."""
        agent, conversation = parse_path(self.path) or (DEMO_AGENT, "CA" + "0" * 32)
        body = self.server.demo._lookup(conversation)
        if body is not None:
            return json.loads(body)
        return {"conversationId": conversation, "accountId": DEMO_ACCOUNT, "projectId": agent}

    def _fault(self, fault: str, options: dict[str, Any], cid: str) -> None:
        demo = self.server.demo
        if fault in STATUS_FAULTS:
            status, code, message = STATUS_FAULTS[fault]
            response = _error(status, code, options["message"] or message, cid)
            if options["retry_after"] is not None:
                response.headers.append(("Retry-After", str(options["retry_after"])))
            self._send(response, cid)
        elif fault == "server_error_bare":
            body = b"Internal Server Error\n"
            self._send(_Response(500, body, [("Content-Type", "text/plain; charset=utf-8")]), cid)
        elif fault == "slow":
            if demo._sleep(float(options["seconds"])):
                self.close_connection = True
                return
            self._send(self._route(cid), cid)
        elif fault == "drip":
            response = self._route(cid)
            self._head(response, cid, len(response.body))
            step, chunk = float(options["seconds_per_chunk"]), max(1, int(options["chunk"]))
            for start in range(0, len(response.body), chunk):
                if start and demo._sleep(step):
                    self.close_connection = True
                    return
                self.wfile.write(response.body[start : start + chunk])
        elif fault in ("truncated", "reset", "content_length_lies"):
            response = self._route(cid)
            body = response.body
            declared = len(body) + int(options["extra"]) if fault == "content_length_lies" else None
            self._head(response, cid, len(body) if declared is None else declared)
            self.wfile.write(body if fault == "content_length_lies" else body[: len(body) // 2])
            self.close_connection = True
            if fault == "reset":
                demo._sleep(float(options["pause"]))
                self.server.abort(self.connection)
        elif fault == "html":
            html = [("Content-Type", "text/html; charset=utf-8")]
            self._send(_Response(200, payloads.HTML_PAGE, html), cid)
        elif fault == "garbage":
            self._send(_Response(200, payloads.GARBAGE, [("Content-Type", JSON)]), cid)
        elif fault == "invalid_utf8":
            body = payloads.invalid_utf8_body(self._subject())
            self._send(_Response(200, body, [("Content-Type", JSON)]), cid)
        elif fault == "deep_json":
            body = payloads.deep_json(int(options["depth"]))
            self._send(_Response(200, body, [("Content-Type", JSON)]), cid)
        elif fault == "missing_fields":
            subject = self._subject()
            subject.pop("conversationId", None)
            body = payloads.to_json_bytes(subject)
            self._send(_Response(200, body, [("Content-Type", JSON)]), cid)
        elif fault == "gzip_bomb":
            bomb = payloads.gzip_bomb(int(options["size"]))
            encoded = [("Content-Type", JSON), ("Content-Encoding", "gzip")]
            self._send(_Response(200, bomb, encoded), cid)
        elif fault in ("redirect", "redirect_loop"):
            host, port = self.server.server_address[:2]
            here = f"http://{host!s}:{port}{self.path}"
            target = options["location"] if fault == "redirect" else here
            self._send(_Response(302, b"", [("Location", target)]), cid)
        elif fault == "drop":
            self.close_connection = True
        elif fault in _audio.FAULTS:
            self._send(_Response(*_audio.faulty(self.path, demo, fault, options, cid)), cid)

    # -- writing --------------------------------------------------------------------------------

    def _head(self, response: _Response, cid: str, length: int) -> None:
        self.send_response(response.status)
        self.send_header("X-PolyAI-Correlation-Id", cid)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(length))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()

    def _send(self, response: _Response, cid: str) -> None:
        self._head(response, cid, len(response.body))
        if self.command != "HEAD":
            self.wfile.write(response.body)


def _error(status: int, code: str, message: str, cid: str) -> _Response:
    body = payloads.envelope(status, code, message, cid)
    return _Response(status, body, [("Content-Type", JSON)])


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 512

    def __init__(self, address: tuple[str, int], demo: Any) -> None:
        self.demo = demo
        self._guard = threading.Lock()
        self._open: set[socket.socket] = set()
        self._aborted: set[socket.socket] = set()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        """Bind without HTTPServer's reverse DNS lookup (socket.getfqdn can take seconds)."""
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._guard:
            self._open.add(request)
        super().process_request(request, client_address)

    def abort(self, connection: socket.socket) -> None:
        """Close ``connection`` with a TCP RST (SO_LINGER 0) once its handler is done."""
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        with self._guard:
            self._aborted.add(connection)

    def shutdown_request(self, request: Any) -> None:
        with self._guard:
            self._open.discard(request)
            aborted = request in self._aborted
            self._aborted.discard(request)
        if aborted:
            self.close_request(request)  # no FIN first: the peer sees a reset
        else:
            super().shutdown_request(request)

    def close_open_connections(self) -> None:
        with self._guard:
            live = list(self._open)
        for connection in live:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                continue  # already gone

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, OSError):
            return  # the client went away, or the server is stopping: nothing to report
        if error is not None:
            self.demo.errors.append(error)
