"""Issue 5, secrets: the API key never appears in the database, exports, logs, error messages,
``--debug`` output or tracebacks.

A realistic session runs with a distinctive key (it holds ``+``, ``/`` and ``=`` so that its
URL-encoded and base64 forms differ from it): fetch, show in every format, export, notes,
``--debug`` with failing requests (500s with retries, 401 and 403 whose API message echoes the
key back, a redirect to another origin, a refused connection, an unreadable body, an unexpected
exception whose text holds the request headers), and the app with notifications. Then every
byte written is searched for the key in each form: the database and its -wal, every file under
the data, config and export folders, stdout, stderr, Python log records (httpx/httpcore at
DEBUG), and the app's screens, notifications and screenshots.
"""

from __future__ import annotations

import base64
import logging
import subprocess
from pathlib import Path
from urllib.parse import quote, quote_plus

import httpx
import pytest
from textual.widgets import Input

from polytui.core.config import Settings
from polytui.demo._scripts import BANK_ID, FRENCH_ID
from polytui.demo.samples import DEMO_ACCOUNT, DEMO_AGENT, sample_conversations
from polytui.demo.server import DemoServer
from polytui.export import FORMATS
from polytui.loader import Loader
from polytui.tui.app import PolyTUI
from polytui.tui.screens.conversation import ConversationScreen

from .faults import closed_port_url
from .helpers import polytui_command, run_cli
from .notices import said
from .test_app import settle as settled

KEY = "pk_live+7Hq9/ZpX2=vW4tRc8Lm3Nb"


def _forms(key: str) -> dict[str, str]:
    raw = key.encode()
    forms = {
        "raw": key,
        "url-encoded": quote(key, safe=""),
        "form-encoded": quote_plus(key),
        "base64": base64.b64encode(raw).decode(),
        "base64url": base64.urlsafe_b64encode(raw).decode().rstrip("="),
        "basic auth (user)": base64.b64encode(raw + b":").decode(),
        "basic auth (password)": base64.b64encode(b":" + raw).decode(),
    }
    assert forms["url-encoded"] != key, "the key must change when URL-encoded"
    unique: dict[str, str] = {}
    for name, form in forms.items():
        if form not in unique.values():
            unique[name] = form
    return unique


FORMS = _forms(KEY)
ECHO = f"Invalid API key '{KEY}' for this region."  # an API that repeats the key back


def leaks(text: str | bytes, where: str) -> list[str]:
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    return [f"{name} form in {where}" for name, form in FORMS.items() if form.encode() in data]


class Evidence:
    """Everything the session wrote or showed, to be searched at the end."""

    def __init__(self) -> None:
        self.found: list[str] = []
        self.looked: int = 0

    def check(self, text: str | bytes, where: str) -> None:
        self.looked += 1
        self.found += leaks(text, where)

    def check_tree(self, root: Path) -> None:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                self.check(path.read_bytes(), str(path))


@pytest.fixture
def session(tmp_path, monkeypatch, hermetic_env):
    calls = sample_conversations()
    with (
        DemoServer(calls, api_key=KEY) as server,
        DemoServer(calls, api_key=None) as elsewhere,
    ):
        env = {"POLYAI_BASE_URL": server.url, "POLYAI_API_KEY": KEY, "POLYAI_AGENT_ID": DEMO_AGENT}
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        yield server, elsewhere, calls


def test_the_key_never_leaves_the_request_header(
    session, capsys, caplog, tmp_path, hermetic_env, fast_retries
):
    server, elsewhere, calls = session
    caplog.set_level(logging.DEBUG)  # httpx and httpcore log every request at DEBUG
    evidence = Evidence()
    ids = [c["conversationId"] for c in calls if not c.get("inProgress")]

    def cli(*args: str) -> int:
        code, out, err = run_cli(capsys, *args)
        evidence.check(out, f"stdout of {args}")
        evidence.check(err, f"stderr of {args}")
        return code

    # A config file that holds a key too (a profile), private as the README asks.
    config = hermetic_env["config"] / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f'[profiles.other]\napi_key = "{KEY}"\nagent = "PROJECT-9"\n')
    config.chmod(0o600)

    # The happy path: fetch, show in every format, files, exports, notes, listing, search.
    assert cli("fetch", *ids, "--debug") == 0
    exports = tmp_path / "exports"
    exports.mkdir()
    for fmt in FORMATS:
        assert cli("show", ids[0], "-f", fmt) == 0
        assert cli("show", ids[1], "-f", fmt, "-o", str(exports / f"one.{fmt}")) == 0
        assert cli("export", "--all", "-f", fmt, "-o", str(exports / fmt)) == 0
    assert cli("notes", "add", ids[0], "--turn", "1", "checked") == 0
    for args in (("notes", "list"), ("cache", "list", "--json"), ("cache", "search", "the")):
        assert cli(*args) == 0
    assert cli("config", "show") == 0
    assert cli("config", "show", "--profile", "other") == 0

    # Failures, each with --debug (request log and tracebacks).
    failures = [
        ("server_error", {}, 5),
        ("unauthorized", {"message": ECHO}, 4),
        ("forbidden", {"message": ECHO}, 4),
        ("bad_request", {"message": ECHO}, 2),
        ("not_found", {"message": ECHO}, 3),
        ("rate_limit", {"message": ECHO, "retry_after": "0"}, 5),
        ("server_error", {"message": ECHO}, 5),
        ("garbage", {}, 5),
        ("redirect", {"location": elsewhere.url + "/v1/agents/x/conversations/y"}, 5),
    ]
    for fault, options, code in failures:
        server.set_fault(fault, **options)
        assert cli("--debug", "show", ids[2], "--refresh") == code, fault
        assert cli("fetch", ids[2], "--refresh") == code, fault
    server.set_fault(None)
    assert elsewhere.hits == 0
    assert cli("--debug", "--base-url", closed_port_url(), "show", ids[2], "--refresh") == 5

    # A library failing with the request (headers and all) in its message: an unexpected error.
    original = httpx.AsyncClient.send

    async def broken(self, request, **kwargs):
        raise RuntimeError(f"proxy refused {request.method} {request.url} {dict(request.headers)}")

    httpx.AsyncClient.send = broken
    try:
        assert cli("--debug", "show", ids[2], "--refresh") == 1
        assert cli("show", ids[2], "--refresh") == 1
        assert cli("fetch", ids[2], "--refresh") != 0
    finally:
        httpx.AsyncClient.send = original

    # The installed script, as a separate process, with a failure and --debug.
    server.set_fault("unauthorized", message=ECHO)
    done = subprocess.run(
        [*polytui_command(), "--debug", "show", ids[3], "--refresh"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    server.set_fault(None)
    assert done.returncode == 4
    evidence.check(done.stdout + done.stderr, "the installed script")

    # What reached the server: the key only ever in the x-api-key header, only at home.
    for request in server.requests:
        assert request.headers.get("x-api-key") == KEY
        evidence.check(request.path, "a request path")
        others = {k: v for k, v in request.headers.items() if k != "x-api-key"}
        evidence.check(repr(others), "other request headers")

    # Everything on disk, and every log record.
    data = hermetic_env["data"]
    assert list(data.glob("polytui.sqlite3*")), "the session stored nothing"
    evidence.check_tree(data)
    evidence.check_tree(exports)
    for record in caplog.records:
        evidence.check(record.getMessage(), f"log record {record.name}")
    assert any(r.name.startswith("httpx") for r in caplog.records), "no log records to search"
    assert evidence.looked > 100
    assert evidence.found == [], "\n".join(evidence.found)


async def test_the_key_never_shows_in_the_app(tmp_path, fast_retries):
    calls = sample_conversations()
    evidence = Evidence()
    with (
        DemoServer(calls, api_key=KEY) as server,
        DemoServer(calls, api_key=None) as elsewhere,
    ):
        settings = Settings(
            api_key=KEY,
            agent=DEMO_AGENT,
            account=DEMO_ACCOUNT,
            base_url_override=server.url,
            data_path=tmp_path / "store",
            timeout=2,
        )
        app: PolyTUI | None = None

        def tell(message: str) -> None:
            assert app is not None
            app._announce(message)

        app = PolyTUI(
            settings, loader=Loader(settings, announce=tell, warn=tell), initial_id=BANK_ID
        )

        def look(where: str) -> None:
            assert app is not None
            screen = "\n".join(s.text for s in app.screen._compositor.render_strips())
            evidence.check(screen, f"screen ({where})")
            evidence.check(app.export_screenshot(), f"screenshot ({where})")
            for notice in said(app):
                evidence.check(f"{notice.title} {notice.message}", f"notice ({where})")

        async with app.run_test(size=(120, 40), notifications=True) as pilot:

            async def settle() -> None:
                await settled(app, pilot)

            await settle()
            assert isinstance(app.screen, ConversationScreen) and app.screen.loaded is not None
            look("loaded")
            for fault, options in [
                ("unauthorized", {"message": ECHO}),
                ("forbidden", {"message": ECHO}),
                ("server_error", {"message": ECHO, "retry_after": None}),
                ("rate_limit", {"message": ECHO, "retry_after": "0"}),
                ("redirect", {"location": elsewhere.url + "/v1/agents/x/conversations/y"}),
            ]:
                server.set_fault(fault, **options)
                await pilot.press("r")  # a failed refresh: a notice
                await settle()
                look(f"refresh, {fault}")
                await pilot.press("escape")  # a failed open: the error page
                await pilot.pause()
                app.screen.query_one("#conversation-id", Input).value = FRENCH_ID
                await pilot.press("enter")
                await settle()
                look(f"open, {fault}")
                server.set_fault(None)
                await pilot.press("escape")
                await pilot.pause()
                app.screen.query_one("#conversation-id", Input).value = BANK_ID
                await pilot.press("enter")
                await settle()
            assert elsewhere.hits == 0
            assert any("Refresh failed" in str(n.title) for n in said(app))
            # A library failing with the request headers in its message: a bug, shown as one
            # sentence on the error page (the key redacted), and the app carries on.
            original = httpx.AsyncClient.send

            async def broken(self, request, **kwargs):
                raise RuntimeError(f"proxy refused {request.url} {dict(request.headers)}")

            httpx.AsyncClient.send = broken
            try:
                await pilot.press("escape")
                await pilot.pause()
                app.screen.query_one("#conversation-id", Input).value = FRENCH_ID
                await pilot.press("enter")
                await settle()
            finally:
                httpx.AsyncClient.send = original
            page = app.screen
            assert isinstance(page, ConversationScreen) and page.has_class("-failed")
            shown = " ".join(" ".join(s.text for s in page._compositor.render_strips()).split())
            assert "unexpected error: RuntimeError: proxy refused" in shown
            look("unexpected error")
            await pilot.press("r")  # the app still works: r tries again, and now succeeds
            await settle()
            assert page.loaded is not None and not page.has_class("-failed")
            await pilot.press("q")
    evidence.check_tree(tmp_path / "store")
    assert evidence.looked > 20
    assert evidence.found == [], "\n".join(evidence.found)


@pytest.mark.parametrize("padding", [0, 170, 190, 196, 250])
async def test_not_even_part_of_an_echoed_key_survives_shortening(padding):
    """API text is cut to 200 characters in messages; the key is taken out before the cut, so
    a key straddling the cut does not leave its first characters behind."""
    from polytui.adapters.http.client import ApiClient
    from polytui.core.errors import AuthError

    calls = sample_conversations()[:1]
    with DemoServer(calls, api_key=KEY) as server:
        server.set_fault(
            "unauthorized", message="x" * padding + KEY + " and " + quote(KEY, safe="")
        )
        settings = Settings(api_key=KEY, agent=DEMO_AGENT, base_url_override=server.url)
        async with ApiClient(settings, announce=lambda line: None) as client:
            with pytest.raises(AuthError) as caught:
                await client.get_conversation(calls[0]["conversationId"])
    text = str(caught.value)
    pieces = {KEY[i : i + 8] for i in range(len(KEY) - 7)}
    assert not any(piece in text for piece in pieces), text
    assert "***" in text or padding > 190
