"""The playhead line under the header: where playing is (position / length), which channel,
whether the transcript follows it, and a waveform of the whole call drawn from the recording's
peaks, with the played part, the playhead and each turn's start marked.

A second line says what is going on when something is (fetching, no audio device, an error).
Everything shown is polytui's own text or numbers, except the file name in a status, which is
cleaned. Drawing is cheap (one ``Content`` of the widget's width): the peaks are worked out
elsewhere, off the event loop, and ``show`` redraws only when what is seen changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from textual.content import Content
from textual.widget import Widget

from polytui.core.facts import format_offset
from polytui.core.text import clean_line

LEVELS = "▁▂▃▄▅▆▇█"
QUIET = "·"
TURN_MARK = "│"  # a turn's start, where turns are at least MARK_SPACING columns apart on average
MARK_SPACING = 3
PLAYING, PAUSED = "►", "‖"  # one cell wide in every terminal (no emoji presentation)
CHANNELS = {"combined": "both sides", "user": "caller only", "agent": "agent only"}


@dataclass(frozen=True)
class PlayheadState:
    position: float = 0.0  # seconds
    length: float = 0.0  # seconds; 0 until the recording is known
    playing: bool = False
    channel: str = "combined"
    follow: bool = False
    peaks: tuple[float, ...] = ()
    starts: tuple[float, ...] = ()  # each turn's start, seconds
    current: tuple[float, float] | None = None  # the cursor turn's span, seconds
    status: str = ""  # a sentence under the line ("" = none)
    status_is_problem: bool = False


def waveform(peaks: Sequence[float], width: int) -> list[int]:
    """``peaks`` squeezed (the mean of each group: how much of a column is sound) or stretched
    to ``width`` levels 0-8, scaled to the loudest column (0: silence throughout)."""
    if width <= 0 or not peaks:
        return [0] * max(0, width)
    count = len(peaks)
    means: list[float] = []
    for column in range(width):
        first = column * count // width
        last = max(first + 1, (column + 1) * count // width)
        group = peaks[first:last]
        means.append(sum(group) / len(group))
    loudest = max(means) or 1.0
    return [0 if m <= 0.0 else max(1, round(m / loudest * len(LEVELS))) for m in means]


class Playhead(Widget):
    DEFAULT_CSS = """
    Playhead { height: auto; padding: 0 1; background: $panel; }
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self.state = PlayheadState()

    def show(self, **changes: object) -> None:
        """Change what is shown (``PlayheadState``'s fields); redraws only when something
        visible changed (a position within the same second and column does not)."""
        old = self.state
        self.state = replace(old, **changes)  # type: ignore[arg-type]
        if self._seen(self.state) != self._seen(old):
            self.refresh(layout=self.state.status != old.status)

    def _seen(self, state: PlayheadState) -> tuple[object, ...]:
        width = max(1, self.size.width - 30)
        column = int(state.position / state.length * width) if state.length else -1
        return (
            int(state.position),
            column,
            state.length,
            state.playing,
            state.channel,
            state.follow,
            state.peaks,
            state.starts,
            state.current,
            state.status,
        )

    def render(self) -> Content:
        state = self.state
        icon = PLAYING if state.playing else PAUSED
        time = f"{format_offset(state.position)} / {format_offset(state.length)}"
        label = f"{icon} {time}  {CHANNELS.get(state.channel, state.channel)}"
        if state.follow:
            label += " · follow"
        width = self.size.width - len(label) - 2
        parts: list[Content | tuple[str, str] | str] = [(label, "bold"), "  "]
        if width >= 8 and state.length > 0:
            parts.append(self._wave(state, width))
        line = Content.assemble(*parts)
        if not state.status:
            return line
        style = "$text-warning" if state.status_is_problem else "$text-muted"
        return Content("\n").join([line, Content.styled(clean_line(state.status), style)])

    @staticmethod
    def _wave(state: PlayheadState, width: int) -> Content:
        levels = waveform(state.peaks, width) if state.peaks else [0] * width
        per = state.length / width
        head = min(width - 1, int(state.position / per))
        marks = {min(width - 1, int(start / per)) for start in state.starts}
        drawn = len(marks) * MARK_SPACING <= width  # else too dense to draw: coloured only
        current = state.current
        pieces: list[tuple[str, str]] = []
        for column, level in enumerate(levels):
            glyph = LEVELS[level - 1] if level else QUIET
            if column == head:
                style = "reverse bold $accent"
            elif column in marks:
                glyph = TURN_MARK if drawn else glyph
                style = "bold $secondary"
            elif column < head:
                style = "$accent"
            else:
                style = "$text-muted"
            if current is not None and current[0] <= column * per < current[1]:
                style += " on $boost"
            pieces.append((glyph, style))
        return Content.assemble(*pieces)
