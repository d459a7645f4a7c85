"""Typed messages that workers post to the screens."""

from __future__ import annotations

from textual.message import Message

from polytui.core.errors import PolytuiError
from polytui.loader import Loaded
from polytui.workspace import OpenedCall


class ConversationLoaded(Message):
    """``refreshed``: the call on screen again, from the API; ``moved``: another call shown in
    place of the one on screen (a queue's next), read ahead."""

    def __init__(self, opened: OpenedCall, *, refreshed: bool = False, moved: bool = False) -> None:
        super().__init__()
        self.opened = opened
        self.refreshed = refreshed
        self.moved = moved

    @property
    def loaded(self) -> Loaded:
        return self.opened.loaded


class LoadFailed(Message):
    def __init__(
        self, conversation_id: str, error: PolytuiError, *, refreshing: bool = False
    ) -> None:
        super().__init__()
        self.conversation_id = conversation_id
        self.error = error
        self.refreshing = refreshing
