"""Bad base URLs end in one sentence and exit 2, in the CLI and before the app starts; a user name
or password in the URL is refused without being repeated."""

from __future__ import annotations

import pytest

from polytui.core.config import check_base_url
from polytui.core.errors import EXIT_USAGE, UsageError

from .helpers import run_cli

BAD = {
    "http://127.0.0.1:99999": "port must be a whole number from 1 to 65535",
    "http://127.0.0.1:0": "port must be a whole number from 1 to 65535",
    "http://host:abc/v1": "port must be a whole number from 1 to 65535",
    "http://[::1": "IPv6 address in brackets is not closed",
    "ftp://host": "not an http(s) URL",
    "http://:8080": "not an http(s) URL",
    "https://reviewer:hunter2secret@api.example.com": "carries a user name or password",
}


@pytest.mark.parametrize("url", sorted(BAD))
def test_a_bad_base_url_is_one_sentence(url):
    with pytest.raises(UsageError) as caught:
        check_base_url(url)
    assert BAD[url] in str(caught.value)
    assert "hunter2secret" not in str(caught.value)


@pytest.mark.parametrize("url", sorted(BAD))
def test_the_cli_exits_2_with_one_line(url, hermetic_env, capsys, monkeypatch):
    monkeypatch.setenv("POLYAI_BASE_URL", url)
    monkeypatch.setenv("POLYAI_API_KEY", "k" * 16)
    code, out, err = run_cli(capsys, "show", "CONV-1", "--agent", "PROJECT-1")
    assert code == EXIT_USAGE and out == ""
    assert err.startswith("polytui: ") and err.count("\n") == 1 and "Traceback" not in err
    assert "hunter2secret" not in err


def test_good_base_urls_pass():
    assert check_base_url(" https://api.example.com/ ") == "https://api.example.com"
    assert check_base_url("http://[::1]:8080") == "http://[::1]:8080"
    assert check_base_url("http://127.0.0.1:65535/v1") == "http://127.0.0.1:65535/v1"


@pytest.mark.parametrize("url", ["http://127.0.0.1:99999", "http://[::1"])
def test_the_app_is_not_started_with_a_bad_base_url(url, hermetic_env, capsys, monkeypatch):
    """Issue 13, item 7 in the app: "unexpected error: ExceptionGroup". The settings are
    checked before Textual starts: exit 2 with the sentence, no screen drawn."""
    monkeypatch.setenv("POLYAI_BASE_URL", url)
    for args in ([], ["--agent", "PROJECT-1"]):
        code, out, err = run_cli(capsys, *args)
        assert code == EXIT_USAGE and out == ""
        assert err.startswith("polytui: The base URL ") and err.count("\n") == 1
        assert "ExceptionGroup" not in err and "Traceback" not in err
