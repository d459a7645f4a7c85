"""The on-disk store: conversations as fetched, reviewer notes, full-text search (SQLite).

All of polytui's SQL lives in this package, behind ``Store``; a shared server-side store can
replace it by implementing the same methods."""

from .listing import ORDER_COLUMNS, ConversationKey
from .records import (
    SNIPPET_CLOSE,
    SNIPPET_OPEN,
    ConversationRow,
    SearchHit,
    StoredConversation,
)
from .schema import SCHEMA_VERSION
from .store import Store

__all__ = [
    "ORDER_COLUMNS",
    "SCHEMA_VERSION",
    "SNIPPET_CLOSE",
    "SNIPPET_OPEN",
    "ConversationKey",
    "ConversationRow",
    "SearchHit",
    "Store",
    "StoredConversation",
]
