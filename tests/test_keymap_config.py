"""The keymap's ``[keys]`` table in the config file: every id remappable, each bad entry a usage
error (exit 2) naming the entry, and ``polytui config keys`` listing the ids in force."""

from __future__ import annotations

import pytest

from polytui.core.config import resolve_settings
from polytui.core.errors import EXIT_USAGE, ConfigError
from polytui.core.keys import KEYMAP, key_problem, keys_for, parse_keymap

from .helpers import run_cli

BAD = [
    ({"keys": "j"}, "keys must be a table"),
    ({"keys": {"downn": "j"}}, "keys.downn is not a key id"),
    ({"keys": {"down": 5}}, 'keys.down must be text such as "j,down" or a list of keys'),
    ({"keys": {"down": ["j", 5]}}, "keys.down must be text"),
    ({"keys": {"down": ""}}, "keys.down names no key"),
    ({"keys": {"down": " , "}}, "keys.down names no key"),
    ({"keys": {"down": "j,pgdn"}}, "keys.down has 'pgdn': 'pgdn' is not a key name"),
    ({"keys": {"down": "control+n"}}, "'control' is not a modifier"),
    ({"keys": {"find": "ctrl+"}}, "keys.find has 'ctrl+'"),
    ({"profiles": {"p": {"keys": {"nope": "x"}}}}, "profiles.p.keys.nope is not a key id"),
]


@pytest.mark.parametrize(("data", "message"), BAD)
def test_a_bad_keymap_entry_names_it(data, message):
    with pytest.raises(ConfigError) as caught:
        resolve_settings({}, env={}, file_data=data)
    assert message in str(caught.value)


def test_good_entries_in_every_form():
    data = {
        "keys": {
            "down": "j, down, ctrl+n",
            "up": ["k", "up"],
            "find": "/",
            "next_flagged": "]",
            "help": "question_mark,f1",
            "previous_match": "shift+n",
            "go_to": "less_than_sign",
        },
        "profiles": {"bank": {"keys": {"quit": "ctrl+q"}}},
    }
    settings = resolve_settings({"profile": "bank"}, env={}, file_data=data)
    keymap = settings.keymap
    assert keymap["down"] == "j,down,ctrl+n"
    assert keymap["up"] == "k,up"
    assert keymap["quit"] == "ctrl+q"  # the profile's entries join the file's
    assert keys_for(keymap, "down") == ["j", "down", "ctrl+n"]
    assert keys_for(keymap, "last") == ["G", "end"]  # not remapped: the default


def test_every_default_key_is_a_key_name():
    for key_id, spec in KEYMAP.items():
        for key in spec.keys.split(","):
            assert key_problem(key) is None, (key_id, key)
        assert parse_keymap({key_id: spec.keys}) == {key_id: spec.keys}


def test_the_cli_exits_2_naming_the_entry(hermetic_env, capsys):
    path = hermetic_env["config"] / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('[keys]\ndown = "j,dwn"\n')
    code, out, err = run_cli(capsys, "cache", "list")
    assert code == EXIT_USAGE and out == ""
    assert err == "polytui: In the config file, keys.down has 'dwn': 'dwn' is not a key name.\n"


def test_config_keys_lists_every_id_and_marks_the_remapped(hermetic_env, capsys):
    path = hermetic_env["config"] / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('[keys]\ndown = "j,ctrl+n"\n')
    code, out, err = run_cli(capsys, "config", "keys")
    assert code == 0 and err == ""
    rows = {line.split()[0]: line for line in out.splitlines() if line and line[0] != "("}
    assert set(rows) == set(KEYMAP)
    assert rows["down"].split()[1:3] == ["j,ctrl+n", "*"]
    assert rows["help"].split()[1] == "?,f1"  # shown as typed, not question_mark
    assert rows["next_flagged"].split()[1] == "]"
    assert "(* remapped in the config file)" in out


def test_the_readme_names_every_id():
    from pathlib import Path

    readme = (Path(__file__).parent.parent / "README.md").read_text()
    start = readme.index("The ids: ")
    listed = readme[start : readme.index(". An unknown id", start)]
    assert [key_id for key_id in KEYMAP if f"`{key_id}`" not in listed] == []
