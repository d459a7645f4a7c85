"""A loopback server that answers with raw bytes, for answers no well-behaved HTTP library would
send: lying or duplicated headers, odd encodings and charsets, huge headers, broken chunking,
informational responses, redirects carrying credentials. Each request gets what ``answer``
returns for the request's first line and headers (bytes, sent as they are, then the connection
is closed)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

#: (request line, {lower-case header name: value}) -> the raw bytes of the whole answer
Answer = Callable[[str, dict[str, str]], bytes]


def response(
    status: str = "200 OK",
    headers: list[tuple[str, str]] | None = None,
    body: bytes = b"",
    *,
    length: bool = True,
) -> bytes:
    """An HTTP/1.1 answer: the status line, the headers in order (duplicates kept), a
    Content-Length of the body unless ``length`` is False, then the body."""
    lines = [f"HTTP/1.1 {status}"]
    lines += [f"{name}: {value}" for name, value in headers or []]
    if length:
        lines.append(f"Content-Length: {len(body)}")
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def _read_request(conn: socket.socket) -> tuple[str, dict[str, str]] | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    headers = {}
    for line in head[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return head[0], headers


@contextmanager
def raw_server(answer: Answer) -> Iterator[tuple[str, list[tuple[str, dict[str, str]]]]]:
    """Serve on 127.0.0.1 until the block ends; yields the base URL and the list of requests
    seen (their first line and headers)."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    seen: list[tuple[str, dict[str, str]]] = []
    stop = threading.Event()

    def serve_one(conn: socket.socket) -> None:
        with conn:
            conn.settimeout(10)
            try:
                request = _read_request(conn)
                if request is None:
                    return
                seen.append(request)
                conn.sendall(answer(*request))
                conn.shutdown(socket.SHUT_WR)
                while conn.recv(65536):  # let the client read everything before closing
                    pass
            except OSError:
                pass

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=serve_one, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", seen
    finally:
        stop.set()
        thread.join(5)
        listener.close()
