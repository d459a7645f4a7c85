"""The review app: thin. Screens do the work; the app owns settings, the workspace (every call
to the store and the API goes through it, off the event loop) and the keys that work
everywhere."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterable
from typing import Any

from textual import events
from textual.actions import parse as parse_action
from textual.app import App, SystemCommand
from textual.await_complete import AwaitComplete
from textual.notifications import Notification, Notify
from textual.screen import Screen

from polytui.core.config import Settings
from polytui.core.errors import PolytuiError
from polytui.core.text import clean_line
from polytui.loader import Loader
from polytui.workspace import Workspace

from .keys import bind
from .ui_state import load_state, save_state, state_path

# The screens are imported where they are first shown: a call opened from the command line is
# painted without the start screen, and the start screen without the call screen (which it
# loads in a thread once its calls are listed).

COLLECTOR_BACKSTOP = 2.0  # seconds: the cycle collector is on again by then whatever happens
WAITING = (
    "Waiting for the store… another program is writing to it. polytui carries on, and "
    "finishes the change when the store is free."
)


class PolyTUI(App[int]):
    """``PolyTUI(settings, loader=...)``: everything it needs is injected (tests pass their own
    loader; the app's workspace is built around it)."""

    CSS_PATH = "polytui.tcss"
    TITLE = "polytui"
    BINDINGS = [bind("quit", "quit", "Quit"), bind("help", "help", "Help")]

    def __init__(
        self,
        settings: Settings,
        *,
        initial_id: str | None = None,
        initial_turn: int | None = None,
        initial_queue: str | None = None,
        loader: Loader | None = None,
        samples: Iterable[dict[str, Any]] | None = None,
        demo: bool = False,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.workspace = Workspace(
            settings,
            loader=loader or Loader(settings, announce=self._announce, warn=self._warn),
            warn=self._warn,
            waiting=self._store_waiting,
        )
        self._waiting_notice: Notification | None = None
        self._network_notice: Notification | None = None  # the retries' one notice
        self._quitting = False
        self.samples = list(samples or [])
        self.demo = demo
        self._initial_id = initial_id
        self._initial_turn = initial_turn
        self._initial_queue = initial_queue
        # Read before the event loop runs (a few hundred bytes); written in a thread.
        self.ui_state = load_state(state_path(settings.data_root))
        self._state_lock = asyncio.Lock()
        # The one keymap: the config's [keys] remap binding ids on every screen.
        self.set_keymap(settings.keymap)
        if demo:
            self.sub_title = "demo: sample calls from a built-in server"

    # -- lifecycle ----------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.set_timer(COLLECTOR_BACKSTOP, self.resume_collector)
        # Printed on stderr too, where the app's screen hides it until it exits.
        for notice in self.settings.notices:
            self.notify(notice, title="Config", severity="warning", timeout=15, markup=False)
        if self._initial_id:
            # The start screen is made only when the reviewer goes back to it (pop_screen), and
            # the call opens once Textual's start-up batch is over: both bring it on screen
            # sooner (nothing is painted during that batch, so work done in it is repeated).
            self.call_later(self.open_conversation, self._initial_id, turn=self._initial_turn)
        elif self._initial_queue:
            self.open_queue(self._initial_queue, resume=True)
            self.call_after_refresh(self.resume_collector)
        else:
            from .screens.start import StartScreen

            self.push_screen(StartScreen())
            self.call_after_refresh(self.resume_collector)

    async def on_unmount(self) -> None:
        await self.workspace.aclose()  # pending writes finish first: nothing asked for is lost

    @property
    def loader(self) -> Loader:
        """The workspace's loader (its ``store`` blocks: screens go through the workspace)."""
        return self.workspace.loader

    @staticmethod
    def resume_collector() -> None:
        """Turn Python's cycle collector back on (``launch`` pauses it until the first frame);
        harmless when it is on."""
        gc.enable()

    # -- navigation ---------------------------------------------------------------------------

    def open_conversation(
        self, conversation_id: str, *, agent: str | None = None, turn: int | None = None
    ) -> None:
        """Show a conversation; a screen already loading another one is replaced (its load is
        cancelled with it), and so is a conversation still being read from the store."""
        self.run_worker(
            self._open(conversation_id, agent, turn),
            group="open",
            exclusive=True,
            exit_on_error=False,
        )

    async def _open(self, conversation_id: str, agent: str | None, turn: int | None) -> None:
        # The call from the store when the loading policy says the store suffices (a finished
        # call, no --refresh): the screen opens on it, with no loading frame first. Otherwise
        # (and when reading fails) the screen loads it and reports any problem in one sentence.
        from .screens.conversation import ConversationScreen

        preloaded = await self.workspace.stored_copy(conversation_id, agent=agent)
        while isinstance(self.screen, ConversationScreen):
            self.pop_screen()
        self.push_screen(
            ConversationScreen(conversation_id, agent=agent, turn=turn, preloaded=preloaded)
        )

    def open_queue(self, name: str, *, resume: bool = False) -> None:
        """Show a review queue; with ``resume``, open its first call not reviewed yet."""
        from .screens.queue import QueueScreen

        self.push_screen(QueueScreen(name, resume=resume))

    def pop_screen(self) -> AwaitComplete:
        """Leaving a call or a queue opened at launch leads to the start screen, made now."""
        from .screens.conversation import ConversationScreen
        from .screens.queue import QueueScreen

        if (
            isinstance(self.screen, (ConversationScreen, QueueScreen))
            and len(self.screen_stack) <= 2
        ):
            from .screens.start import StartScreen

            return self.switch_screen(StartScreen())
        return super().pop_screen()

    def remember(self, **changes: Any) -> None:
        """Keep ``changes`` to the remembered state (sort, export format and folder) for the
        next run; written off the event loop, the last change winning."""
        self.ui_state = self.ui_state.with_(**changes)
        self.run_worker(self._save_state(), group="ui-state", exit_on_error=False)

    async def _save_state(self) -> None:
        try:
            async with self._state_lock:  # one write at a time, each of the latest state
                path = state_path(self.settings.data_root)
                await asyncio.to_thread(save_state, path, self.ui_state)
        except PolytuiError as exc:
            self.notify(
                f"{clean_line(str(exc))} (the sort and export choices are not remembered)",
                severity="warning",
                timeout=6,
                markup=False,
            )

    def update_settings(self, **changes: Any) -> None:
        """The start screen can set agent and region; the workspace follows."""
        self.settings = self.settings.with_(**changes)
        self.workspace.settings = self.settings

    # -- actions ------------------------------------------------------------------------------

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.pop_screen()
            return
        self.push_screen(HelpScreen(self.screen))

    def action_quit(self) -> None:  # type: ignore[override]
        self._quitting = True
        self.exit(0)

    async def on_event(self, event: events.Event) -> None:
        # Keys typed after q (a burst "qe") would open screens on an app that is closing,
        # and those fail half-built: once quitting, input goes nowhere.
        if self._quitting and isinstance(event, events.InputEvent):
            return
        await super().on_event(event)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The palette offers every key of the current screen that works now (keys are data;
        e.g. "Delete note" only where there is a note), then Textual's."""
        from .screens.help import reviewer_bindings

        offers = getattr(screen, "footer_offers", None)
        for keys, binding, node in reviewer_bindings(screen):
            if binding.action in ("help", "quit"):
                continue
            _, name, parameters = parse_action(binding.action)
            if not node.check_action(name, parameters):  # type: ignore[attr-defined]
                continue
            if offers is not None and binding.id and not offers(binding.id):
                continue  # e.g. "Delete note" where there is no note
            # One line of help under the title, never the title again: what it does when
            # that says more, and the keys.
            shown = ", ".join(keys)
            help_text = f"{binding.tooltip} ({shown})" if binding.tooltip else f"Key: {shown}"
            yield SystemCommand(binding.description, help_text, _runner(node, binding.action))
        # Textual's own, but its "Keys" panel: help (?) lists the keys, generated as here.
        for command in super().get_system_commands(screen):
            if command.title != "Keys":
                yield command

    # -- feedback from the core -----------------------------------------------------------------

    def _announce(self, message: str) -> None:
        """A retry (or another word from the network): one notice that the next one replaces,
        never a stack of them over the transcript."""
        notice = Notification(clean_line(message), "Network", "warning", 6, markup=False)
        previous, self._network_notice = self._network_notice, notice
        self.post_message(Notify(notice))
        if previous is not None:
            self.call_later(self._drop_notice, previous)  # queued after the Notify message

    def _warn(self, message: str) -> None:
        self.notify(
            clean_line(message), title="Store", severity="warning", timeout=10, markup=False
        )

    def _store_waiting(self, waiting: bool) -> None:
        """The workspace's store work is slow (another process holds the write lock), or no
        longer: one notice says so while it lasts, and goes when it is over."""
        if waiting and self._waiting_notice is None:
            notice = Notification(WAITING, "Store", "warning", 24 * 3600, markup=False)
            self._waiting_notice = notice
            self.post_message(Notify(notice))
        elif not waiting and self._waiting_notice is not None:
            notice, self._waiting_notice = self._waiting_notice, None
            self.call_later(self._drop_notice, notice)  # queued after the Notify message

    def _drop_notice(self, notice: Notification) -> None:
        if notice in self._notifications:  # unless the reviewer dismissed it already
            self._unnotify(notice)


def _runner(node: object, action: str):
    async def run() -> None:
        await node.run_action(action)  # type: ignore[attr-defined]

    return run
