"""The start screen: a conversation-ID input with the focus (bare ID or pasted Studio URL), the
agent and region when they are not configured, and the demo's sample calls."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from ...config import REGION_HOSTS, normalise_region
from ...errors import UsageError
from ...ids import parse_studio_url, validate_conversation_id
from ...models import Conversation
from ...text import clean_line

if TYPE_CHECKING:
    from ..app import PolyTUI


def sample_label(data: dict) -> Content:
    """One line describing a sample call: ID, channel, turns, summary heading."""
    conversation = Conversation.from_data(data)
    summary = conversation.summary
    heading = summary.heading or summary.content if summary else ""
    parts = [
        (clean_line(conversation.conversation_id), "bold"),
        "  ",
        (f"{clean_line(conversation.channel or '?'):<9}", "$text-muted"),
        f" {len(conversation.turn_list):>5} turns  ",
    ]
    if conversation.live:
        parts.append(("LIVE ", "bold $warning"))
    parts.append(clean_line(heading)[:60])
    return Content.assemble(*parts)


class StartScreen(Screen[None]):
    HELP_TITLE = "Start"
    BINDINGS = [
        Binding("escape", "clear", "Clear", show=False),
    ]

    @property
    def polytui(self) -> PolyTUI:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        settings = self.polytui.settings
        with Vertical(id="start"):
            yield Static(Content.styled("polytui", "bold $accent"), id="start-title")
            yield Static(
                Content(
                    "Review PolyAI calls and chats. Type or paste a conversation ID or a Studio link."
                ),
                id="start-intro",
            )
            yield Input(placeholder="Conversation ID or Studio URL", id="conversation-id")
            with Horizontal(id="start-settings"):
                yield Label("Agent", classes="field-label")
                yield Input(
                    value=settings.agent or "",
                    placeholder="PROJECT-... (agent ID)",
                    id="agent",
                )
                yield Label("Region", classes="field-label")
                yield Select(
                    [(name, name) for name in REGION_HOSTS],
                    value=settings.region,
                    allow_blank=False,
                    id="region",
                )
            yield Static("", id="start-error")
            if self.polytui.samples:
                yield Label("Sample calls (Enter opens)", id="samples-title")
                yield OptionList(
                    *[
                        Option(sample_label(sample), id=sample["conversationId"])
                        for sample in self.polytui.samples
                    ],
                    id="samples",
                )
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#conversation-id", Input).focus()

    def on_screen_resume(self) -> None:
        self.query_one("#conversation-id", Input).focus()

    def _error(self, message: str) -> None:
        self.query_one("#start-error", Static).update(Content.styled(message, "$error"))

    @on(Input.Submitted, "#conversation-id")
    def _submit_id(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        if not value:
            self._error("Type a conversation ID first.")
            return
        try:
            link = parse_studio_url(value)
            if link is not None:
                self._apply_link(link.project, link.region, link.account)
                conversation_id = link.conversation_id
            else:
                conversation_id = validate_conversation_id(value)
        except UsageError as exc:
            self._error(str(exc))
            return
        self._error("")
        self._apply_agent()
        self.polytui.open_conversation(conversation_id)

    def _apply_link(self, project: str, region: str, account: str) -> None:
        self.query_one("#agent", Input).value = project
        # An unknown Studio region keeps the region selected.
        with contextlib.suppress(UsageError):
            self.query_one("#region", Select).value = normalise_region(region)
        self.polytui.update_settings(account=account)

    def _apply_agent(self) -> None:
        agent = self.query_one("#agent", Input).value.strip() or None
        region = self.query_one("#region", Select).value
        changes: dict[str, object] = {"agent": agent}
        if isinstance(region, str):
            changes["region"] = region
        self.polytui.update_settings(**changes)

    @on(Input.Submitted, "#agent")
    def _submit_agent(self) -> None:
        self._apply_agent()
        self.query_one("#conversation-id", Input).focus()

    @on(Select.Changed, "#region")
    def _region_changed(self) -> None:
        self._apply_agent()

    @on(OptionList.OptionSelected, "#samples")
    def _open_sample(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.polytui.open_conversation(event.option.id)

    def action_clear(self) -> None:
        box = self.query_one("#conversation-id", Input)
        box.value = ""
        box.focus()
        self._error("")
