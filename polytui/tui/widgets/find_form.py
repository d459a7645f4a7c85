"""The Find view's filter form: a time window with presets, environment, channel, variant, in
progress, handed off, what was said (words or meaning, in whose turns) and a sample size.

``filters()`` reads it into a ``ListFilter`` (UsageError, one sentence, when the values cannot
go together); ``set_filters`` fills it from one (the remembered filters). Enter in any box
submits (``Submitted``). Times are kept as typed: a preset writes ``yesterday``, not a date,
so remembered filters mean the same thing tomorrow.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Label, Select

from polytui.core.listing import CLIENT_ENVS, MAX_SAMPLE, ListFilter

#: preset id -> (label, since, until)
PRESETS: dict[str, tuple[str, str | None, str | None]] = {
    "24h": ("Last 24 hours", "24h", None),
    "today": ("Today", "today", None),
    "yesterday": ("Yesterday", "yesterday", "yesterday"),
    "7d": ("Last 7 days", "7d", None),
    "30d": ("Last 30 days", "30d", None),
    "any": ("Any time", None, None),
    "custom": ("As typed", None, None),  # the Since and Until boxes beside it
}
DEFAULT_PRESET = "24h"
_ANY = "any"


def preset_for(since: str | None, until: str | None) -> str:
    for key, (_, start, end) in PRESETS.items():
        if key != "custom" and (start, end) == (since, until):
            return key
    return "custom"


NARROW = 100  # columns under which each row of the form splits in two
SHORT = 30  # rows under which the form loses the blank rows between its rows


class FindForm(Vertical):
    """The filters, in three compact rows (six when narrow: each row's two halves)."""

    DEFAULT_CSS = """
    FindForm { height: auto; }
    FindForm > .find-row { height: 1; margin-bottom: 1; }
    FindForm .find-half { height: 1; width: 1fr; }
    FindForm.-narrow > .find-row { layout: vertical; height: auto; }
    FindForm.-short > .find-row { margin-bottom: 0; }
    FindForm Label { width: auto; padding: 0 1 0 0; color: $text-muted; }
    FindForm Input { width: 1fr; margin-right: 2; }
    FindForm Select { width: 22; margin-right: 2; }
    FindForm #find-when { width: 21; }
    FindForm #find-env { width: 18; }
    FindForm #find-by { width: 14; }
    FindForm #find-turn { width: 18; }
    FindForm #find-sample { width: 7; }
    FindForm #find-go { min-width: 8; width: auto; height: 1; border: none; }
    """

    class Submitted(Message):
        """Enter in a box, or the Find button: list with these filters."""

    def compose(self) -> ComposeResult:
        with Horizontal(classes="find-row"):
            with Horizontal(classes="find-half"):
                yield Label("When")
                yield Select(
                    [(label, key) for key, (label, _, _) in PRESETS.items()],
                    value=DEFAULT_PRESET,
                    allow_blank=False,
                    compact=True,
                    id="find-when",
                )
                yield Label("Since")
                yield Input(
                    placeholder="24h, 7d, yesterday, 2025-01-06", compact=True, id="find-since"
                )
            with Horizontal(classes="find-half"):
                yield Label("Until")
                yield Input(placeholder="(now)", compact=True, id="find-until")
                yield Select(
                    [("in progress or not", _ANY), ("in progress", "live"), ("finished", "done")],
                    value=_ANY,
                    allow_blank=False,
                    compact=True,
                    id="find-status",
                )
        with Horizontal(classes="find-row"):
            with Horizontal(classes="find-half"):
                yield Label("Env")
                yield Select(
                    [("live (default)", _ANY)]
                    + [(env, env) for env in CLIENT_ENVS if env != "live"],
                    value=_ANY,
                    allow_blank=False,
                    compact=True,
                    id="find-env",
                )
                yield Label("Channel")
                yield Input(placeholder="VOICE-SIP, WEBCHAT", compact=True, id="find-channel")
            with Horizontal(classes="find-half"):
                yield Label("Variant")
                yield Input(placeholder="name", compact=True, id="find-variant")
                yield Select(
                    [("handed off or not", _ANY), ("handed off", "yes"), ("not handed off", "no")],
                    value=_ANY,
                    allow_blank=False,
                    compact=True,
                    id="find-handoff",
                )
        with Horizontal(classes="find-row"):
            with Horizontal(classes="find-half"):
                yield Label("Said")
                yield Input(placeholder="words in the transcript", compact=True, id="find-query")
                yield Select(
                    [("by words", "words"), ("by meaning", "meaning")],
                    value="words",
                    allow_blank=False,
                    compact=True,
                    id="find-by",
                )
            with Horizontal(classes="find-half"):
                yield Select(
                    [
                        ("anyone's turns", _ANY),
                        ("caller's turns", "user"),
                        ("agent's turns", "agent"),
                    ],
                    value=_ANY,
                    allow_blank=False,
                    compact=True,
                    id="find-turn",
                )
                yield Label("Sample")
                yield Input(placeholder="N", restrict=r"\d{0,5}", compact=True, id="find-sample")
                yield Button("Find", id="find-go", compact=True, variant="primary")

    def on_resize(self) -> None:
        self.set_class(self.size.width < NARROW, "-narrow")
        self.set_class(self.app.size.height < SHORT, "-short")

    def on_mount(self) -> None:
        self._apply_preset(DEFAULT_PRESET)  # the boxes say what the preset means

    # -- reading and filling -----------------------------------------------------------------------

    def _input(self, name: str) -> Input:
        return self.query_one(f"#find-{name}", Input)

    def _select(self, name: str) -> Select[str]:
        return self.query_one(f"#find-{name}", Select)

    def _choice(self, name: str) -> str:
        value = self._select(name).value
        return value if isinstance(value, str) else _ANY

    def filters(self) -> ListFilter:
        """The form as a ``ListFilter``; UsageError when it cannot be one."""
        status, handoff = self._choice("status"), self._choice("handoff")
        sample = self._input("sample").value.strip()
        channels = tuple(c.strip() for c in self._input("channel").value.split(",") if c.strip())
        turn = self._choice("turn")
        return ListFilter(
            since=self._input("since").value or None,
            until=self._input("until").value or None,
            environment=None if self._choice("env") == _ANY else self._choice("env"),
            channels=channels,
            variant=self._input("variant").value or None,
            in_progress=None if status == _ANY else status == "live",
            handoff=None if handoff == _ANY else handoff == "yes",
            query=self._input("query").value or None,
            semantic=self._choice("by") == "meaning" and bool(self._input("query").value.strip()),
            turn=None if turn == _ANY or not self._input("query").value.strip() else turn,
            sample=min(int(sample), MAX_SAMPLE) if sample else None,
        )

    def set_filters(self, filters: ListFilter) -> None:
        """Fill the form from ``filters`` (the remembered ones); the preset follows the window."""
        self._select("when").value = preset_for(filters.since, filters.until)
        self._input("since").value = filters.since or ""
        self._input("until").value = filters.until or ""
        self._select("env").value = filters.environment or _ANY
        self._input("channel").value = ", ".join(filters.channels)
        self._input("variant").value = filters.variant or filters.variant_id or ""
        progress = filters.in_progress
        self._select("status").value = _ANY if progress is None else "live" if progress else "done"
        handoff = filters.handoff
        self._select("handoff").value = _ANY if handoff is None else "yes" if handoff else "no"
        self._input("query").value = filters.query or ""
        self._select("by").value = "meaning" if filters.semantic else "words"
        self._select("turn").value = filters.turn or _ANY
        self._input("sample").value = str(filters.sample) if filters.sample else ""

    # -- presets and submitting ----------------------------------------------------------------------

    def _apply_preset(self, key: str) -> None:
        if key not in PRESETS or key == "custom":
            return
        _, since, until = PRESETS[key]
        self._input("since").value = since or ""
        self._input("until").value = until or ""

    @on(Select.Changed, "#find-when")
    def _preset_chosen(self, event: Select.Changed) -> None:
        # Only a preset the reviewer chose writes the window; one set to follow what was typed
        # (or the remembered filters) leaves the boxes alone, however late its message comes.
        if isinstance(event.value, str) and self._select("when").has_focus_within:
            self._apply_preset(event.value)

    @on(Input.Changed, "#find-since, #find-until")
    def _window_typed(self) -> None:
        key = preset_for(self._input("since").value or None, self._input("until").value or None)
        if self._select("when").value != key:
            self._select("when").value = key

    @on(Input.Submitted)
    @on(Button.Pressed, "#find-go")
    def _submit(self, event: Message) -> None:
        event.stop()
        self.post_message(self.Submitted())
