"""A long call's turns read on after its first frame (``polytui.core.long_call``).

The screen opens a long stored call with its first block of turns read; this reads the rest
off the event loop, a step at a time, and hands the transcript the turns read so far now and
then (its virtual height grows; the turns on screen stay where they are). Once all are read,
the header's latency figures, the function events, the panels and the notes on later turns
follow, and a ``--turn`` past the first block is reached."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from polytui.core.errors import unexpected_error
from polytui.tui.widgets.call_header import CallHeader

if TYPE_CHECKING:
    from polytui.core.models import Conversation

    from .conversation import ConversationScreen

STEP = 2048  # turns read at a time (the store's thread does other work between)
SHOW_EVERY = 0.5  # seconds between handing the transcript the turns read so far


class ReadingOn:
    def __init__(self, screen: ConversationScreen) -> None:
        self.screen = screen
        self.wanted_turn: int | None = None  # 0-based, past the turns read when opened

    def start(self, conversation: Conversation, wanted_turn: int | None) -> None:
        """Read the rest of ``conversation`` (when it is a long call still being read)."""
        if not conversation.reading:
            return
        count = len(conversation.turn_list)
        self.wanted_turn = wanted_turn if wanted_turn is not None and wanted_turn >= count else None
        # After the first frame: the reading thread would take turns with its drawing.
        self.screen.call_after_refresh(self._start, conversation)

    def _start(self, conversation: Conversation) -> None:
        if self._current(conversation):
            self.screen.run_worker(
                self._read(conversation), group="read-on", exclusive=True, exit_on_error=False
            )

    def _current(self, conversation: Conversation) -> bool:
        loaded = self.screen.loaded
        return loaded is not None and loaded.conversation is conversation

    async def _read(self, conversation: Conversation) -> None:
        workspace = self.screen.polytui.workspace
        shown = time.monotonic()
        done = False
        while not done:
            try:
                done = await workspace.read_on(conversation, STEP)
            except Exception as exc:  # a bug: said in one sentence; the turns read stay
                error = unexpected_error(exc, self.screen.polytui.settings.secrets)
                self.screen.notify(str(error), severity="error", timeout=10, markup=False)
                return
            if not self._current(conversation):
                return  # another call (or a refresh) replaced it
            if done or time.monotonic() - shown >= SHOW_EVERY:
                shown = time.monotonic()
                replaced = conversation.finish_reading() if done else False
                self._show(conversation, replaced=replaced)
        await self._finished(conversation)

    def _show(self, conversation: Conversation, *, replaced: bool = False) -> None:
        screen = self.screen
        transcript = screen.transcript
        if replaced:  # a second "turns" after the first: those are the call's (as json.loads)
            last = max(0, len(conversation.turn_list) - 1)
            transcript.set_conversation(conversation, cursor=min(transcript.cursor, last))
        else:
            transcript.turns_added()
        wanted = self.wanted_turn
        if wanted is not None and wanted < transcript.turn_count:
            self.wanted_turn = None
            transcript.go_to(wanted)
        header = screen.query_one("#header", CallHeader)
        header.set_conversation(conversation, source_note=header.source_note)

    async def _finished(self, conversation: Conversation) -> None:
        screen = self.screen
        long = conversation.long_turns
        if long is not None and long.failure is not None:
            screen.notify(
                f"The stored copy of this call is damaged after turn {len(long)} "
                "(the turns before it are shown); press r to fetch it again.",
                severity="error",
                timeout=12,
                markup=False,
            )
        screen.fill_panels_now(conversation)
        await screen.listening.turns_read()  # where each turn starts in the recording
        await screen.note_actions.reload()  # notes on the turns read since
