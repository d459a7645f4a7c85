"""The review queues (ctrl+r on the start screen): each with its progress; Enter opens one.
Below, a name makes a new queue of the stored calls listed on the start screen (its filter
as typed)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from polytui.core.errors import PolytuiError
from polytui.core.ports import ConversationKey
from polytui.core.queues import Queue
from polytui.core.text import clean_line

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
    BINDINGS = [Binding("escape", "dismiss_picker", "Close", id="queues_close")]

    def __init__(
        self,
        count: int,
        listed: Callable[[], Awaitable[list[ConversationKey]]],
        filter_text: str,
    ) -> None:
        """``count`` calls are listed; ``listed()`` reads them (only when a queue is made)."""
        super().__init__()
        self._count = count
        self._listed = listed
        self._filter = filter_text.strip()

    @property
    def polytui(self) -> PolyTUI:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        count = self._count
        which = f"matching “{clean_line(self._filter)}”" if self._filter else "listed"
        with Vertical():
            yield Static("Review queues (Enter opens one)", classes="picker-title")
            yield OptionList(id="queues")
            yield Static(
                f"New queue of the {count} stored call{'s' * (count != 1)} {which}: name it",
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
        self.run_worker(self._create(event.value), group="queues", exit_on_error=False)

    async def _create(self, name: str) -> None:
        error = self.query_one("#new-queue-error", Static)
        words = f" matching '{self._filter}'" if self._filter else ""
        try:
            listed = await self._listed() if self._count else []
            if not listed:
                error.update("No stored calls are listed: change the filter on the start screen.")
                return
            queue = await self.polytui.workspace.create_queue(
                name, listed, source=f"stored calls{words}"
            )
        except PolytuiError as exc:
            error.update(Content(clean_line(str(exc))))
            return
        self.dismiss(queue.name)

    def action_dismiss_picker(self) -> None:
        self.dismiss(None)
