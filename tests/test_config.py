"""Settings precedence (flags > env > profile > file), regions, profiles and the key warning."""

from __future__ import annotations

import os

import pytest

from polytui.core.config import config_path, read_config_file, resolve_settings
from polytui.core.errors import ConfigError, UsageError
from polytui.core.ids import parse_studio_url, validate_conversation_id

FILE = {
    "api_key": "file-key",
    "agent": "FILE-AGENT",
    "region": "eu",
    "latency": {"good": 1.0, "warn": 2.0},
    "profiles": {"uk": {"agent": "UK-AGENT", "region": "uk-1", "api_key": "uk-key"}},
}


def test_precedence_flags_env_file():
    s = resolve_settings({}, env={}, file_data=FILE)
    assert (s.api_key, s.agent, s.region, s.latency_good) == ("file-key", "FILE-AGENT", "eu", 1.0)
    s = resolve_settings(
        {}, env={"POLYAI_AGENT_ID": "ENV", "POLYAI_REGION": "us-1"}, file_data=FILE
    )
    assert (s.agent, s.region) == ("ENV", "us")
    s = resolve_settings(
        {"agent": "FLAG", "region": "studio"}, env={"POLYAI_AGENT_ID": "ENV"}, file_data=FILE
    )
    assert (s.agent, s.region, s.base_url) == ("FLAG", "studio", "https://api.studio.poly.ai")


def test_profiles():
    s = resolve_settings({"profile": "uk"}, env={}, file_data=FILE)
    assert (s.agent, s.region, s.api_key) == ("UK-AGENT", "uk", "uk-key")
    s = resolve_settings({}, env={"POLYTUI_PROFILE": "uk"}, file_data=FILE)
    assert s.agent == "UK-AGENT"
    with pytest.raises(ConfigError, match="nope"):
        resolve_settings({"profile": "nope"}, env={}, file_data=FILE)


@pytest.mark.parametrize(
    "alias,region", [("us-1", "us"), ("euw-1", "eu"), ("uk-1", "uk"), ("EU", "eu")]
)
def test_region_aliases(alias, region):
    assert resolve_settings({"region": alias}, env={}, file_data={}).region == region


def test_bad_values_are_usage_errors():
    with pytest.raises(UsageError, match="region"):
        resolve_settings({"region": "mars"}, env={}, file_data={})
    with pytest.raises(UsageError, match="base URL"):
        resolve_settings({"base_url": "ftp://x"}, env={}, file_data={})
    with pytest.raises(ConfigError, match="timeout"):
        resolve_settings({"timeout": 0}, env={}, file_data={})


def test_key_not_in_repr():
    s = resolve_settings({}, env={"POLYAI_API_KEY": "sekrit-123"}, file_data={})
    assert s.api_key == "sekrit-123" and "sekrit" not in repr(s)


def test_config_file_toml_errors_and_readable_key_warning(capsys):
    path = config_path()
    path.parent.mkdir(parents=True)
    path.write_text('api_key = "k-123"\n')
    os.chmod(path, 0o644)
    assert read_config_file()["api_key"] == "k-123"
    (notice,) = resolve_settings({}, env={}).notices
    assert "other users can read it" in notice and f"chmod 600 {path}" in notice
    os.chmod(path, 0o600)
    assert resolve_settings({}, env={}).notices == ()
    path.write_text("api_key = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        read_config_file()


def test_conversation_ids():
    assert validate_conversation_id("  CAabc ") == "CAabc"
    for bad in ("", "  ", ".", "..", "x" * 10_000, "a\x1bb"):
        with pytest.raises(UsageError):
            validate_conversation_id(bad)
    assert validate_conversation_id("a/b?c#d e") == "a/b?c#d e"


def test_studio_url():
    link = parse_studio_url("https://studio.eu.poly.ai/ACC-1/PROJ-2/conversations/CA123?x=1")
    assert (link.region, link.account, link.project, link.conversation_id) == (
        "eu",
        "ACC-1",
        "PROJ-2",
        "CA123",
    )
    assert parse_studio_url("CA123") is None
    assert parse_studio_url("https://evil.example/ACC/PROJ/conversations/CA1") is None
