"""One conversation: header, virtual transcript, metrics and function-event panels, and the
reviewer's keys. Loading runs in an exclusive worker: leaving the screen or opening another ID
cancels it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.await_complete import AwaitComplete
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.widgets import Input, Label, Static

from polytui.core.errors import PolytuiError, unexpected_error
from polytui.core.text import clean_line
from polytui.loader import Loaded, describe_age
from polytui.tui.keys import bind
from polytui.tui.messages import ConversationLoaded, LoadFailed
from polytui.tui.panel_data import functions_view, metrics_view
from polytui.tui.widgets.call_header import CallHeader
from polytui.tui.widgets.key_footer import KeyFooter
from polytui.tui.widgets.loading import error_page
from polytui.tui.widgets.playhead import Playhead
from polytui.tui.widgets.search_bar import SearchBar
from polytui.tui.widgets.transcript import TranscriptView

from .conversation_view import COPIED, CallViewActions
from .listening import AUDIO_ACTIONS, AUDIO_BINDINGS, Listening
from .note_actions import NoteActions
from .queue_review import QUEUE_ACTIONS, QueueReview, turn_notes
from .reading_on import ReadingOn

if TYPE_CHECKING:
    from polytui.core.models import Conversation
    from polytui.tui.app import PolyTUI
    from polytui.tui.queue_session import QueueSession
    from polytui.tui.widgets.json_tree import JsonTree
    from polytui.workspace import OpenedCall

# Widgets of the panels, the footer and the loading state are imported where they are first
# made: a call opened from the store paints its first frame without them.

WIDE = 120  # columns from which the side panels show by default
TALL = 30  # rows from which the header shows in full by default (one line below)
NEEDS_CALL = frozenset(
    {
        "search", "match", "go_to", "flag", "translations", "heard", "panels", "header",
        "copy_turn", "open_link", "open_studio", "export", "add_note", "add_call_note",
        "edit_note", "delete_note", "label_turn",
    } | AUDIO_ACTIONS
)  # fmt: skip


class ConversationScreen(CallViewActions, QueueReview):
    HELP_TITLE = "Reviewing a conversation"
    BINDINGS = [
        # A priority binding runs when `/` arrives, before the keys typed after it are handed
        # to the focused widget: so a burst ("/refund") goes into the search line, not to r, e, n.
        bind(
            "find",
            "search",
            "Search",
            tooltip="Search this call (Enter: the next match)",
            priority=True,
        ),
        bind("next_match", "match(1)", "Next match", show=False),
        bind("previous_match", "match(-1)", "Previous match", show=False),
        bind("go_to", "go_to", "Go to turn", show=False),
        bind("next_flagged", "flag(1)", "Next flagged"),
        bind("previous_flagged", "flag(-1)", "Previous flagged", show=False),
        bind("add_note", "add_note", "Add note"),
        bind("add_call_note", "add_call_note", "Note on the call", show=False),
        bind("edit_note", "edit_note", "Edit note"),
        bind(
            "label_turn",
            "label_turn",
            "Label the turn",
            show=False,
            tooltip="Label the selected turn with one of Studio's labels: pick it by its number",
        ),
        bind("delete", "delete_note", "Delete note"),
        bind("translations", "translations", "Translations"),
        bind("alternatives", "heard", "Alternatives heard (ASR)", show=False),
        bind("panels", "panels", "Panels"),
        bind("header", "header", "Header"),
        bind("copy", "copy_turn", "Copy turn", show=False),
        bind("copy_id", "copy_id", "Copy ID", show=False),
        bind("refresh", "refresh", "Refresh"),
        bind("open_audio", "open_link", "Open the recording (or Studio)", show=False),
        bind("open_studio", "open_studio", "Open in Studio", show=False),
        bind("export", "export", "Export"),
        *AUDIO_BINDINGS,
        bind("back", "back", "Back"),
    ]
    #: The footer's keys, most important first: it shows as many as fit, in this order.
    FOOTER_KEYS: tuple[str, ...] = (
        "help", "back", "queue_pass", "queue_fail", "queue_next", "find", "next_flagged",
        "add_note", "export", "quit", "edit_note", "delete", "queue_skip", "queue_flag",
        "queue_previous", "header", "translations", "panels", "refresh",
    )  # fmt: skip

    panels_open: reactive[bool | None] = reactive(None)  # None: decided by the width
    header_full: reactive[bool | None] = reactive(None)  # None: decided by the height

    def __init__(
        self,
        conversation_id: str,
        *,
        agent: str | None = None,
        turn: int | None = None,
        preloaded: OpenedCall | None = None,
        queue: QueueSession | None = None,
    ) -> None:
        """``preloaded``: the call (and its notes) already read from the store; the screen then
        opens on it, with no loading state first. Without it the screen loads in a worker.
        ``queue``: the review queue the call was opened from (its keys and line then show)."""
        # Classes set before mount cost no restyle of the whole screen.
        classes = {"-loading"} if preloaded is None else set()
        if queue is not None:
            classes.add("-queue")
        super().__init__(classes=" ".join(classes) or None)
        self.queue = queue
        self._drawn_ahead = {}
        self._headers_ahead = {}
        self._preloaded = preloaded
        self.conversation_id = conversation_id
        self.agent = agent
        self.initial_turn = turn
        self.loaded: Loaded | None = None
        self.note_actions = NoteActions(self)
        self.listening = Listening(self)
        self.reading_on = ReadingOn(self)
        self._deferred: AwaitComplete | None = None  # see _mount_deferred
        self._offers_note_edit = False  # A / x shown in the footer

    @property
    def polytui(self) -> PolyTUI:
        return self.app  # type: ignore[return-value]

    # -- layout -------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        """What the first frame shows: header, transcript, and the space of the side panels and
        of the footer. The panels' trees, the search bar and the footer's keys are mounted just
        after that frame (``_mount_deferred``) into the space kept for them: the first paint
        does not wait for them, and nothing moves when they come."""
        settings = self.polytui.settings
        wide = self.app.size.width >= WIDE  # as _apply_panels decides, before there are children
        self.update_classes({"-panels": wide, "-narrow": not wide})
        header = CallHeader(
            latency_good=settings.latency_good, latency_warn=settings.latency_warn, id="header"
        )
        header.set_reactive(CallHeader.compact, self.app.size.height < TALL)
        yield header
        yield Playhead(id="playhead")
        if self.queue is not None:
            yield Static("", id="queue-bar")
        yield Static("", id="call-notes")
        with Horizontal(id="body"):
            if self._preloaded is None:  # a call opened from the store never shows these
                from polytui.tui.widgets.loading import Loading, loading_text

                yield Loading(loading_text(self.conversation_id, settings), id="loading")
                yield Static("", id="error")
            yield TranscriptView(
                latency_good=settings.latency_good,
                latency_warn=settings.latency_warn,
                id="transcript",
            )
            yield Vertical(id="side")
        yield KeyFooter(id="footer")

    def on_mount(self) -> None:
        self.call_after_refresh(self._after_first_paint)
        if self._preloaded is not None:
            opened, self._preloaded = self._preloaded, None
            self._loaded(ConversationLoaded(opened, refreshed=False))
            return
        self.query_one("#header", CallHeader).display = False
        self.load()

    async def _after_first_paint(self) -> None:
        self.polytui.resume_collector()
        if not self.is_attached:
            return  # left (q pressed at the first frame): nothing more to mount
        await self._mount_deferred()
        self.refresh_bindings()  # the footer lists the keys once it listens for them

    def _mount_deferred(self) -> AwaitComplete:
        """Mount what the first frame does without (see ``compose``), filled from the call when
        it is loaded; once. Await the result before using the search bar or the trees."""
        if self._deferred is None:
            from polytui.tui.widgets.json_tree import JsonTree

            metrics = JsonTree("metrics", id="metrics")
            functions = JsonTree("function events", id="functions")
            if self.loaded is not None:
                metrics.set_data(metrics_view(self.loaded.conversation))
                functions.set_data(functions_view(self.loaded.conversation))
            side = self.query_one("#side", Vertical).mount_all(
                [
                    Label("Metrics", classes="panel-title"),
                    metrics,
                    Label("Function events", classes="panel-title"),
                    functions,
                ]
            )
            bar = self.mount(SearchBar(self._run_search, id="search-bar"), after="#body")
            self._deferred = AwaitComplete(side, bar)
        return self._deferred

    def on_unmount(self) -> None:
        self.listening.close()

    def on_resize(self) -> None:
        self._apply_panels()
        self._apply_header()

    def watch_header_full(self) -> None:
        self._apply_header()

    def _apply_header(self) -> None:
        full = self.size.height >= TALL if self.header_full is None else self.header_full
        self.query_one("#header", CallHeader).compact = not full

    def watch_panels_open(self) -> None:
        self._apply_panels()

    def _apply_panels(self) -> None:
        wide = self.size.width >= WIDE
        show = wide if self.panels_open is None else self.panels_open
        self.update_classes({"-panels": show, "-narrow": not wide})  # one restyle, not two
        # Never leave the focus on a pane that was just hidden: keys would act unseen.
        focused = self.focused
        if not show and focused is not None and focused in self.query("#side JsonTree"):
            self.transcript.focus()
        elif show and not wide and focused is self.transcript:
            self._focus_transcript_or_panel()

    def _focus_transcript_or_panel(self) -> None:
        """The transcript, or the metrics tree where the panels cover the transcript (narrow)."""
        if not (self.has_class("-narrow") and self.has_class("-panels")):
            self.transcript.focus()
        elif self._deferred is not None and self._deferred.is_done:
            self._tree("metrics").focus()
        else:
            self.call_after_refresh(self._focus_metrics)

    async def _focus_metrics(self) -> None:
        await self._mount_deferred()
        if self.has_class("-narrow") and self.has_class("-panels"):
            self._tree("metrics").focus()

    def _tree(self, name: str) -> JsonTree:
        """The metrics or function-events tree (there once ``_mount_deferred`` ran)."""
        from polytui.tui.widgets.json_tree import JsonTree

        return self.query_one(f"#{name}", JsonTree)

    # -- loading ------------------------------------------------------------------------------

    @work(exclusive=True, group="fetch", exit_on_error=False)
    async def load(self, *, refresh: bool = False) -> None:
        try:
            # A failed refresh must fail (the copy on screen stays), not return the stored copy.
            opened = await self.polytui.workspace.open(
                self.conversation_id,
                agent=self.agent,
                refresh=refresh or None,
                allow_stale=not refresh,
            )
        except PolytuiError as exc:
            self.post_message(LoadFailed(self.conversation_id, exc, refreshing=refresh))
            return
        except Exception as exc:  # a bug: one sentence (key redacted), and the app carries on
            error = unexpected_error(exc, self.polytui.settings.secrets)
            self.post_message(LoadFailed(self.conversation_id, error, refreshing=refresh))
            return
        self.post_message(ConversationLoaded(opened, refreshed=refresh))

    @on(ConversationLoaded)
    def _loaded(self, message: ConversationLoaded) -> None:
        loaded = message.loaded
        if loaded.conversation_id != self.conversation_id:
            return  # a load overtaken by a move to another call (a queue's next)
        self.drop_search()  # one under way was for the last copy (or call)
        self.loaded = loaded
        self.agent = loaded.agent
        self.update_classes({"-loading": False, "-failed": False})
        conversation = loaded.conversation
        stale = loaded.source == "stale"
        note = f"offline copy, fetched {describe_age(loaded.fetched_at)}" if stale else None
        drawn, header_drawn = self.drawn_for(conversation) if message.moved else (None, None)
        header = self.query_one("#header", CallHeader)
        header.display = True
        review = self.queue_item()
        if header_drawn is None or not header.show_ahead(
            header_drawn, source_note=note, review=review
        ):
            header.set_conversation(conversation, source_note=note, review=review)
        refreshed = message.refreshed
        cursor = self.transcript.cursor if refreshed else max(0, (self.initial_turn or 1) - 1)
        notes = message.opened.notes
        self.transcript.set_conversation(
            conversation,
            cursor=cursor,
            notes=turn_notes(conversation, notes),
            drawn=drawn,
        )
        self.reading_on.start(conversation, cursor)  # a long call: the rest of its turns
        self.note_actions.show(notes, message.opened.notes_error, inline=False)
        self.show_review()
        self.refresh_bindings()
        if self._deferred is not None:  # else the trees are filled when they are mounted
            if message.moved:  # the transcript first: the panels follow a frame later
                self.call_after_refresh(self._fill_panels, conversation)
            else:
                self._fill_panels(conversation)
        if not message.refreshed:  # a refresh leaves the focus where the reviewer put it
            self._focus_transcript_or_panel()
        if loaded.warning:
            self.notify(clean_line(loaded.warning), severity="warning", timeout=8, markup=False)
        elif message.refreshed:
            self.notify("Refreshed from the API.", timeout=3)
        if conversation.live:  # what is new since comes with r; the footer offers it first
            self.FOOTER_KEYS = ("help", "back", "refresh", *type(self).FOOTER_KEYS[2:])
            if not message.refreshed:
                self.notify(
                    "This call is still in progress: r fetches what happened since.", timeout=6
                )
        else:
            self.FOOTER_KEYS = type(self).FOOTER_KEYS

    def _fill_panels(self, conversation: Conversation) -> None:
        if self.loaded is not None and self.loaded.conversation is conversation:
            self._tree("metrics").set_data(metrics_view(conversation))
            self._tree("functions").set_data(functions_view(conversation))

    def fill_panels_now(self, conversation: Conversation) -> None:
        """The panels again (a long call's are whole once its turns are all read)."""
        if self._deferred is not None:  # else they are filled when they are mounted
            self._fill_panels(conversation)

    def show_loading(self) -> None:
        """The loading state (made when the screen opened with its call)."""
        from polytui.tui.widgets.loading import Loading, loading_text

        self.drop_search()  # one under way was for the last call
        text = loading_text(self.conversation_id, self.polytui.settings)
        found = next(self.query("#loading").results(Loading), None)
        if found is None:
            self.query_one("#body").mount(Loading(text, id="loading"), before="#transcript")
        else:
            found.say(text)
        self.update_classes({"-loading": True, "-failed": False})

    @on(LoadFailed)
    def _failed(self, message: LoadFailed) -> None:
        if message.conversation_id != self.conversation_id:
            return
        error = message.error
        if message.refreshing and self.loaded is not None:
            # Keep what is on screen: a failed refresh never replaces a good copy.
            self.notify(
                clean_line(str(error)),
                title="Refresh failed",
                severity="error",
                timeout=10,
                markup=False,
            )
            return
        self.update_classes({"-loading": False, "-failed": True})
        page = error_page(error, offline=self.polytui.settings.offline)
        error_view = next(self.query("#error").results(Static), None)
        if error_view is None:  # composed only on a screen that opened without the call
            error_view = Static("", id="error")
            self.query_one("#body").mount(error_view, before="#transcript")
        error_view.update(page)

    def on_json_tree_copy_requested(self, message: JsonTree.CopyRequested) -> None:
        message.stop()
        self.app.copy_to_clipboard(message.text)
        self.notify(f"Copied {clean_line(message.text)[:60]}", timeout=COPIED, markup=False)

    # -- actions ------------------------------------------------------------------------------

    def _ready(self) -> bool:
        return self.loaded is not None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keys that act on a loaded call are hidden (and inert) while loading or after an
        error, so the footer offers only what works: refresh, copy ID, back. The queue's keys
        exist on a call opened from a queue, and work while its next call loads."""
        if action in QUEUE_ACTIONS:
            return self.queue_action_allowed(action)
        if action == "search" and isinstance(self.focused, Input):
            return False  # `/` typed into the search line (or any text field) is text
        return self._ready() or action not in NEEDS_CALL

    def footer_offers(self, key_id: str) -> bool:
        """Edit and delete show in the footer only where there is a note to act on (the
        cursor turn's or a whole-call one), refresh only where the network may be used;
        pressed elsewhere they say why nothing happens."""
        if key_id in ("edit_note", "delete"):
            return self._note_edit_offered()
        if key_id == "refresh":
            return not self.polytui.settings.offline
        return True

    def _note_edit_offered(self) -> bool:
        self._offers_note_edit = self._ready() and bool(self.note_actions.choices())
        return self._offers_note_edit

    @on(TranscriptView.CursorMoved)
    def _cursor_moved(self, message: TranscriptView.CursorMoved) -> None:
        self._show_position()
        if self._ready() and bool(self.note_actions.choices()) != self._offers_note_edit:
            self.refresh_bindings()
        self.listening.cursor_moved()

    @on(TranscriptView.CountChanged)
    def _count_changed(self) -> None:
        self._show_position()

    def _show_position(self) -> None:
        """``turn 7/5000`` at the footer's right, and a count being typed (``37_``)."""
        view = self.transcript
        count = view.pending_count
        position = f"turn {view.cursor + 1}/{view.turn_count}" if view.turn_count else ""
        self.query_one("#footer", KeyFooter).status = f"{count}_  {position}" if count else position

    def action_refresh(self) -> None:
        if self.polytui.settings.offline:
            self.notify(
                "Offline: polytui does not touch the network.", severity="warning", timeout=4
            )
            return
        if self.loaded is None:
            self.show_loading()
            self.load()
            return
        self.notify("Refreshing from the API…", timeout=2)
        self.load(refresh=True)

    def action_listen(self) -> None:
        if self._ready():
            self.listening.listen()

    def action_stop_audio(self) -> None:
        self.listening.stop()

    def action_seek(self, direction: int) -> None:
        self.listening.seek(direction)

    def action_channel(self) -> None:
        if self._ready():
            self.listening.cycle_channel()

    def action_follow(self) -> None:
        self.listening.toggle_follow()

    def action_export(self) -> None:
        if not self._ready():
            return
        from .export import ExportScreen

        assert self.loaded is not None
        self.app.push_screen(ExportScreen(self.loaded, self.polytui.settings))

    def _focus_transcript(self) -> None:
        """Focus the transcript, closing the panels first where they cover it (narrow)."""
        if self.has_class("-narrow") and self.has_class("-panels"):
            self.panels_open = False
        self.set_focus(self.transcript)  # at once (Widget.focus waits for the next message)
