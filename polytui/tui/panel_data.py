"""What the side panels' trees show: the call's metrics and function events arranged for a
reviewer (latest metric value first-class, events grouped by turn and named), with the
payload as sent kept beside them. Plain data for ``JsonTree``; no Textual here."""

from __future__ import annotations

from typing import Any

from polytui.core.dates import parse_datetime
from polytui.core.events import FunctionEvent
from polytui.core.models import Conversation
from polytui.core.readings import MetricPoint

AS_SENT = "as sent"


def _when(point: MetricPoint) -> str:
    at = point.at or parse_datetime(point.timestamp)
    return f"{at:%Y-%m-%d %H:%M:%S} UTC" if at is not None else (point.timestamp or "")


def metrics_view(conversation: Conversation) -> Any:
    """Each metric sent as a history of ``{timestamp, value}`` labelled by its latest value
    and time ("CALL_DURATION = 73 · 2026-06-03 13:19:19 UTC"), its history below; any other
    metric as sent. The metrics as sent when they are not an object."""
    raw = conversation.metrics
    if not isinstance(raw, dict):
        return raw
    view: dict[str, Any] = {}
    for metric in conversation.metric_list:
        value = raw.get(metric.name)
        latest = metric.latest
        is_history = (
            isinstance(value, list)
            and value
            and all(isinstance(p, dict) and "value" in p for p in value)
        )
        if not is_history or latest is None:
            view[metric.name] = value
            continue
        when = _when(latest)
        label = f"{metric.name} = {latest.text}" + (f" · {when}" if when else "")
        view[label] = value
    return view


def _named(events: list[FunctionEvent]) -> dict[str, Any]:
    named: dict[str, Any] = {}
    for event in events:
        label = event.name
        if event.duration_ms is not None:
            label += f" ({event.duration_ms:g} ms)"
        if event.failed:
            label += " FAILED"
        if event.handoff is not None:
            label += " handoff"
        key, count = label, 1
        while key in named:
            count += 1
            key = f"{label} #{count}"
        named[key] = event.raw
    return named


def functions_view(conversation: Conversation) -> Any:
    """Function events grouped by turn ("Turn 4") and labelled by name, then those tied to no
    turn, then everything as sent; None when the call has none."""
    by_turn = conversation.turn_function_events
    loose = conversation.loose_function_events
    raw = conversation.function_events
    if not by_turn and not loose:
        return raw
    view: dict[str, Any] = {f"Turn {n}": _named(by_turn[n]) for n in sorted(by_turn)}
    if loose:
        view["Not tied to a turn"] = _named(loose)
    view[AS_SENT] = raw
    return view
