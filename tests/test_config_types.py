"""A config value of the wrong type is a usage error naming the key and the type expected, never a
TypeError or a value silently turned into text; a bad timeout names where it came from."""

from __future__ import annotations

import pytest

from polytui.core.config import resolve_settings
from polytui.core.errors import EXIT_USAGE, ConfigError

from .helpers import run_cli

CASES = [
    ({"latency": "fast"}, "latency must be a table"),
    ({"latency": {"good": "quick"}}, "latency.good must be a number of seconds, not text"),
    ({"latency": {"warn": True}}, "latency.warn must be a number of seconds, not true/false"),
    ({"default_profile": ["a"]}, "default_profile must be text, not a list"),
    ({"api_key": ["a"]}, "api_key must be text, not a list"),
    ({"agent": 1234}, "agent must be text, not a number"),
    ({"region": {"x": 1}}, "region must be text, not a table"),
    ({"base_url": 8080}, "base_url must be text, not a number"),
    ({"timeout": "30"}, "timeout must be a number of seconds, not text"),
    ({"timeout": True}, "timeout must be a number of seconds, not true/false"),
    ({"profiles": {"uk": "nope"}}, "profiles.uk must be a table"),
    ({"profiles": {"uk": {"api_key": 5}}}, "profiles.uk.api_key must be text, not a number"),
]


@pytest.mark.parametrize(("data", "message"), CASES)
def test_a_wrong_type_names_the_key(data, message):
    with pytest.raises(ConfigError) as caught:
        resolve_settings({}, env={}, file_data=data)
    assert message in str(caught.value)


def test_a_bad_timeout_says_where_it_came_from():
    with pytest.raises(ConfigError, match="POLYTUI_TIMEOUT must be"):
        resolve_settings({}, env={"POLYTUI_TIMEOUT": "soon"}, file_data={})
    with pytest.raises(ConfigError, match="timeout in the config file must be"):
        resolve_settings({}, env={}, file_data={"timeout": -1})
    with pytest.raises(ConfigError, match="--timeout must be"):
        resolve_settings({"timeout": "inf"}, env={}, file_data={})


def test_the_cli_exits_2_with_one_line(hermetic_env, capsys):
    path = hermetic_env["config"] / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('api_key = ["a", "b"]\n[latency]\ngood = "fast"\n')
    code, out, err = run_cli(capsys, "cache", "list")
    assert code == EXIT_USAGE and out == ""
    assert err == "polytui: In the config file, api_key must be text, not a list.\n"
