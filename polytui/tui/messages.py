"""Typed messages that workers post to the screens."""

from __future__ import annotations

from textual.message import Message

from polytui.core.errors import PolytuiError
from polytui.loader import Loaded


class ConversationLoaded(Message):
    def __init__(self, loaded: Loaded, *, refreshed: bool = False) -> None:
        super().__init__()
        self.loaded = loaded
        self.refreshed = refreshed


class LoadFailed(Message):
    def __init__(
        self, conversation_id: str, error: PolytuiError, *, refreshing: bool = False
    ) -> None:
        super().__init__()
        self.conversation_id = conversation_id
        self.error = error
        self.refreshing = refreshing
