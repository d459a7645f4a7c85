"""Every notice an app under test raised, kept after its timeout took it off screen.

A notice lasts a few seconds (``timeout=3`` for "Note saved on turn 3."); on a small, busy
machine the time between raising it and a test's assert can be longer, and Textual's own list
(``app._notifications``) drops a notice once it has expired, so a test reading that list could
fail for no fault of the app. ``conftest.py`` makes every app keep a ``NoticeLog``: what was
said, in order, since the app started or last cleared its notices."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from textual.notifications import Notification, Notifications

if TYPE_CHECKING:
    from textual.app import App


class NoticeLog(Notifications):
    """Textual's notifications (what is on screen is unchanged), remembering each one raised."""

    def __init__(self) -> None:
        super().__init__()
        self.said: list[Notification] = []

    def add(self, notification: Notification) -> Self:
        if all(seen.identity != notification.identity for seen in self.said):
            self.said.append(notification)
        return super().add(notification)

    def clear(self) -> Self:
        self.said.clear()
        return super().clear()


def said(app: App) -> list[Notification]:
    """The notices ``app`` raised (since it last cleared them), timed out or not."""
    log = app._notifications
    return list(log.said) if isinstance(log, NoticeLog) else list(log)
