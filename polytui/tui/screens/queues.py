"""The review queues (ctrl+r): each with its progress; Enter opens one. Below, a name makes a
new queue of what the screen below shows (``MadeFrom``): the stored calls listed on the start
screen (its filter as typed), the calls Find listed (the whole listing), the calls a search
found."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from polytui.core.errors import PolytuiError
from polytui.core.ports import ConversationKey
from polytui.core.queues import Queue, check_name
from polytui.core.text import clean_line
from polytui.tui.keys import bind

if TYPE_CHECKING:
    from polytui.tui.app import PolyTUI


def queue_label(queue: Queue) -> Content:
    """``handoffs-mon  12/40 done · 3 skipped   file monday.txt · alice``."""
    counts = queue.progress.line(queue.name).removeprefix(f"queue '{queue.name}' ")
    made = f"  {clean_line(queue.source)[:50]} · {clean_line(queue.created_by)}"
    return Content.assemble(
        (clean_line(queue.name), "bold $accent" if queue.progress.unfinished else "bold"),
        "  ",
        clean_line(counts),
        (made, "$text-muted"),
    )


@dataclass(frozen=True)
class MadeFrom:
    """What a new queue would hold: the calls a screen shows."""

    count: int  # calls shown now
    what: str  # "stored calls matching “refund”", after "New queue of the 12"
    source: str  # the queue's source, as `polytui queue new` words it
    read: Callable[[], Awaitable[list[ConversationKey]]]  # the calls, read when a queue is made
    empty: str  # the sentence when there is nothing to make a queue of


def stored_calls(
    count: int, read: Callable[[], Awaitable[list[ConversationKey]]], filter_text: str
) -> MadeFrom:
    """The stored calls the start screen lists (its filter as typed)."""
    words = filter_text.strip()
    return MadeFrom(
        count=count,
        what=f"stored {_calls(count)} "
        + (f"matching “{clean_line(words)}”" if words else "listed"),
        source=f"stored calls matching '{words}'" if words else "stored calls",
        read=read,
        empty="No stored calls are listed: change the filter on the start screen.",
    )


def _calls(count: int) -> str:
    return "call" if count == 1 else "calls"


class QueuePicker(ModalScreen[str | None]):
    """Dismisses with the name of the queue to open (None: cancelled)."""

    HELP_TITLE = "Review queues"
    DEFAULT_CSS = """
    QueuePicker { align: center middle; }
    QueuePicker > Vertical {
        width: 100; max-width: 100%; height: auto; max-height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    QueuePicker .picker-title { text-style: bold; color: $accent; }
    QueuePicker #queues { height: auto; max-height: 20; margin: 1 0; }
    QueuePicker #new-queue-label { color: $text-muted; }
    QueuePicker #new-queue-error { color: $text-error; height: auto; }
    """
    BINDINGS = [bind("back", "dismiss_picker", "Close")]

    def __init__(self, made_from: MadeFrom) -> None:
        """A new queue holds ``made_from``'s calls (read only when one is made)."""
        super().__init__()
        self.made_from = made_from
        self._making = False

    @property
    def polytui(self) -> PolyTUI:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        made_from = self.made_from
        with Vertical():
            yield Static("Review queues (Enter opens one)", classes="picker-title")
            yield OptionList(id="queues")
            yield Static(
                Content(f"New queue of the {made_from.count:,} {made_from.what}: name it"),
                id="new-queue-label",
            )
            yield Input(placeholder="queue name, Enter makes it", id="new-queue")
            yield Static("", id="new-queue-error")

    def on_mount(self) -> None:
        self.run_worker(self._read(), group="queues", exclusive=True, exit_on_error=False)

    async def _read(self) -> None:
        options = self.query_one("#queues", OptionList)
        try:
            queues = await self.polytui.workspace.queues()
        except PolytuiError as exc:
            options.add_option(
                Option(Content.styled(clean_line(str(exc)), "$error"), disabled=True)
            )
            return
        if not queues:
            options.add_option(
                Option(
                    Content.styled("No queues yet: name one below.", "$text-muted"), disabled=True
                )
            )
            self.set_focus(self.query_one("#new-queue", Input))
            return
        options.add_options([Option(queue_label(q), id=q.name) for q in queues])
        options.highlighted = 0
        self.set_focus(options)

    @on(OptionList.OptionSelected, "#queues")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.dismiss(event.option.id)

    @on(Input.Submitted, "#new-queue")
    def _make(self, event: Input.Submitted) -> None:
        if not self._making:  # one at a time: a second Enter while reading waits for it
            self._making = True
            self.run_worker(self._create(event.value), group="queues", exit_on_error=False)

    async def _create(self, name: str) -> None:
        error = self.query_one("#new-queue-error", Static)
        made_from = self.made_from
        try:
            check_name(name)  # before reading (a listing's rest may take a while)
            error.update(Content.styled("Making the queue…", "$text-muted"))
            listed = await made_from.read() if made_from.count else []
            if not listed:
                error.update(Content(made_from.empty))
                return
            queue = await self.polytui.workspace.create_queue(name, listed, source=made_from.source)
        except PolytuiError as exc:
            error.update(Content(clean_line(str(exc))))
            return
        finally:
            self._making = False
        self.dismiss(queue.name)

    def action_dismiss_picker(self) -> None:
        self.dismiss(None)
