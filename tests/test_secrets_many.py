"""The redactor takes every secret polytui knows (API keys, later a database password), and the
settings say which of their fields are secrets, so a new one cannot be forgotten."""

from __future__ import annotations

import base64
import dataclasses
from urllib.parse import quote

from polytui.core.config import Settings
from polytui.core.errors import redact, secret_forms, unexpected_error

KEY = "api-key-7f3c9b21"
PLATFORM = "platform-key-55aa19"
PASSWORD = "db-pass-Zq8!x"


def _every_form(secret: str) -> list[str]:
    return [
        secret,
        quote(secret, safe=""),
        base64.b64encode(secret.encode()).decode(),
        base64.urlsafe_b64encode(b"x" + secret.encode()).decode(),
    ]


def test_every_secret_of_a_set_is_redacted_in_every_form():
    secrets = {KEY, PLATFORM, PASSWORD}
    text = " | ".join(form for s in secrets for form in _every_form(s))
    redacted = redact(text, secrets)
    for secret in secrets:
        assert not any(form in redacted for form in secret_forms(secret)), secret


def test_a_secret_inside_another_leaves_no_part_of_the_longer():
    inner = "AAAA-1111"
    outer = f"key-{inner}-tail"
    redacted = redact(f"sent {outer} and {inner}", [inner, outer])
    assert redacted == "sent *** and ***"


def test_none_blank_and_short_values_in_the_set_are_skipped():
    assert redact("abc and 12", [None, "", "abc", KEY]) == "abc and 12"
    assert redact(f"{KEY}", (None, KEY)) == "***"


def test_unexpected_errors_redact_every_secret():
    error = unexpected_error(RuntimeError(f"{KEY} / {PASSWORD}"), [KEY, PASSWORD])
    assert KEY not in error.message and PASSWORD not in error.message


def test_settings_hand_every_secret_field_to_the_redactor():
    settings = Settings(api_key=KEY)
    assert KEY in settings.secrets
    for field in dataclasses.fields(Settings):
        name = field.name.lower()
        if any(word in name for word in ("key", "password", "token", "secret", "dsn")):
            assert field.metadata.get("secret"), f"Settings.{field.name} is not marked SECRET"
            assert field.repr is False, f"Settings.{field.name} shows in repr()"
