"""The one text sanitiser. Every string that came from the API goes through ``clean`` before it
reaches a terminal, a Textual widget or an export.

What it does:
- C0 control characters (except newline, and tab which becomes spaces) and DEL become their
  visible Unicode "control pictures" (ESC -> U+241B), so CSI / OSC sequences (screen clears,
  OSC 52 clipboard writes, OSC 8 links) are shown, never executed.
- C1 controls (U+0080-U+009F, e.g. U+009B which some terminals read as CSI) become U+FFFD.
- Bidirectional overrides and isolates (U+202A-U+202E, U+2066-U+2069) and other invisible
  format characters that can disguise text become U+FFFD; joiners (ZWJ/ZWNJ) are kept because
  scripts and emoji need them.
- Unicode line/paragraph separators and the odd line breaks Python's ``splitlines`` honours
  become plain newlines (or spaces when ``newlines=False``); CR LF and lone CR become newline.
- Lone surrogates (from JSON such as "\\ud800") become U+FFFD so encoding never fails.

Markup is not this function's business: callers never parse API text as markup (Textual
``Content``/rich ``Text`` are built from it as plain text).
"""

from __future__ import annotations

import re
import unicodedata

REPLACEMENT = "\ufffd"
TAB_WIDTH = 4

_C0_PICTURES = {code: chr(0x2400 + code) for code in range(0x20)}
_C0_PICTURES[0x7F] = "\u2421"  # DEL

_BIDI = set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A))
_KEEP_FORMAT = {0x200C, 0x200D}  # ZWNJ, ZWJ

# Everything that is not plainly safe printable text; checked quickly before the slow path.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e"
    "\u2060-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff\U000e0000-\U000e007f\t\r\x85"
    # the rest of Unicode's format characters (category Cf, as of Unicode 14)
    "\u0600-\u0605\u06dd\u070f\u0890\u0891\u08e2\U000110bd\U000110cd"
    "\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a]"
)


def _translate_char(ch: str, newlines: bool) -> str:
    code = ord(ch)
    if ch == "\n":
        return "\n" if newlines else " "
    if ch == "\t":
        return " " * TAB_WIDTH
    if ch in ("\x85", "\u2028", "\u2029", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e"):
        return "\n" if newlines else " "
    if code < 0x20 or code == 0x7F:
        return _C0_PICTURES[code]
    if 0x80 <= code <= 0x9F:
        return REPLACEMENT
    if 0xD800 <= code <= 0xDFFF:
        return REPLACEMENT
    if code in _BIDI:
        return REPLACEMENT
    if code in _KEEP_FORMAT:
        return ch
    if unicodedata.category(ch) == "Cf":
        return REPLACEMENT
    return ch


def clean(value: object, *, newlines: bool = True) -> str:
    """Return ``value`` as text that is safe to show in a terminal.

    ``None`` becomes "". With ``newlines=False`` the result is a single line.
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if text.isprintable():  # the common case, in C: no control, format, surrogate or separator
        return text
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not newlines and "\n" in text:
        text = text.replace("\n", " ")
    if not _UNSAFE.search(text):
        return text
    return "".join(_translate_char(ch, newlines) if _UNSAFE.match(ch) else ch for ch in text)


def _json_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def escape_json_text(json_text: str) -> str:
    """JSON text (as ``json.dumps`` writes it) with every character ``clean`` would change
    written as a ``\\u`` escape (four hex digits): the same value for any JSON reader, inert
    on a terminal. JSON escapes C0 controls itself; this covers C1 controls, bidi overrides
    and the other invisible characters."""
    if _plainly_safe(json_text):  # nearly every call's JSON: checked in C, ~10x the regex's speed
        return json_text
    return _UNSAFE.sub(_json_escape, json_text)


# The ASCII characters ``_UNSAFE`` never matches: the printable ones and the line break.
_SAFE_ASCII = bytes(range(0x20, 0x7F)) + b"\n"


def _plainly_safe(text: str) -> bool:
    """True when ``text`` holds nothing ``_UNSAFE`` matches, found by C loops: ASCII text by
    deleting every safe byte (nothing may be left), other text by ``str.isprintable`` with
    its line breaks read as spaces (no character ``_UNSAFE`` matches is printable: a test
    checks every code point). False may still mean safe (a no-break space is not printable):
    the pattern then decides."""
    if text.isascii():
        return not text.encode("ascii").translate(None, _SAFE_ASCII)
    return text.replace("\n", " ").isprintable()


def clean_line(value: object) -> str:
    """``clean`` for single-line contexts (table cells, headers, CSV-free labels)."""
    return clean(value, newlines=False)


def clean_short(value: object, limit: int) -> str:
    """``clean_line`` stripped and cut to at most ``limit`` characters (``...`` ending a cut
    one): for text from outside (an ID an API lists, its message) inside a line of ours."""
    text = clean_line(value).strip()
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def is_clean(text: str) -> bool:
    """True when ``text`` contains nothing ``clean`` would change (used by tests and asserts)."""
    return clean(text) == text
