"""Conversation IDs and Studio links: checked without importing anything heavy.

IDs are not over-validated (Twilio call SIDs look like ``CA`` + 32 hex, chat IDs differ), but an
ID that could escape the URL path or is plainly not an ID is refused with a message. Whatever is
accepted is percent-encoded into a single path segment by the client.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from .errors import UsageError

MAX_ID_LENGTH = 512
ACCOUNT_ID = "account (Studio workspace) ID"

_STUDIO_HOST = re.compile(r"^studio\.(?P<region>[a-z0-9-]+)\.poly\.ai$", re.IGNORECASE)


def _preview(value: str) -> str:
    shown = "".join("?" if _unsafe(ch) else ch for ch in value)
    return shown if len(shown) <= 40 else shown[:37] + "..."


def _unsafe(ch: str) -> bool:
    """Control characters, lone surrogates (``quote`` cannot encode them), line separators and
    invisible format characters (see ``_invisible``)."""
    return unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp") or _invisible(ch)


def _invisible(ch: str) -> bool:
    """Format characters: a zero-width space or joiner, a byte-order mark, bidi controls. No ID
    holds one; one pasted from a web page or a Windows file makes an ID that is never found."""
    return unicodedata.category(ch) == "Cf"


def check_id_segment(value: str, what: str = "conversation ID") -> str:
    """Return the stripped ID (conversation or agent), or raise UsageError (exit 2) saying what
    is wrong with it. Whatever passes is percent-encoded into one URL path segment."""
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise UsageError(f"The {what} is empty.")
    if text in (".", ".."):
        raise UsageError(f"{text!r} is not a valid {what}.")
    if len(text) > MAX_ID_LENGTH:
        raise UsageError(
            f"The {what} is {len(text):,} characters long; IDs are at most {MAX_ID_LENGTH} characters."
        )
    if text.isprintable():  # in C, and false for every category refused below
        return text
    if any(_unsafe(ch) and not _invisible(ch) for ch in text):
        raise UsageError(f"The {what} {_preview(text)!r} contains control characters.")
    if any(_invisible(ch) for ch in text):
        raise UsageError(
            f"The {what} {_preview(text)!r} contains invisible characters (a zero-width space, "
            "a byte-order mark or a direction mark); type or paste it again."
        )
    return text


def validate_conversation_id(value: str) -> str:
    return check_id_segment(value, "conversation ID")


def validate_agent_id(value: str) -> str:
    return check_id_segment(value, "agent ID")


def exact_id(value: str, what: str = "conversation ID") -> str:
    """``value`` when it is a valid ID exactly as it stands: for IDs that are keys read from
    data (an import, an API answer, the store's own writes), where spaces around an ID are not
    typing to forgive but another ID. UsageError (exit 2) otherwise.

    Every road into the store goes through this (``Store.put`` and ``Store.add_note`` call
    it), so no command, import or API answer can keep an ID the others would refuse."""
    checked = check_id_segment(value, what)
    if checked != value:
        raise UsageError(f"The {what} {_preview(value)!r} has spaces around it.")
    return checked


@dataclass(frozen=True)
class StudioLink:
    region: str
    account: str
    project: str
    conversation_id: str


def parse_studio_url(value: str) -> StudioLink | None:
    """Understand a pasted Studio URL
    ``https://studio.{region}.poly.ai/{account}/{project}/conversations/{id}``; None otherwise."""
    text = value.strip()
    if "://" not in text:
        return None
    parts = urlsplit(text)
    match = _STUDIO_HOST.match(parts.hostname or "")
    if parts.scheme not in ("http", "https") or not match:
        return None
    segments = [unquote(s) for s in parts.path.split("/") if s]
    if len(segments) < 4 or segments[2] != "conversations":
        return None
    account, project, _, conversation_id = segments[:4]
    return StudioLink(
        region=match.group("region").lower(),
        account=check_id_segment(account, ACCOUNT_ID),
        project=validate_agent_id(project),
        conversation_id=validate_conversation_id(conversation_id),
    )


def parse_call_reference(value: str) -> tuple[str | None, str]:
    """The agent (None when the text does not say) and conversation ID of a call named by a
    Studio link (its project is the agent) or by a bare ID; UsageError for a malformed ID."""
    link = parse_studio_url(value)
    if link is not None:
        return link.project, link.conversation_id
    return None, validate_conversation_id(value)
