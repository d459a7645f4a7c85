"""The one HTTP client: hosts, auth, timeouts, retries, redirects and error mapping.

Everything polytui sends over the network goes through ``ApiClient`` (httpx, async).

Policy, in one place:
- The ``x-api-key`` header goes only to the configured origin (scheme, host, port). httpx's own
  redirect following is off; up to ``MAX_REDIRECTS`` same-origin redirects are followed here, a
  redirect to another origin is refused before anything is sent there, and a loop is an error.
- Timeouts: httpx ``connect=min(10, t)``, ``read=write=pool=t`` with ``t = settings.timeout``, and
  a total deadline of ``DEADLINE_FACTOR * t`` per attempt (every redirect hop and the whole body),
  so a server that drips bytes just fast enough to dodge the read timeout still fails.
- Retries: at most ``max_tries`` attempts, on connection errors, timeouts, broken or truncated
  bodies and HTTP 429/500/502/503/504. The wait is ``Retry-After`` (seconds or HTTP-date, capped
  at ``retry_after_cap``; honoured on 429 and 503) when sent, else full jitter:
  ``uniform(0, min(backoff_cap, backoff_base * 2**(attempt - 1)))``. 400/401/403/404 never retry.
  Each retry is announced: ``announce("HTTP 503 from <host>; retrying in 1.2 s (attempt 2 of 4)")``
  (the default announcer prints it to stderr as ``polytui: ...``).
- The body is streamed and its decoded bytes are capped at ``max_bytes`` (a gzip bomb stops
  there); it must be UTF-8 JSON holding the conversation asked for (``payload``). A recording
  is streamed to a file instead, under its own cap ``max_audio_bytes`` (``media``).
- Failures become ``polytui.core.errors`` classes with one sentence, the HTTP status and the
  correlation id (``X-PolyAI-Correlation-Id``, else the envelope's ``error_id``). Text the API
  sent is cleaned and shortened; HTML and the API key never reach a message.
- With ``settings.debug`` each request is announced as ``GET <url> -> 200 in 34 ms (corr <id>)``.
"""

from __future__ import annotations

import asyncio
import random
import sys
import time
import zlib
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Protocol, TypeVar
from urllib.parse import quote, urlencode

import httpx

from polytui import __version__
from polytui.core.config import Settings, config_path
from polytui.core.errors import (
    ApiError,
    AuthError,
    BadPayloadError,
    PolytuiError,
    UsageError,
    redact,
)
from polytui.core.ids import validate_agent_id, validate_conversation_id
from polytui.core.ports import Fetched, FetchedRecording, RecordingKey

from .environment import environment_problem
from .listing import Lister
from .payload import read_conversation, read_json
from .wire import (
    Inflater,
    Refusals,
    Reply,
    Retry,
    is_loopback,
    refusal,
    short_text,
    size_text,
    status_phrase,
    transport_failure,
    without_key,
)

MAX_REDIRECTS = 5

DEADLINE_FACTOR = 2.0
CONNECT_TIMEOUT_CAP = 10.0
# A connection is given at least this long even under a tiny read timeout: on a loaded machine
# a loopback connect can wait a few hundred ms for the event loop, and that is not the server.
CONNECT_TIMEOUT_FLOOR = 1.0
INFLATE_STEP = 1 << 20  # decoded bytes per zlib call: bounds the inflater's own buffers
ERROR_BODY_CAP = 256 * 1024  # error bodies are read this far, then cut (no error)
_SAME_ORIGIN_RULE = (
    "polytui follows redirects only on the same scheme, host and port (set the base URL to that "
    "address instead)"
)
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
CORRELATION_HEADER = "x-polyai-correlation-id"
_DEFAULT_PORTS = {"http": 80, "https": 443}


T = TypeVar("T")
AUDIO_MAX_BYTES = 512 * 1024 * 1024  # a recording's own cap: an hour of stereo 16-bit 48 kHz


class BodySink(Protocol):
    """Where a successful answer's body goes instead of memory (``media.WavDownload``)."""

    limit: int

    async def write(self, data: bytes) -> None: ...


def conversation_url(base_url: str, agent: str, conversation_id: str) -> str:
    """``{base}/v1/agents/{agent}/conversations/{id}``, each ID one percent-encoded segment."""
    return (
        f"{base_url.rstrip('/')}/v1/agents/{quote(agent, safe='')}"
        f"/conversations/{quote(conversation_id, safe='')}"
    )


def recording_url(base_url: str, key: RecordingKey, agent: str, conversation_id: str) -> str:
    """``.../conversations/{id}/audio?direction=...&redacted=true|false``."""
    query = urlencode({"direction": key.direction, "redacted": str(key.redacted).lower()})
    return f"{conversation_url(base_url, agent, conversation_id)}/audio?{query}"


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    scheme = url.scheme.lower()
    return scheme, url.host.lower(), url.port or _DEFAULT_PORTS.get(scheme)


def _print_announce(line: str) -> None:
    print(f"polytui: {line}", file=sys.stderr, flush=True)


class ApiClient(Lister):
    """Fetches conversations from the PolyAI Conversations API (policy: the module docstring).

    ``sleep`` is the coroutine used to wait between attempts (tests pass a recorder).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        announce: Callable[[str], None] | None = None,
        max_bytes: int = 64 * 1024 * 1024,
        max_audio_bytes: int = AUDIO_MAX_BYTES,
        max_tries: int = 4,
        backoff_base: float = 0.5,
        backoff_cap: float = 8.0,
        retry_after_cap: float = 30.0,
        max_connections: int = 16,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.settings = settings
        self._announce = announce or _print_announce
        self._max_bytes = max_bytes
        self._max_audio_bytes = max_audio_bytes
        self._max_tries = max(1, max_tries)
        self._backoff = (backoff_base, backoff_cap)
        self._retry_after_cap = retry_after_cap
        self._sleep = sleep
        # When the API names a wait (Retry-After), no request of this client starts before it
        # ends: a batch backs off as one instead of each worker running into the limit again.
        self._resume_at = 0.0  # time.monotonic()
        self._random = random.Random()
        t = settings.timeout
        self._deadline = t * DEADLINE_FACTOR
        try:
            self._http = self._open(settings, transport, max_connections)
        except (ImportError, ValueError, OSError) as exc:  # ssl.SSLError is an OSError
            problem = environment_problem(exc)
            if problem is None:
                raise
            raise problem from None

    @staticmethod
    def _open(
        settings: Settings, transport: httpx.AsyncBaseTransport | None, max_connections: int
    ) -> httpx.AsyncClient:
        t = settings.timeout
        return httpx.AsyncClient(
            transport=transport,
            follow_redirects=False,
            # HTTP(S)_PROXY and NO_PROXY are honoured, but never for a server on this machine:
            # the key would go to the proxy for the demo server and loopback tests.
            trust_env=not is_loopback(settings.base_url),
            timeout=httpx.Timeout(
                connect=min(CONNECT_TIMEOUT_CAP, max(CONNECT_TIMEOUT_FLOOR, t)),
                read=t,
                write=t,
                pool=t,
            ),
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
            headers={
                "User-Agent": f"polytui/{__version__}",
                "Accept": "application/json",
                "Accept-Encoding": "gzip, deflate",
            },
        )

    async def __aenter__(self) -> ApiClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    @property
    def host(self) -> str:
        return self.settings.host

    @property
    def _secrets(self) -> tuple[str, ...]:
        """Every secret of the settings, as given and stripped: none is repeated anywhere."""
        given = self.settings.secrets
        return (*given, *(s.strip() for s in given))

    async def get_conversation(self, conversation_id: str, agent: str | None = None) -> Fetched:
        """One conversation by ID (``agent`` None: ``settings.agent``), retried per the policy."""
        cid = validate_conversation_id(conversation_id)
        agent_id = self._agent(agent)
        key = self._key()
        url = self._url(conversation_url(self.settings.base_url, agent_id, cid))

        async def attempt(deadline: asyncio.Timeout) -> Fetched:
            return self._interpret(await self._follow(url, key), cid, agent_id)

        return await self._keyless(key, self._with_retries(attempt))

    async def fetch_recording(self, key: RecordingKey, target: Path) -> FetchedRecording:
        """The recording ``key`` names, streamed into a hidden file beside ``target`` and moved
        over it only once whole and a readable WAV (``media.WavDownload``); the same redirect,
        key and retry rules as a conversation, its own size cap, and a deadline that moves on
        while the recording keeps coming fast enough."""
        from .media import WavDownload

        cid = validate_conversation_id(key.conversation_id)
        agent_id = self._agent(key.agent)
        api_key = self._key()
        url = self._url(recording_url(self.settings.base_url, key, agent_id, cid))
        said = f"The API at {self.host} answered the request for {key.describe()} of {cid!r} with"
        download = WavDownload(target, self._max_audio_bytes, self._deadline, said)

        async def attempt(deadline: asyncio.Timeout) -> FetchedRecording:
            await download.restart(deadline)
            reply = await self._follow(url, api_key, sink=download)
            if not 200 <= reply.status < 300:
                self._interpret(reply, cid, agent_id, recording=key.describe())
            size = await download.finish(reply.status, reply.correlation_id)
            return FetchedRecording(key, target, size, reply.correlation_id, self.host)

        try:
            return await self._keyless(api_key, self._with_retries(attempt))
        finally:
            await download.discard()

    def _url(self, text: str) -> httpx.URL:
        try:
            return httpx.URL(text)
        except httpx.InvalidURL:
            base = short_text(self.settings.base_url)
            raise UsageError(f"The base URL {base!r} is not a valid URL.") from None

    async def _keyless(self, key: str, work: Awaitable[T]) -> T:
        """``await work``, with the key (and every other secret) taken out of any error it
        raises."""
        try:
            return await work
        except PolytuiError as exc:
            scrubbed = without_key(exc, (key, *self._secrets))
            if scrubbed is exc:
                raise
            raise scrubbed from None

    async def _with_retries(
        self, attempt: Callable[[asyncio.Timeout], Awaitable[T]], host: str | None = None
    ) -> T:
        """``attempt`` under the policy; it gets its deadline (a download may move it on).
        ``host`` names the API in messages (the get-by-ID host by default)."""
        host = host or self.host
        tries = 1
        own_wait_ends = 0.0  # the end of this request's own Retry-After wait
        while True:
            await self._hold_off(own_wait_ends)
            try:
                async with asyncio.timeout(self._deadline) as deadline:
                    return await attempt(deadline)
            except TimeoutError:
                retry = Retry(
                    "no complete answer in time",
                    f"{host} did not send a complete answer within {self._deadline:g} s",
                )
            except Retry as exc:
                retry = exc
            if tries >= self._max_tries:
                reply = retry.reply
                raise ApiError(
                    f"{retry.message}; gave up after {tries} attempt{'s' * (tries > 1)}.",
                    status=reply.status if reply else None,
                    correlation_id=reply.correlation_id if reply else None,
                ) from None
            delay = retry.wait
            if delay is None:
                base, cap = self._backoff
                delay = self._random.uniform(0, min(cap, base * 2 ** (tries - 1)))
            else:
                own_wait_ends = time.monotonic() + delay
                self._resume_at = max(self._resume_at, own_wait_ends)
            tries += 1
            self._announce(
                f"{retry.label} from {host}; retrying in {delay:.1f} s "
                f"(attempt {tries} of {self._max_tries})"
            )
            await self._sleep(delay)

    async def _hold_off(self, own_wait_ends: float) -> None:
        """Wait until the latest Retry-After any request of this client was given has passed
        (beyond what this request has already waited for itself)."""
        wait = self._resume_at - max(time.monotonic(), own_wait_ends)
        if wait > 0:
            await self._sleep(wait)

    def _agent(self, agent: str | None) -> str:
        value = agent if agent is not None else self.settings.agent
        if value is None or not value.strip():
            raise UsageError(
                f"No agent: pass --agent, set POLYAI_AGENT_ID or put agent in {config_path()}."
            )
        return validate_agent_id(value)

    def _key(
        self, value: str | None = None, names: tuple[str, str] = ("POLYAI_API_KEY", "api_key")
    ) -> str:
        """The key to send (``value``; the main key by default), checked; ``names`` are the
        variable and the config key that hold it, for the message."""
        key = ((self.settings.api_key if value is None else value) or "").strip()
        env_name, file_key = names
        if not key:
            raise AuthError(f"No API key: set {env_name} or put {file_key} in {config_path()}.")
        if not (key.isascii() and key.isprintable()):
            raise AuthError(
                f"The API key holds characters no API key has; check {env_name} and "
                f"{config_path()}."
            )
        return key

    # -- one attempt: the request and its same-origin redirects ----------------------------

    async def _follow(self, url: httpx.URL, key: str, sink: BodySink | None = None) -> Reply:
        """The answer at the end of ``url``'s same-origin redirects (the key only to the
        configured origin)."""
        home, current, seen = _origin(url), url, {str(url)}
        host = _host(url)
        for _hop in range(MAX_REDIRECTS + 1):
            reply = await self._send(current, key if _origin(current) == home else None, sink)
            if reply.status not in REDIRECT_STATUSES:
                return reply
            kw: dict[str, Any] = {"status": reply.status, "correlation_id": reply.correlation_id}
            location = reply.headers.get("location", "").strip()
            if not location:
                said = status_phrase(reply.status)
                raise ApiError(f"The API answered {said} with no Location.", **kw)
            try:
                target = current.join(location)
                target_origin = _origin(target)
            except (httpx.InvalidURL, ValueError):
                bad = short_text(redact(location, self._secrets), 100)
                raise ApiError(f"The API redirected to an invalid address {bad!r}.", **kw) from None
            if target_origin != home:
                netloc = target.netloc.decode("ascii", "replace")
                other = short_text(redact(netloc, self._secrets), 100)
                if target.host == current.host and target.scheme != current.scheme:
                    other, rule = f"{target.scheme}://{other}", _SAME_ORIGIN_RULE
                else:
                    rule = "polytui does not follow redirects to other hosts"
                raise ApiError(
                    f"The API redirected to {other or target.scheme}; {rule}, so your key "
                    "stays private.",
                    **kw,
                )
            if str(target) in seen:
                raise ApiError(f"The API at {host} redirected in a loop.", **kw)
            seen.add(str(target))
            current = target
        raise ApiError(f"The API at {host} redirected more than {MAX_REDIRECTS} times.", **kw)

    async def _send(self, url: httpx.URL, key: str | None, sink: BodySink | None = None) -> Reply:
        started = time.monotonic()
        try:
            headers = {"x-api-key": key} if key else {}
            if sink is not None:
                headers["Accept"] = "audio/wav"
            request = self._http.build_request("GET", url, headers=headers)
            response = await self._http.send(request, stream=True)
            try:
                header = response.headers.get(CORRELATION_HEADER)
                corr = (short_text(redact(header, self._secrets), 100) or None) if header else None
                body = await self._read(response, corr, sink)
            finally:
                await response.aclose()
        except httpx.HTTPError as exc:
            self._debug(url, type(exc).__name__, started, None)
            failure = transport_failure(exc, _host(url), self.settings.timeout)
            raise failure from None
        self._debug(url, str(response.status_code), started, corr)
        return Reply(response.status_code, response.headers, body, corr, _host(url))

    async def _read(
        self, response: httpx.Response, corr: str | None, sink: BodySink | None
    ) -> bytes:
        """The body, decoded and capped; a successful one goes to ``sink`` when there is one
        (and ``b""`` is returned)."""
        status = response.status_code
        if status in REDIRECT_STATUSES:
            return b""
        success = 200 <= status < 300
        to_sink = sink if success else None
        limit = (to_sink.limit if to_sink else self._max_bytes) if success else ERROR_BODY_CAP
        kw: dict[str, Any] = {"status": status, "correlation_id": corr}
        encoding = response.headers.get("content-encoding", "")
        try:
            inflater = Inflater(encoding)
        except ValueError:
            raise BadPayloadError(
                f"The API answered in an encoding polytui cannot read "
                f"({short_text(encoding, 40)}).",
                **kw,
            ) from None
        pieces: list[bytes] = []  # joined once at the end: no bytearray regrowth copies
        size = 0
        try:
            async for raw in response.aiter_raw():
                while raw:
                    piece, raw = inflater.step(raw, min(limit - size + 1, INFLATE_STEP))
                    if size + len(piece) <= limit:
                        if to_sink is not None:
                            await to_sink.write(piece)
                        else:
                            pieces.append(piece)
                        size += len(piece)
                    elif not success:
                        return b"".join(pieces)
                    else:
                        raise BadPayloadError(
                            f"The API's answer is larger than {size_text(limit)};"
                            " polytui stopped reading it.",
                            **kw,
                        )
        except zlib.error:
            raise BadPayloadError("The API's compressed answer is corrupt.", **kw) from None
        if success and not inflater.complete:
            raise BadPayloadError("The API's compressed answer ended early.", **kw)
        return b"".join(pieces)

    def _debug(self, url: httpx.URL, outcome: str, started: float, corr: str | None) -> None:
        if self.settings.debug:
            ms = (time.monotonic() - started) * 1000
            tail = f" (corr {corr})" if corr else ""
            line = f"GET {url} -> {outcome} in {ms:.0f} ms{tail}"
            self._announce(redact(line, self._secrets))

    # -- what an answer means ---------------------------------------------------------------

    def _interpret(
        self, reply: Reply, cid: str, agent: str, *, recording: str | None = None
    ) -> Fetched:
        """The conversation in a 2xx answer; else the error it means (``recording``: the words
        for a recording asked for, whose 404 says so)."""
        if 200 <= reply.status < 300:
            return read_conversation(reply, self.host, self._secrets, cid)
        host, what, who = self.host, short_text(cid, 100), short_text(agent, 100)

        def not_found(said: str) -> str:
            if recording:
                return f"{recording.capitalize()} of conversation {what} was not found on {host} {said}."
            return (
                f"Conversation {what} of agent {who} was not found on {host} "
                f"{said}; check the ID, the agent and the region."
            )

        raise self.refusal(
            reply,
            Refusals(
                invalid=lambda said: (
                    f"The API refused the request for conversation {what} as invalid {said}."
                ),
                forbidden=lambda said: (
                    f"The API key may not read conversations of agent {who} on {host} {said}."
                ),
                not_found=not_found,
            ),
        )

    def refusal(self, reply: Reply, refusals: Refusals) -> PolytuiError | Retry:
        """The error a non-2xx ``reply`` means (``wire.refusal``)."""
        return refusal(reply, refusals, self._secrets, self._retry_after_cap)

    def json_of(self, reply: Reply, what: str) -> tuple[Any, str]:
        """The JSON of a 2xx ``reply`` (``payload.read_json``): the listing reads pages so."""
        return read_json(reply, reply.host, self._secrets, what)


def _host(url: httpx.URL) -> str:
    """The host (and port) as messages name it: ``api.us.poly.ai``, ``127.0.0.1:8080``."""
    return url.netloc.decode("ascii", "replace")
