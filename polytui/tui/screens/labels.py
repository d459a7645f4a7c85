"""`L` on a call: label the selected turn with one of Studio's labels, picked by its number
(1 good response, 2 bad response, 3 wrong information, 4 wrong transcription, 5 missing topic).
A bar at the bottom lists them; the number keys answer, Escape cancels."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from polytui.core.note import NOTE_LABELS
from polytui.tui.keys import bind


class LabelPicker(ModalScreen[str | None]):
    """Dismisses with the label picked (None: cancelled)."""

    HELP_TITLE = "Label the turn"
    DEFAULT_CSS = """
    LabelPicker { align: center bottom; background: $background 30%; }
    LabelPicker > Static {
        width: 100%; height: auto; padding: 0 1; background: $panel; border-top: tall $accent;
    }
    """
    BINDINGS = [
        *(
            Binding(str(n), f"pick({n})", label.capitalize(), id=f"label_{n}")
            for n, label in enumerate(NOTE_LABELS, start=1)
        ),
        bind("back", "pick(0)", "Cancel"),
        bind("label_turn", "pick(0)", "Cancel", show=False),
    ]

    def __init__(self, turn: int, labelled: set[str]) -> None:
        super().__init__()
        self._turn = turn
        self._labelled = labelled  # labels the turn has already: picking one removes it

    def compose(self) -> ComposeResult:
        parts: list[Content] = [Content.styled(f"Label turn {self._turn}: ", "bold")]
        for n, label in enumerate(NOTE_LABELS, start=1):
            style = "reverse" if label in self._labelled else ""
            parts.append(Content.assemble((f" {n} ", "bold $accent"), (label, style), "  "))
        parts.append(
            Content.styled("(a label the turn has goes again; Esc cancels)", "$text-muted")
        )
        yield Static(Content.assemble(*parts))

    def action_pick(self, number: int) -> None:
        self.dismiss(NOTE_LABELS[number - 1] if 1 <= number <= len(NOTE_LABELS) else None)
