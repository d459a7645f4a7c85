"""A real HTTP server on 127.0.0.1 answering ``GET /v1/agents/{agentId}/conversations/{id}``
like the PolyAI Conversations API, with switchable faults: for tests, benchmarks, ``polytui demo``.

Run by hand: ``python -m polytui.demo.server [--port N] [--key K] [--samples]``.
Standard library only; every connection is served on a daemon thread and ``stop()`` returns fast.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from collections.abc import Iterable, Mapping
from typing import Any

from polytui.core.errors import PolytuiError

from . import _payloads as payloads
from ._handler import FAULTS, STATUS_FAULTS, RecordedRequest, _HTTPServer, parse_path
from ._listing import summary_of
from .samples import DEMO_AGENT, DEMO_API_KEY

__all__ = [
    "FAULTS",
    "STATUS_FAULTS",
    "DemoServer",
    "DemoServerError",
    "RecordedRequest",
    "main",
    "parse_path",
]


class DemoServerError(PolytuiError):
    """The demo server could not start (for example, the port is taken)."""


class DemoServer:
    """The loopback Conversations API. ``start()`` (or ``with``) before use; ``url`` is then set.

    ``conversations``: dicts as the API sends them (served under their ``conversationId``), or a
    mapping of ID -> dict (served under the key, whatever the body says). ``api_key`` None
    accepts any key or none; ``agent`` None serves every conversation under any agent ID.

    The list endpoints (v3 and the Data API: ``polytui.demo._listing``) list the same calls;
    ``list_page_cap`` caps their pages below the ``limit`` asked, and ``list_quirks`` maps a page
    number to a quirk of that page (``_listing.QUIRKS``).
    """

    def __init__(
        self,
        conversations: Iterable[dict] | Mapping[str, dict] | None = None,
        *,
        api_key: str | None = DEMO_API_KEY,
        agent: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        delay: float = 0.0,
    ) -> None:
        self.api_key = api_key
        self.agent = agent
        self.host = host
        self.port = port
        self.delay = delay
        self.requests: list[RecordedRequest] = []
        self.errors: list[BaseException] = []  # unexpected handler failures (should stay empty)
        self._hits = 0
        self._lock = threading.Lock()
        self._store: dict[str, bytes] = {}
        self._listed: dict[str, dict] = {}  # cid -> its list summary (polytui.demo._listing)
        self._served_once: set[object] = set()
        self.list_page_cap: int | None = None
        self.list_quirks: dict[int, str] = {}
        self._fault: str | None = None
        self._fault_options: dict[str, Any] = {}
        self._fault_left: int | None = None
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        if isinstance(conversations, Mapping):
            for key, conversation in conversations.items():
                self._put(str(key), conversation)
        else:
            for conversation in conversations or ():
                self.add(conversation)

    # -- content --------------------------------------------------------------------------------

    def add(self, conversation: dict) -> None:
        """Serve ``conversation`` under its conversationId, replacing any earlier copy."""
        cid = conversation.get("conversationId") if isinstance(conversation, dict) else None
        if not isinstance(cid, str) or not cid:
            raise ValueError("A conversation needs a non-empty string conversationId to be served.")
        self._put(cid, conversation)

    def _put(self, cid: str, conversation: dict) -> None:
        body = payloads.to_json_bytes(conversation)
        summary = summary_of({**conversation, "conversationId": cid})
        with self._lock:
            self._store[cid] = body
            self._listed[cid] = summary

    def _summaries(self) -> list[dict]:
        with self._lock:
            return list(self._listed.values())

    def _first_time(self, key: object) -> bool:
        """True the first time ``key`` is asked about (a quirk that happens once)."""
        with self._lock:
            if key in self._served_once:
                return False
            self._served_once.add(key)
            return True

    def _lookup(self, cid: str) -> bytes | None:
        with self._lock:
            body: bytes | None = self._store.get(cid)
            return body

    # -- faults ---------------------------------------------------------------------------------

    def set_fault(self, fault: str | None, *, times: int | None = None, **options: Any) -> None:
        """Answer the next ``times`` requests (None: until cleared) with ``fault``; None clears."""
        if fault is None:
            with self._lock:
                self._fault, self._fault_options, self._fault_left = None, {}, None
            return
        if fault not in FAULTS:
            raise ValueError(f"Unknown fault {fault!r}; known faults: {', '.join(sorted(FAULTS))}.")
        unknown = set(options) - set(FAULTS[fault])
        if unknown:
            raise ValueError(f"Fault {fault!r} takes no option(s) {', '.join(sorted(unknown))}.")
        if times is not None and times < 1:
            raise ValueError("times must be at least 1, or None for 'until cleared'.")
        merged = {**FAULTS[fault], **options}
        if fault == "redirect" and not merged["location"]:
            raise ValueError("The redirect fault needs location=<absolute URL>.")
        with self._lock:
            self._fault, self._fault_options, self._fault_left = fault, merged, times

    def _record(self, request: RecordedRequest) -> tuple[str | None, dict[str, Any]]:
        """Record a request and take the fault (if any) that applies to it."""
        with self._lock:
            self.requests.append(request)
            self._hits += 1
            fault, options = self._fault, self._fault_options
            if fault is not None and self._fault_left is not None:
                self._fault_left -= 1
                if self._fault_left <= 0:
                    self._fault, self._fault_options, self._fault_left = None, {}, None
            return fault, options

    @property
    def hits(self) -> int:
        """Requests seen since the server was made."""
        with self._lock:
            return self._hits

    def _sleep(self, seconds: float) -> bool:
        """Wait ``seconds``; True when the server is stopping (the caller should give up)."""
        return self._stopping.wait(max(0.0, seconds))

    # -- lifecycle ------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        httpd = self._httpd
        if httpd is None:
            raise RuntimeError("The demo server is not running; call start() first.")
        host, port = httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def running(self) -> bool:
        return self._httpd is not None

    def start(self) -> DemoServer:
        with self._lock:
            if self._httpd is not None:
                return self
            try:
                httpd = _HTTPServer((self.host, self.port), self)
            except OSError as exc:
                reason = exc.strerror or str(exc)
                raise DemoServerError(
                    f"The demo server could not listen on {self.host}:{self.port} ({reason})."
                ) from None
            self._stopping.clear()
            thread = threading.Thread(
                target=httpd.serve_forever,
                kwargs={"poll_interval": 0.02},
                name=f"polytui-demo-server:{httpd.server_address[1]}",
                daemon=True,
            )
            self._httpd, self._thread = httpd, thread
        thread.start()
        return self

    def stop(self) -> None:
        with self._lock:
            httpd, thread = self._httpd, self._thread
            self._httpd = self._thread = None
        if httpd is None or thread is None:
            return
        self._stopping.set()  # wakes delays, slow and drip faults
        httpd.shutdown()
        httpd.server_close()
        httpd.close_open_connections()
        thread.join(timeout=5)

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    from ._real import real_shaped_conversations
    from .samples import sample_conversations

    parser = argparse.ArgumentParser(
        prog="python -m polytui.demo.server",
        description="Serve PolyAI-like conversations on a loopback HTTP server.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    parser.add_argument("--key", default=DEMO_API_KEY, help="API key to require ('' accepts any)")
    parser.add_argument(
        "--samples",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="serve the sample calls, spec-shaped and real-shaped (default: yes)",
    )
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before each answer")
    parser.add_argument("--fault", choices=sorted(FAULTS), help="answer every request this way")
    args = parser.parse_args(argv)
    calls = sample_conversations() + real_shaped_conversations() if args.samples else []
    server = DemoServer(
        calls, api_key=args.key or None, host=args.host, port=args.port, delay=args.delay
    )
    if args.fault:
        try:
            server.set_fault(args.fault)
        except ValueError as exc:
            parser.error(str(exc))
    # `kill` stops as cleanly as Ctrl+C, from the first moment the server is up.
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        try:
            server.start()
        except DemoServerError as exc:
            print(f"polytui: {exc}", file=sys.stderr)
            return exc.exit_code
        print(f"Serving on {server.url}  (agent: any, e.g. {DEMO_AGENT}; key: {args.key or 'any'})")
        for call in calls:
            print(f"  {server.url}/v1/agents/{DEMO_AGENT}/conversations/{call['conversationId']}")
        print("Press Ctrl+C to stop.", flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        print("Stopping.", file=sys.stderr)
    finally:
        server.stop()
        signal.signal(signal.SIGTERM, previous)
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
