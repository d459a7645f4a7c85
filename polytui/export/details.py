"""What the real API adds to a call, read for the text, markdown, html and csv formats:
function events (under their turn, or in a section of their own when tied to no turn, where the
formats also show them as sent: they are rare and their shape is the least known) and metric
histories (latest value first). Studio reviews and speech recognition's alternatives are read
by ``polytui.core.facts``.

Pure, like ``common``: values returned here are raw text (not yet cleaned); each format cleans
and escapes for its medium.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from polytui.core.events import FunctionEvent
from polytui.core.models import Conversation, Metric
from polytui.core.readings import compact_json

from .common import format_datetime, format_number

_SCALARS = (str, int, float, bool, type(None))


# -- function events -----------------------------------------------------------------------------


@dataclass(frozen=True)
class EventView:
    """A function event as the formats show it: ``head`` (name, duration, failure) on one line,
    then (label, text) details; ``failed`` lets a format mark the failure."""

    head: str
    failed: bool
    error: str
    details: list[tuple[str, str]]


def event_duration(event: FunctionEvent) -> str:
    """``5012 ms``; "" when unknown."""
    shown = format_number(event.duration_ms)
    return f"{shown} ms" if shown else ""


def event_name(event: FunctionEvent) -> str:
    """``find_appointment (5012 ms)``, or the name alone when the duration is unknown."""
    duration = event_duration(event)
    return f"{event.name} ({duration})" if duration else event.name


def event_cell(event: FunctionEvent) -> str:
    """``name (ms)`` then `` FAILED: error`` when it failed (one line, for csv)."""
    text = event_name(event)
    return f"{text} FAILED: {event.error_text}" if event.failed else text


def _state_text(changes: dict[str, Any]) -> str:
    return "; ".join(f"{name} {compact_json(value)}" for name, value in changes.items())


def event_view(event: FunctionEvent, agent_text: str = "") -> EventView:
    """What to show of ``event``; its utterance is left out when it is ``agent_text`` (the
    turn's agent response already says it)."""
    details: list[tuple[str, str]] = []
    arguments = event.arguments
    if arguments not in (None, "", {}, []):
        details.append(("arguments", compact_json(arguments)))
    if event.handoff is not None:
        details.append(("handoff", event.handoff_text))
    changes = event.state_changes
    if changes:
        details.append(("state", _state_text(changes)))
    utterance = event.utterance
    if utterance and utterance.strip() != agent_text.strip():
        details.append(("utterance", utterance))
    return EventView(event_name(event), event.failed, event.error_text, details)


def loose_event_lead(event: FunctionEvent) -> str:
    """`` (turn 9, not in this copy)`` for an event keyed to a turn the copy lacks, else ""."""
    return f" (turn {event.turn}, not in this copy)" if event.turn is not None else ""


# -- the rest of a turn --------------------------------------------------------------------------


# -- metrics -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MetricView:
    """A metric as shown: its latest value and when, then its history (oldest first) when it
    has more than one reading."""

    name: str
    latest: str
    at: str
    history: list[str]


def _point_time(timestamp: str | None, at: Any) -> str:
    return format_datetime(at) if at is not None else (timestamp or "")


def _understood(metric: Metric) -> bool:
    points = metric.points
    if not points or not all(isinstance(point.value, _SCALARS) for point in points):
        return False
    return len(points) == 1 or all(point.timestamp for point in points)


def metric_views(conversation: Conversation) -> tuple[list[MetricView], bool]:
    """The metrics polytui understands (a value, or a history of ``{timestamp, value}``), and
    whether some part of ``metrics`` is not understood (then the formats also show it as sent).
    """
    value = conversation.metrics
    metrics = conversation.metric_list if isinstance(value, (dict, list)) else []
    views: list[MetricView] = []
    for metric in metrics:
        if not _understood(metric):
            continue
        latest = metric.points[-1]
        history: list[str] = []
        if len(metric.points) > 1:
            for point in metric.points:
                when = _point_time(point.timestamp, point.at)
                history.append(f"{point.text} at {when}" if when else point.text)
        views.append(
            MetricView(
                name=metric.name or "-",
                latest=latest.text,
                at=_point_time(latest.timestamp, latest.at),
                history=history,
            )
        )
    return views, len(views) != len(metrics) or not metrics


def metric_line(view: MetricView) -> str:
    """``73 at 2026-06-03 13:19:19 UTC; history: 57 at ..., 73 at ...`` (without the name)."""
    text = f"{view.latest} at {view.at}" if view.at else view.latest
    if view.history:
        text += "; history: " + ", ".join(view.history)
    return text
