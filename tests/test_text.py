"""The one sanitiser: nothing that can drive a terminal survives it, everything else does."""

from __future__ import annotations

import sys
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from polytui.core.text import clean, clean_line, is_clean


def _dangerous(ch: str) -> bool:
    code = ord(ch)
    if ch == "\n":
        return False
    return (
        code < 0x20
        or 0x7F <= code <= 0x9F
        or 0x202A <= code <= 0x202E
        or 0x2066 <= code <= 0x2069
        or 0xD800 <= code <= 0xDFFF
        or ch in "\u2028\u2029"
    )


def test_escape_sequences_become_visible():
    assert clean("a\x1b[2Jb") == "a\u241b[2Jb"
    osc52 = "\x1b]52;c;ZXZpbA==\x07"
    assert "\x1b" not in clean(osc52) and "\x07" not in clean(osc52)
    osc8 = "\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\"
    assert clean(osc8).count("\u241b") == 4


def test_c1_bidi_surrogates_and_separators():
    assert clean("\x9b2J") == "\ufffd2J"
    assert clean("abc\u202edef") == "abc\ufffddef"
    assert clean("x\u2066y\u2069") == "x\ufffdy\ufffd"
    assert clean("\ud800") == "\ufffd"
    assert clean("one\u2028two") == "one\ntwo"
    assert clean_line("one\u2028two\nthree") == "one two three"


def test_plain_text_markup_and_joiners_untouched():
    for text in (
        "[bold]hi[/]",
        "[@click=app.quit]x",
        "[link=file:///etc/passwd]y",
        "👩\u200d💻",
        "Ça va?",
    ):
        assert clean(text) == text


def test_newlines_tabs_and_carriage_returns():
    assert clean("a\r\nb\rc") == "a\nb\nc"
    assert clean("a\tb") == "a    b"
    assert clean(None) == ""
    assert clean(12) == "12"


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=st.characters(codec=None, exclude_categories=())))
def test_no_dangerous_character_survives(text):
    out = clean(text)
    assert not any(_dangerous(ch) for ch in out)
    assert not any(unicodedata.category(ch) == "Cf" and ch not in "\u200c\u200d" for ch in out)
    assert is_clean(out)  # idempotent
    assert "\n" not in clean_line(text)


def test_printable_text_is_returned_as_it_is_for_every_code_point():
    """``clean`` returns text that ``str.isprintable`` passes untouched, without its pattern:
    true only while no character the pattern replaces is printable, checked for every one."""
    from polytui.core.text import _UNSAFE

    printable_yet_unsafe = [
        hex(code)
        for code in range(sys.maxunicode + 1)
        if chr(code).isprintable() and _UNSAFE.match(chr(code))
    ]
    assert printable_yet_unsafe == []
    assert clean("a\u202eb") != "a\u202eb"  # the slow path still runs for the rest


def test_json_escaping_checks_quickly_and_agrees_with_the_pattern():
    """``escape_json_text`` skips its pattern when C loops find nothing to escape (ASCII text
    byte by byte, other text by ``str.isprintable``): the same answer as the pattern for every
    ASCII character and every code point of the first planes, alone and inside plain JSON."""
    from polytui.core.text import _UNSAFE, _json_escape, escape_json_text

    def by_pattern(text: str) -> str:
        return _UNSAFE.sub(_json_escape, text)

    codes = [*range(0x3000), *range(0xD7F0, 0xE010), *range(0xFE00, 0x10000), 0xE0001, 0x1F600]
    for code in codes:
        char = chr(code)
        for text in (char, f'{{\n  "text": "a{char}b",\n  "n": 1\n}}', f'{{"é": "{char}"}}'):
            assert escape_json_text(text) == by_pattern(text), hex(code)
    assert escape_json_text('{"a": "\u202e"}') == '{"a": "\\u202e"}'
    assert escape_json_text('{"a": "\x1b[2J"}\n') == '{"a": "\\u001b[2J"}\n'
    assert escape_json_text('{"a": "caf\u00e9\u00a0x"}') == '{"a": "caf\u00e9\u00a0x"}'
