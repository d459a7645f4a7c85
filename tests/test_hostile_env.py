"""Hostile settings and surroundings, round 3: config files that are not files, proxy and
certificate variables httpx cannot use, base URLs that cannot be a base, IDs with invisible
characters, an ID file saved by Windows Notepad. Each ends in one `polytui:` sentence and exit
2 (or works), never a hang, "unexpected error" or a leaked password."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from polytui.core.errors import EXIT_USAGE

from .helpers import SECRET_KEY, polytui_command, run_cli


def _usage(code: int, err: str, *words: str) -> str:
    assert code == EXIT_USAGE, err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("polytui: "), err
    assert "unexpected" not in lines[0] and "Traceback" not in err
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def config(hermetic_env):
    folder = hermetic_env["config"]
    folder.mkdir(parents=True, exist_ok=True)
    return folder / "config.toml"


# -- the config file ------------------------------------------------------------------------------


def test_a_config_file_that_is_a_fifo_is_refused_without_waiting(config, hermetic_env):
    os.mkfifo(config)
    env = {
        **os.environ,
        "POLYTUI_CONFIG_DIR": str(hermetic_env["config"]),
        "POLYTUI_DATA_DIR": str(hermetic_env["data"]),
    }
    result = subprocess.run(  # a hang guard: reading a FIFO with no writer never returns
        [*polytui_command(), "config", "show"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    _usage(result.returncode, result.stderr, "is not a regular file")


def test_a_config_file_linked_to_dev_zero_is_refused(config, capsys):
    config.symlink_to("/dev/zero")
    code, _, err = run_cli(capsys, "config", "show")
    _usage(code, err, "is not a regular file")


def test_a_config_file_of_two_mebibytes_is_refused_unread(config, capsys):
    config.write_text("# " + "x" * (2 << 20) + "\n")
    code, _, err = run_cli(capsys, "config", "show")
    _usage(code, err, "larger than 1 MiB")


def test_a_config_file_with_a_byte_order_mark_is_read(config, capsys):
    config.write_bytes(b'\xef\xbb\xbfagent = "PROJECT-bom"\n')
    code, out, err = run_cli(capsys, "config", "show")
    assert code == 0 and "PROJECT-bom" in out, err


def test_follow_store_symlink_in_a_profile_is_not_taken_as_the_machine_setting(config, capsys):
    config.write_text('[profiles.x]\nagent = "P"\n')
    code, out, err = run_cli(capsys, "config", "show", "--profile", "x")
    assert code == 0 and "store symlink" not in out, err


# -- proxies and certificates ---------------------------------------------------------------------


@pytest.fixture
def remote(monkeypatch):
    """Settings for a remote API (proxy variables are ignored for a loopback one)."""
    monkeypatch.setenv("POLYAI_API_KEY", SECRET_KEY)
    monkeypatch.setenv("POLYAI_AGENT_ID", "PROJECT-1")
    monkeypatch.setenv("POLYAI_BASE_URL", "https://api.invalid")
    for name in (
        "HTTPS_PROXY",
        "HTTP_PROXY",
        "ALL_PROXY",
        "https_proxy",
        "http_proxy",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_a_socks_proxy_is_named_not_an_import_error(remote, capsys):
    remote.setenv("ALL_PROXY", "socks5://127.0.0.1:1080")
    code, _, err = run_cli(capsys, "show", "CA1")
    _usage(code, err, "ALL_PROXY", "http:// and https:// proxies only")


def test_a_proxy_with_another_scheme_is_named_without_its_password(remote, capsys):
    remote.setenv("HTTPS_PROXY", "ftp://bob:hunter2-secret@proxy.invalid:21")
    code, _, err = run_cli(capsys, "show", "CA1")
    line = _usage(code, err, "HTTPS_PROXY", "proxy.invalid")
    assert "hunter2" not in line and "bob" not in line


def test_a_missing_certificate_file_is_named(remote, capsys, tmp_path):
    remote.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))
    code, _, err = run_cli(capsys, "show", "CA1")
    _usage(code, err, "trusted certificates", "SSL_CERT_FILE")


def test_a_certificate_file_holding_no_certificate_is_named(remote, capsys, tmp_path):
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate\n")
    remote.setenv("SSL_CERT_FILE", str(junk))
    code, _, err = run_cli(capsys, "show", "CA1")
    _usage(code, err, "trusted certificates", "junk.pem")


# -- base URLs ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "word"),
    [
        ("http://127.0.0.1:9/?token=abc", "no ?query or #fragment"),
        ("http://127.0.0.1:9/#part", "no ?query or #fragment"),
        ("http://127.0.0.1:9/?", "no ?query or #fragment"),
        ("http://api example.com", "host holds spaces"),
    ],
)
def test_a_base_url_that_cannot_take_a_path_after_it_is_refused(url, word, monkeypatch, capsys):
    monkeypatch.setenv("POLYAI_BASE_URL", url)
    code, _, err = run_cli(capsys, "show", "CA1", "--agent", "P")
    _usage(code, err, word)


def test_a_base_url_with_a_path_prefix_is_kept(monkeypatch, capsys):
    monkeypatch.setenv("POLYAI_BASE_URL", "http://127.0.0.1:9/gateway/polyai")
    code, out, err = run_cli(capsys, "config", "show")
    assert code == 0 and "http://127.0.0.1:9/gateway/polyai" in out, err


# -- IDs with invisible characters; an ID file with a byte-order mark -------------------------


@pytest.mark.parametrize(
    "cid",
    ["CA12\u200b", "\ufeffCA12", "CA\u202e21", "CA\u200d12", "CA\u206612"],
    ids=["zero-width space", "byte-order mark", "RLO", "zero-width joiner", "LRI"],
)
def test_an_id_holding_an_invisible_character_is_refused_before_any_request(cid, capsys):
    for args in (["show", cid, "--agent", "P"], ["notes", "add", cid, "x"]):
        code, _, err = run_cli(capsys, *args)
        line = _usage(code, err, "invisible characters")
        assert all(ch not in line for ch in "\u200b\ufeff\u202e\u200d\u2066")


def test_an_id_file_saved_with_a_byte_order_mark_reads_its_first_id(
    server, api_env, tmp_path, capsys
):
    from polytui.demo.samples import sample_ids

    first, second = sample_ids()[:2]
    ids = tmp_path / "ids.txt"
    ids.write_bytes(f"\ufeff{first}\r\n{second}\r\n".encode())
    code, out, err = run_cli(capsys, "fetch", "--from-file", str(ids))
    assert code == 0 and "Fetched 2" in out, err
    code, out, _ = run_cli(capsys, "cache", "list", "--json")
    assert {row["conversationId"] for row in json.loads(out)} == {first, second}
