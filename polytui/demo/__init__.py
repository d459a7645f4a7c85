"""Sample conversations and the loopback server behind ``polytui demo`` (stdlib only).

The server names are loaded on first use, so ``python -m polytui.demo.server`` runs cleanly.
"""

from __future__ import annotations

from typing import Any

from ._real import real_shaped_conversations
from .samples import (
    DEMO_ACCOUNT,
    DEMO_AGENT,
    DEMO_API_KEY,
    big_conversation,
    sample_conversations,
    sample_ids,
    synthetic_conversation,
)

_SERVER_NAMES = frozenset({"FAULTS", "DemoServer", "DemoServerError", "RecordedRequest"})

__all__ = [
    "DEMO_ACCOUNT",
    "DEMO_AGENT",
    "DEMO_API_KEY",
    "FAULTS",
    "DemoServer",
    "DemoServerError",
    "RecordedRequest",
    "big_conversation",
    "real_shaped_conversations",
    "sample_conversations",
    "sample_ids",
    "synthetic_conversation",
]


def __getattr__(name: str) -> Any:
    if name in _SERVER_NAMES:
        from . import server

        return getattr(server, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
