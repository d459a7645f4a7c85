"""A call opened from a review queue: the queue's keys on the conversation screen.

`>` / `<` go to the next / previous call of the queue without leaving the call screen; `+`
marks the call done (pass) and goes on to the next call to review, `-` marks it failed, `_`
skips it and `!` flags it, each going on too (the marking keys sit together, top right). A line under the header says how far the queue
is ("queue 'handoffs-mon' 12/40 done · 3 skipped · 2 flagged"), the header shows the call's
status and verdict, and the next calls are read ahead in the background, so moving on paints
at once. `L` labels the selected turn with one of Studio's labels, picked by its number.

The changes are shown at once and written behind, in order (``QueueSession``); a change the
store refuses (another reviewer got there first) is said in a notice and the store's state
comes back."""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from textual.content import Content
from textual.widgets import Static

from polytui.core.errors import PolytuiError
from polytui.core.models import Conversation, Note
from polytui.core.ports import ConversationKey
from polytui.core.queues import (
    CARRIES_CATEGORY,
    MARKED,
    STATUS_WORDS,
    ItemChange,
    QueueItem,
    held_by_other,
    mark_words,
)
from polytui.core.text import clean_line
from polytui.tui.keys import bind
from polytui.tui.messages import ConversationLoaded
from polytui.tui.widgets.call_header import CallHeader

from .conversation_nav import TranscriptNavigation

if TYPE_CHECKING:
    from textual.await_complete import AwaitComplete
    from textual.worker import Worker

    from polytui.loader import Loaded
    from polytui.tui.app import PolyTUI
    from polytui.tui.queue_session import QueueSession
    from polytui.tui.widgets.call_header import HeaderState
    from polytui.tui.widgets.transcript import DrawnAhead
    from polytui.workspace import OpenedCall

    from .listening import Listening

#: What each marking key asks the store for.
MARKS = {
    "pass": ItemChange(status="done", verdict="pass"),
    "fail": ItemChange(status="done", verdict="fail"),
    "skip": ItemChange(status="skipped"),
    "flag": ItemChange(status="flagged"),
}
MARK_WORDS = {"pass": "done · pass", "fail": "done · fail", "skip": "skipped", "flag": "flagged"}
QUEUE_ACTIONS = frozenset({"queue_step", "queue_mark", "queue_category", "queue_reopen"})
AHEAD_AFTER = 0.1  # seconds after a move before the next calls are read ahead


class QueueReview(TranscriptNavigation):
    """The queue's keys and line; inert (and hidden) on a call not opened from a queue."""

    BINDINGS = [
        bind("queue_pass", "queue_mark('pass')", "Done + next",
             tooltip="Mark the call done (pass) and go on to the next call to review"),
        bind("queue_fail", "queue_mark('fail')", "Fail + next",
             tooltip="Mark the call done with a fail verdict and go on"),
        bind("queue_skip", "queue_mark('skip')", "Skip + next", show=False,
             tooltip="Skip the call and go on"),
        bind("queue_flag", "queue_mark('flag')", "Flag + next", show=False,
             tooltip="Flag the call for someone else's eyes and go on"),
        bind("queue_next", "queue_step(1)", "Next call",
             tooltip="The next call of the queue (nothing is marked)"),
        bind("queue_previous", "queue_step(-1)", "Previous call", show=False,
             tooltip="The previous call of the queue"),
        bind("queue_category", "queue_category", "Category", show=False,
             tooltip="Say why: a category for the call's mark (done, flagged or skipped)"),
        bind("queue_reopen", "queue_reopen", "Reopen", show=False,
             tooltip="Reopen the call: back in review here, its mark and verdict gone"),
    ]  # fmt: skip

    ONLY_WHEN_ACTIVE = QUEUE_ACTIONS  # help lists the queue's keys on a queue's call only
    queue: QueueSession | None = None
    _drawn_ahead: dict[ConversationKey, DrawnAhead]  # set by the screen's __init__
    _headers_ahead: dict[ConversationKey, HeaderState]  # likewise

    if TYPE_CHECKING:  # provided by the conversation screen

        @property
        def polytui(self) -> PolyTUI: ...

        conversation_id: str
        agent: str | None
        loaded: Loaded | None
        initial_turn: int | None
        _deferred: AwaitComplete | None

        def _loaded(self, message: ConversationLoaded) -> None: ...

        def load(self, *, refresh: bool = False) -> Worker[None]: ...

        def show_loading(self) -> None: ...

        listening: Listening

    # -- showing another call here -------------------------------------------------------------

    def show_opened(self, opened: OpenedCall) -> None:
        """Show another call here, read already (a queue's next call): no loading state."""
        self.workers.cancel_group(self, "fetch")
        self.listening.stop()  # the recording playing is the last call's
        self.conversation_id = opened.loaded.conversation_id
        self.agent = opened.loaded.agent
        self.initial_turn = None
        self._forget_search()
        self._loaded(ConversationLoaded(opened, moved=True))

    def load_in_place(self, conversation_id: str, agent: str) -> None:
        """Load another call here (a queue's next call not read ahead): the loading state, then
        the call, as when the screen opened without it."""
        self.listening.stop()
        self.conversation_id, self.agent = conversation_id, agent
        self.loaded, self.initial_turn = None, None
        self._forget_search()
        self.show_loading()
        self.query_one("#header", CallHeader).display = False
        self.refresh_bindings()
        self.load()

    def _forget_search(self) -> None:
        if self.transcript.search_query:
            self.transcript.search("")
            if self._deferred is not None:
                from textual.widgets import Input

                self.query_one("#search-input", Input).value = ""
                self._show_count("", 0)

    # -- what is on screen -------------------------------------------------------------------

    def queue_item(self) -> QueueItem | None:
        return self.queue.item(self.queue.current) if self.queue is not None else None

    def queue_action_allowed(self, action: str) -> bool:
        """Queue keys exist only on a call opened from a queue."""
        return self.queue is not None and self.queue.current is not None

    def show_review(self) -> None:
        """The queue's line and the call's status in the header, as the session knows them."""
        session = self.queue
        if session is None:
            return
        item = session.item(session.current)
        self.query_one("#header", CallHeader).set_review(item)
        # One line tall whatever it says: no layout needed.
        self.query_one("#queue-bar", Static).update(queue_line(session, item), layout=False)

    # -- the keys ------------------------------------------------------------------------------

    def action_queue_step(self, step: int) -> None:
        session = self.queue
        if session is None or session.current is None:
            return
        target = session.neighbour(session.current, step)
        if target is None:
            where = "last" if step > 0 else "first"
            self.notify(f"This is the {where} call of the queue.", timeout=3)
            return
        self._go_to(target)

    def action_queue_mark(self, mark: str) -> None:
        session = self.queue
        if session is None or session.current is None or mark not in MARKS:
            return
        change = MARKS[mark]
        try:
            before, _ = session.change(session.current, change)
        except PolytuiError as exc:
            self.notify(clean_line(str(exc)), severity="error", timeout=6, markup=False)
            return
        self._write_behind(session.write_change(before, change), "Not marked")
        following = session.next_to_review(before.position)
        if following is None:
            self.show_review()
            self.notify(
                f"Marked {MARK_WORDS[mark]}. Nothing left to review in this queue: "
                f"{clean_line(session.progress.line(session.name))}. Escape: the queue.",
                timeout=8,
                markup=False,
            )
            return
        self._go_to(following)

    def action_queue_reopen(self) -> None:
        """The call's mark taken back: in review again (by this reviewer), its verdict and
        category gone (the queue's history keeps them)."""
        session = self.queue
        item = self.queue_item()
        if session is None or item is None:
            return
        if item.status not in MARKED:
            self.notify("This call is not marked: nothing to reopen.", timeout=4)
            return
        change = ItemChange(status="in_review")
        try:
            before, _ = session.change(item.key, change)
        except PolytuiError as exc:
            self.notify(clean_line(str(exc)), severity="error", timeout=6, markup=False)
            return
        self._write_behind(session.write_change(before, change), "Not reopened")
        self.show_review()
        self.notify(f"Reopened: in review again (was {mark_words(before)}).", timeout=4)

    def action_queue_category(self) -> None:
        session = self.queue
        item = self.queue_item()
        if session is None or item is None:
            return
        if item.status not in CARRIES_CATEGORY:
            self.notify(
                "Mark the call first (+ done, - fail, _ skip, ! flag), then # says why.",
                timeout=5,
            )
            return
        from .category import CategoryPrompt

        key = item.key
        title = Content.assemble(
            "Why is this call ",
            (STATUS_WORDS[item.status], "bold"),
            (f" · {item.verdict}" if item.verdict else ""),
            "?",
        )

        def chosen(text: str | None) -> None:
            if text is None or self.queue is not session:
                return
            change = ItemChange(category=text)
            try:
                before, _ = session.change(key, change)
            except PolytuiError as exc:
                self.notify(clean_line(str(exc)), severity="error", timeout=6, markup=False)
                return
            self._write_behind(session.write_change(before, change), "Category not set")
            self.show_review()

        self.app.push_screen(CategoryPrompt(title, item.category or ""), chosen)

    # -- moving ----------------------------------------------------------------------------------

    def begin_queue(self) -> None:
        """The call was opened from the queue (its key is the session's current): take it into
        review when it is to be reviewed, and read the next ones ahead."""
        session = self.queue
        if session is None or session.current is None:
            return
        if session.claim_here(session.current):
            self._write_behind(session.write_claim(session.current), "Could not take the call")
        self.show_review()
        self._read_ahead()

    def open_queue_item(self, item: QueueItem) -> None:
        """Show ``item``'s call here: at once when it was read ahead, else loading it."""
        self._go_to(item)

    def _go_to(self, target: QueueItem) -> None:
        session = self.queue
        assert session is not None
        if session.current is not None and session.current != target.key:
            session.forget(session.current)  # its notes may have changed: read it afresh later
        session.current = target.key
        if session.claim_here(target.key):
            self._write_behind(session.write_claim(target.key), "Could not take the call")
        opened = session.take(target.key)
        if opened is not None:
            self.show_opened(opened)
        else:
            self.load_in_place(target.conversation_id, target.agent)
            self.show_review()
        # Once the call is on screen: reading ahead (JSON parsed on the store's thread) would
        # compete with this frame for the interpreter.
        self.set_timer(AHEAD_AFTER, self._read_ahead)

    def _read_ahead(self) -> None:
        session = self.queue
        if session is not None:

            async def read_and_draw() -> None:
                await session.read_ahead()
                self._draw_ahead()

            self.run_worker(
                read_and_draw(), group="queue-ahead", exclusive=True, exit_on_error=False
            )

    def _draw_ahead(self) -> None:
        """Draw the first screen of each call read ahead (once), so that moving to it paints
        without drawing its turns; drawings of calls no longer read ahead are dropped."""
        session = self.queue
        if session is None or not self.is_attached:
            return
        drawn, headers = self._drawn_ahead, self._headers_ahead
        for key in [key for key in drawn if key not in session._ahead]:
            del drawn[key]
            headers.pop(key, None)
        header = self.query_one("#header", CallHeader)
        for key, opened in list(session._ahead.items()):
            if key in drawn:
                continue
            conversation = opened.loaded.conversation
            done = self.transcript.draw_ahead(conversation, turn_notes(conversation, opened.notes))
            if done is not None:
                drawn[key] = done
                state = header.draw_ahead(conversation, review=session.item(key))
                if state is not None:
                    headers[key] = state

    def drawn_for(self, conversation: Conversation) -> tuple[DrawnAhead | None, HeaderState | None]:
        """The first screen of ``conversation`` and its header drawn ahead, if they were (then
        forgotten)."""
        for key, drawn in list(self._drawn_ahead.items()):
            if drawn.conversation is conversation:
                del self._drawn_ahead[key]
                return drawn, self._headers_ahead.pop(key, None)
        return None, None

    def _write_behind(self, write: Awaitable[QueueItem], failure: str) -> None:
        """Run a store write of the session's after the screen has moved on; the line and the
        header follow its answer, a refusal is a notice."""

        async def run() -> None:
            try:
                stored = await write
            except PolytuiError as exc:
                self.notify(
                    clean_line(str(exc)), title=failure, severity="error", timeout=10, markup=False
                )
            else:
                session = self.queue
                if (
                    session is not None
                    and stored.key == session.current
                    and held_by_other(stored, session.reviewer, datetime.now(UTC))
                ):
                    who = clean_line(stored.reviewer or "Someone")
                    self.notify(
                        f"{who} has this call open too.",
                        severity="warning",
                        timeout=6,
                        markup=False,
                    )
            if self.is_attached:
                self.show_review()

        self.app.run_worker(run(), group="queue-writes", exit_on_error=False)


def turn_notes(conversation: Conversation, notes: Sequence[Note]) -> list[Note]:
    """The notes of ``conversation`` drawn in its transcript: those on one of its turns."""
    turns = len(conversation.turn_list)
    return [note for note in notes if note.turn is not None and note.turn <= turns]


STATUS_STYLES = {
    "pending": "$text-muted",
    "in_review": "$accent",
    "done": "$success",
    "skipped": "$text-muted",
    "flagged": "$warning",
}


def queue_line(session: QueueSession, item: QueueItem | None) -> Content:
    """``queue 'handoffs-mon' 12/40 done · 3 skipped · 2 flagged   call 13 of 40 · in review``."""
    progress = session.progress
    parts: list[Content] = [Content.styled(clean_line(progress.line(session.name)), "bold")]
    if item is not None:
        where = Content(f"call {item.position} of {progress.total}")
        status = Content.styled(STATUS_WORDS[item.status], STATUS_STYLES.get(item.status, ""))
        parts += [where, status]
        if item.verdict:
            parts.append(
                Content.styled(
                    item.verdict, "bold $error" if item.verdict == "fail" else "$success"
                )
            )
        if item.category:
            parts.append(Content.styled(f"why: {clean_line(item.category)}", "italic"))
        if item.reviewer and item.reviewer != session.reviewer:
            parts.append(Content.styled(f"by {clean_line(item.reviewer)}", "$text-muted"))
    return Content.styled(" · ", "$text-muted").join(parts)
