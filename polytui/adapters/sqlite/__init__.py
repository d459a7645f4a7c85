"""The on-disk store: conversations as fetched, reviewer notes, full-text search (SQLite).

All of polytui's SQL lives in this package, behind ``Store``, which plays the ``CallCache`` and
``ReviewStore`` roles of ``polytui.core.ports``; a shared server-side store is another adapter
playing the same roles."""

from polytui.core.ports import (
    SORT_KEYS,
    ConversationKey,
    ConversationRow,
    StoredConversation,
)

from .listing import ORDER_COLUMNS
from .schema import SCHEMA_VERSION
from .store import Store

__all__ = [
    "ORDER_COLUMNS",
    "SCHEMA_VERSION",
    "SORT_KEYS",
    "ConversationKey",
    "ConversationRow",
    "Store",
    "StoredConversation",
]
