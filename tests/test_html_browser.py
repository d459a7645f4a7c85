"""An HTML export opened in a real browser: headless Chromium (Debian's chromium package) loads
the file `polytui show --format html` wrote and we read back the DOM it built.

This proves more than the string checks in test_cli_offline: the page parses, the transcript and
the reviewer's note are in the rendered body, and hostile text from the API stays text (no
element, no script, no link a reviewer could be tricked into) once a browser has read it.
"""

from __future__ import annotations

import copy
import html
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from .helpers import SECRET_KEY, run_cli

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
BROWSER = next((found for name in BROWSERS if (found := shutil.which(name))), None)

if BROWSER is None:
    if os.environ.get("CI"):
        raise RuntimeError("chromium is required on CI (.ci/run installs it)")
    pytest.skip("chromium is not installed (apt-get install chromium)", allow_module_level=True)

HOSTILE = (
    '<script>document.title="pwned"</script>'
    "<img src=x onerror=\"document.title='pwned'\"> [bold]b[/]"
)
HOSTILE_LINK = "javascript:alert(document.cookie)"


def _dump_dom(page: Path, profile: Path) -> str:
    """The DOM after Chromium has loaded ``page`` (scripts, if any, would have run by then)."""
    done = subprocess.run(
        [
            str(BROWSER),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--virtual-time-budget=2000",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _body_text(dom: str) -> str:
    """The visible text of the DOM: tags dropped, entities decoded, whitespace collapsed."""
    body = re.sub(r"(?is)<(style|script)\b.*?</\1>", " ", dom)
    text = html.unescape(re.sub(r"<[^>]+>", " ", body))
    return re.sub(r"\s+", " ", text)


@pytest.fixture
def hostile_call(samples):
    """The bank sample with hostile text in a caller turn and a javascript: audio URL."""
    call = copy.deepcopy(samples[1])
    call["conversationId"] = "CA-html-browser-check"
    call["turns"][1]["user_input"] = HOSTILE
    call["audioUrl"] = HOSTILE_LINK
    return call


@pytest.fixture
def hostile_server(hostile_call, samples):
    from polytui.demo.server import DemoServer

    with DemoServer([hostile_call, *samples], api_key=SECRET_KEY) as running:
        yield running


def test_html_export_reads_in_chromium(hostile_server, hostile_call, monkeypatch, capsys, tmp_path):
    from polytui.demo.samples import DEMO_AGENT

    monkeypatch.setenv("POLYAI_BASE_URL", hostile_server.url)
    monkeypatch.setenv("POLYAI_API_KEY", SECRET_KEY)
    monkeypatch.setenv("POLYAI_AGENT_ID", DEMO_AGENT)
    cid = hostile_call["conversationId"]
    assert run_cli(capsys, "fetch", cid)[0] == 0
    note = "Agent asked for the date of birth twice"
    code, _, err = run_cli(
        capsys, "notes", "add", cid, "--turn", "3", "--label", "bad response", note
    )
    assert code == 0, err
    page = tmp_path / "call.html"
    code, _, err = run_cli(capsys, "show", cid, "--format", "html", "--output", str(page))
    assert code == 0, err

    dom = _dump_dom(page, tmp_path / "chromium-profile")
    text = _body_text(dom)

    # The transcript, the metadata and the note are in the page the browser built.
    assert "<table" in dom and "<main" in dom
    for expected in (
        cid,
        "Thank you for calling Harbor Point Bank card services.",
        "fraud-disputes",
        note,
        "bad response",
        "4 4 1 7",  # DTMF digits, spaced
    ):
        assert expected in text, expected
    # Hostile text stayed text: shown literally, never an element, a script or a link.
    assert HOSTILE in text
    assert "<title>pwned" not in dom and "pwned</title>" not in dom
    assert not re.search(r"(?i)<(script|img|iframe)\b", dom)
    assert not re.search(r'(?i)href="javascript:', dom)
    # No secret in the file the reviewer will attach to a ticket.
    assert SECRET_KEY not in page.read_text()
