"""Find: list the agent's calls through the API by filter, and open or fetch them.

The form's filters start a listing (``polytui.core.listing.ListingRun``); its first page shows
at once and the next pages are listed as the table scrolls near its end, never all at once.
Every page is kept in the store as it arrives, so the listing reopens offline (a banner says
when it was made), and the filters are remembered. Enter opens a call (fetched and stored); a
mark shows the calls already stored; ``A`` fetches every call of the listing with progress.
All network and store work goes through the workspace, in workers.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Input, Label, ProgressBar, Static

from polytui.core.errors import AuthError, PolytuiError
from polytui.core.listed import ListedCall
from polytui.core.listing import ListFilter, ListingRun, split_unapplied
from polytui.core.text import clean_line
from polytui.loader import describe_age
from polytui.tui.keys import bind
from polytui.tui.widgets.find_form import SHORT, FindForm
from polytui.tui.widgets.found_table import FoundTable
from polytui.tui.widgets.key_footer import KeyFooter

if TYPE_CHECKING:
    from polytui.tui.app import PolyTUI

LISTING = "find"  # the name of the Find view's kept listing and remembered filters
PAGE_SIZE = 100
FETCH_AT_ONCE = 8
EMPTY = "Choose filters above and press Enter to list the agent's calls."
NONE_MATCH = "No calls match these filters. Change them above (ctrl+l) and press Enter."


class FindScreen(Screen[None]):
    HELP_TITLE = "Find calls"
    BINDINGS = [
        bind(
            "fetch_all",
            "fetch_all",
            "Fetch all",
            tooltip="Fetch and store every call of the listing (all its pages), for offline review",
        ),
        bind(
            "refresh",
            "relist",
            "List again",
            tooltip="List again with the form's filters (a fresh window)",
        ),
        bind(
            "list_more",
            "more",
            "List more",
            show=False,
            tooltip="Try the next page again after a failure",
        ),
        bind("filters", "focus_form", "Filters", tooltip="Back to the filters"),
        bind(
            "queues",
            "queues",
            "Queue",
            tooltip="Review queues: open one, or make one of the whole listing",
        ),
        bind(
            "back",
            "back",
            "Back",
            tooltip="Stop a fetch, then from the list to the filters, then to the start screen",
        ),
    ]
    FOOTER_KEYS = ("help", "back", "open", "filters", "fetch_all", "refresh", "queues", "quit")

    def __init__(self) -> None:
        super().__init__()
        self.run: ListingRun | None = None
        self.agent: str | None = None  # whose calls are listed
        self._fetching = False
        self._typed = False
        self._to_results = False  # the first calls a listing brings take the focus

    @property
    def polytui(self) -> PolyTUI:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        with Vertical(id="find"):
            yield Static(self._title(), id="find-title")
            yield FindForm(id="find-form")
            yield Static("", id="find-error")
            yield Static("", id="find-banner")
            with Horizontal(id="found-bar"):
                yield Label("", id="found-status")
                yield ProgressBar(show_eta=False, id="found-progress")
            yield FoundTable(empty_text=EMPTY, id="found")
            yield Static("", id="found-detail")
        yield KeyFooter()

    def on_resize(self) -> None:
        self.set_class(self.size.height < SHORT, "-short")  # less air: the calls keep room

    def _title(self) -> Content:
        settings = self.polytui.settings
        agent = clean_line(settings.agent or "no agent set")
        where = (
            f"account {clean_line(settings.account)} on {clean_line(settings.platform_host)}"
            if settings.account
            else f"{clean_line(settings.host)} (no account: the Data API)"
        )
        return Content.assemble(
            ("Find calls", "bold $accent"), "  ", (f"agent {agent} · {where}", "$text-muted")
        )

    @property
    def form(self) -> FindForm:
        return self.query_one(FindForm)

    @property
    def table(self) -> FoundTable:
        return self.query_one(FoundTable)

    def on_mount(self) -> None:
        self.query_one("#found-progress").display = False
        self._error("")
        self.set_focus(self.query_one("#find-since", Input))
        self._restore()

    def on_key(self) -> None:
        self._typed = True  # the reviewer is at work: reopening a listing keeps the focus

    def on_screen_resume(self) -> None:
        """Back from a call: the marks follow what is stored now."""
        self._refresh_marks()

    # -- reopening what was kept ----------------------------------------------------------------

    @work(group="find-restore", exit_on_error=False)
    async def _restore(self) -> None:
        workspace = self.polytui.workspace.finder
        try:
            filters = await workspace.remembered_filters(LISTING)
            kept = await workspace.kept_listing(LISTING)
        except PolytuiError as exc:
            self._banner(Content.styled(clean_line(str(exc)), "$error"))
            return
        if self.run is not None:
            return  # a listing started meanwhile: it wins over what was kept
        if filters is not None and not self._typed:
            self.form.set_filters(filters)
        if kept is None or kept.agent != self.polytui.settings.agent:
            return
        self.agent = kept.agent
        run = self.run = ListingRun.resume(kept)
        stored = await self._stored_ids(kept.calls)
        if run is not self.run:
            return
        self.table.show(kept.calls, more=not self.run.done, stored=stored)
        when = describe_age(kept.made_at)
        self._banner(
            Content.assemble(
                ("Listed ", "$text-muted"),
                (when, "bold"),
                (f": {clean_line(kept.filters.describe())}. ", "$text-muted"),
                ("r lists again; stored calls (●) open offline.", "$text-muted"),
            )
        )
        self._status()
        if not self._typed:
            self.set_focus(self.table)

    # -- listing --------------------------------------------------------------------------------

    @on(FindForm.Submitted)
    def action_relist(self) -> None:
        try:
            filters = self.form.filters()
        except PolytuiError as exc:
            self._error(str(exc))
            return
        self._error("")
        self._start(filters)

    @work(group="find-pages", exclusive=True, exit_on_error=False)
    async def _start(self, filters: ListFilter) -> None:
        workspace = self.polytui.workspace.finder
        settings = self.polytui.settings
        if not settings.agent:
            self._error("Set the agent on the start screen first (or POLYAI_AGENT_ID).")
            return
        run = ListingRun.start(filters, now=datetime.now().astimezone(), page_size=PAGE_SIZE)
        self.workers.cancel_group(self, "find-restore")
        self.run, self.agent = run, settings.agent
        self._to_results = True
        self.table.show([], more=True)
        self.table.set_in_flight(True)
        self._banner(Content(""))
        try:
            await workspace.remember_filters(LISTING, filters)
        except PolytuiError as exc:  # not remembered: the listing still runs
            self.notify(clean_line(str(exc)), title="Store", severity="warning", markup=False)
        try:
            unapplied = await workspace.unapplied(filters)
            calls = await workspace.list_page(run)
        except PolytuiError as exc:
            self.table.failed(clean_line(str(exc)))
            self._status()
            return
        self._say_unapplied(run.unapplied or unapplied)
        made = datetime.now(UTC)
        kept = run.kept(LISTING, settings.agent, settings.platform_host, made)
        try:
            await workspace.keep_listing(replace(kept, calls=calls))
        except PolytuiError as exc:
            self.notify(clean_line(str(exc)), title="Store", severity="warning", markup=False)
        stored = await self._stored_ids(calls)
        self.table.empty_text = NONE_MATCH
        self.table.show(calls, more=not run.done, stored=stored)
        self._status()
        self._focus_results()

    @on(FoundTable.NeedMore)
    def _need_more(self) -> None:
        if self.run is not None and not self.run.done and not self._fetching:
            self._more()

    def action_more(self) -> None:
        self.table.problem = None
        self._need_more()

    @work(group="find-pages", exclusive=True, exit_on_error=False)
    async def _more(self) -> None:
        run = self.run
        if run is None or run.done:
            return
        self.table.set_in_flight(True)
        try:
            calls = await self._next_page(run)
        except PolytuiError as exc:
            self.table.failed(clean_line(f"{exc} (m tries again)"))
            return
        if run is not self.run:
            return
        stored = await self._stored_ids(calls)
        self.table.extend(calls, more=not run.done, stored=stored)
        self._status()
        self._focus_results()

    def _focus_results(self) -> None:
        """The first calls of a new listing take the focus (a source that filters nothing,
        the Data API, may bring them only on a later page)."""
        if self._to_results and self.table.calls:
            self._to_results = False
            self.set_focus(self.table)

    async def _next_page(self, run: ListingRun) -> tuple[ListedCall, ...]:
        """The next page of ``run``, kept with the listing as it arrives."""
        workspace = self.polytui.workspace.finder
        calls = await workspace.list_page(run)
        if run is self.run:
            try:
                await workspace.extend_listing(LISTING, calls, None if run.done else run.token)
            except PolytuiError as exc:
                self.notify(clean_line(str(exc)), title="Store", severity="warning", markup=False)
        return calls

    # -- marks, status, banner -------------------------------------------------------------------

    async def _stored_ids(self, calls: tuple[ListedCall, ...] | list[ListedCall]) -> set[str]:
        agent = self.agent or self.polytui.settings.agent or ""
        try:
            found = await self.polytui.workspace.finder.stored_among(
                [(agent, call.conversation_id) for call in calls]
            )
        except PolytuiError:
            return set()
        return {cid for _, cid in found}

    @work(group="find-marks", exclusive=True, exit_on_error=False)
    async def _refresh_marks(self) -> None:
        if self.table.calls:
            self.table.mark_stored(await self._stored_ids(self.table.calls))
            self._status()

    def _status(self, extra: str = "") -> None:
        table = self.table
        count = table.count
        text = f"{count:,} {'call' if count == 1 else 'calls'} listed"
        if self.run is not None and not self.run.done:
            text += ", more as you scroll"
        stored = len(table.stored & {c.conversation_id for c in table.calls})
        if count:
            text += f" · {stored:,} stored (●)"
        self.query_one("#found-status", Label).update(Content(text + extra))

    def _banner(self, content: Content) -> None:
        banner = self.query_one("#find-banner", Static)
        banner.update(content)
        banner.display = bool(content.plain)

    def _error(self, message: str) -> None:
        error = self.query_one("#find-error", Static)
        error.update(Content.styled(clean_line(message), "$error"))
        error.display = bool(message)

    def _say_unapplied(self, names: tuple[str, ...]) -> None:
        if not names:
            return
        here, dropped = split_unapplied(names)
        parts = ["No account is set, so the Data API lists every call of the agent"]
        if here:
            parts.append(f"polytui applies {', '.join(here)} to each itself")
        if dropped:
            parts.append(f"{', '.join(dropped)} cannot be applied")
        text = "; ".join(parts) + ". Set account (the Studio workspace ID) to filter in the API."
        self._banner(Content.styled(text, "$warning"))

    @on(FoundTable.Highlighted)
    def _highlighted(self, message: FoundTable.Highlighted) -> None:
        self.query_one("#found-detail", Static).update(detail_line(message.call))

    # -- opening and fetching -------------------------------------------------------------------

    @on(FoundTable.Selected)
    def _open(self, message: FoundTable.Selected) -> None:
        self.polytui.open_conversation(message.call.conversation_id, agent=self.agent)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "fetch_all":
            return bool(self.table.calls) and not self._fetching
        if action == "more":
            return self.table.problem is not None
        return True

    def action_fetch_all(self) -> None:
        if self.table.calls and not self._fetching:
            self._fetch_all()

    @work(group="find-fetch", exclusive=True, exit_on_error=False)
    async def _fetch_all(self) -> None:
        self._fetching = True
        self.refresh_bindings()
        bar = self.query_one("#found-progress", ProgressBar)
        try:
            run = self.run
            while run is not None and not run.done and run is self.run:
                self._status(" · listing the rest…")
                page = await self._next_page(run)
                self.table.extend(page, more=not run.done, stored=await self._stored_ids(page))
            calls = [c for c in self.table.calls if c.conversation_id not in self.table.stored]
            bar.update(total=len(calls), progress=0)
            bar.display = True
            failed = await self._fetch(calls, bar)
        except PolytuiError as exc:
            self.notify(clean_line(str(exc)), title="Fetch all", severity="error", markup=False)
            return
        finally:
            self._fetching = False
            bar.display = False
            self.refresh_bindings()
            self._refresh_marks()
        done = len(calls) - len(failed)
        message = f"Fetched {done:,} of {len(calls):,} calls; they open offline now."
        if failed:
            message += f" {len(failed):,} failed, e.g. {clean_line(failed[0])[:200]}"
        self.notify(
            message, title="Fetch all", severity="error" if failed else "information", markup=False
        )

    async def _fetch(self, calls: list[ListedCall], bar: ProgressBar) -> list[str]:
        """Fetch ``calls`` a few at a time (each kept by the workspace); the failures, as
        "<ID>: <reason>". A rejected key stops the rest (every request would be refused)."""
        workspace = self.polytui.workspace.finder
        queue: asyncio.Queue[ListedCall] = asyncio.Queue()
        for call in calls:
            queue.put_nowait(call)
        failed: list[str] = []
        stop = asyncio.Event()

        async def worker() -> None:
            while not stop.is_set() and not queue.empty():
                call = queue.get_nowait()
                try:
                    await workspace.fetch(call.conversation_id, agent=self.agent)
                except AuthError as exc:
                    failed.append(f"{call.conversation_id}: {exc}")
                    stop.set()
                except PolytuiError as exc:
                    failed.append(f"{call.conversation_id}: {exc}")
                bar.advance(1)

        await asyncio.gather(*(worker() for _ in range(min(FETCH_AT_ONCE, len(calls)) or 1)))
        await self.polytui.workspace.settled()  # the copies are stored before the marks are read
        return failed

    # -- a queue of the listing -----------------------------------------------------------------

    def action_queues(self) -> None:
        from .queues import MadeFrom, QueuePicker

        def chosen(name: str | None) -> None:
            if name:
                self.polytui.open_queue(name)

        count = self.table.count
        more = self.run is not None and not self.run.done
        described = clean_line(self.run.filters.describe()) if self.run else ""
        made_from = MadeFrom(
            count=count,
            what=f"{'call' if count == 1 else 'calls'} listed ({described})"
            + (" and the rest of the listing" if more else ""),
            source=f"listing {described}",
            read=self._whole_listing,
            empty="Nothing is listed: choose filters and press Enter first.",
        )
        self.app.push_screen(QueuePicker(made_from), chosen)

    async def _whole_listing(self) -> list[tuple[str, str]]:
        """Every call of the listing (the pages not listed yet are listed now, and kept)."""
        from polytui.core.queues import MAX_ITEMS

        self.workers.cancel_group(self, "find-pages")  # its page is asked again below
        run, agent = self.run, self.agent or self.polytui.settings.agent or ""
        while run is not None and not run.done and run is self.run:
            if self.table.count > MAX_ITEMS:
                break  # too many for a queue: making it says so
            try:
                page = await self._next_page(run)
            except PolytuiError as exc:
                self.table.failed(clean_line(f"{exc} (m tries again)"))
                raise
            self.table.extend(page, more=not run.done, stored=await self._stored_ids(page))
            self._status()
        return [(agent, call.conversation_id) for call in self.table.calls]

    # -- moving around --------------------------------------------------------------------------

    def action_focus_form(self) -> None:
        self.set_focus(self.query_one("#find-since", Input))

    def action_back(self) -> None:
        if self._fetching:
            self.workers.cancel_group(self, "find-fetch")
            self.notify("Fetching stopped; what was fetched is stored.", title="Fetch all")
            return
        if self.focused is self.table:
            self.action_focus_form()
            return
        self.app.pop_screen()


def detail_line(call: ListedCall | None) -> Content:
    """Under the table: the highlighted call's summary, handoff reason and environment."""
    if call is None:
        return Content("")
    parts = [Content.styled(clean_line(call.conversation_id), "bold")]
    if call.summary is not None and call.summary.one_line:
        parts.append(Content(clean_line(call.summary.one_line)))
    if call.handoff and call.handoff_reason:
        parts.append(Content.styled(f"handoff: {clean_line(call.handoff_reason)}", "$warning"))
    if call.environment:
        parts.append(Content.styled(clean_line(call.environment), "$text-muted"))
    return Content.styled(" · ", "$text-muted").join(parts)
