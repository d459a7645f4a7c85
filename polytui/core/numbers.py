"""Numbers from the API made safe to show: one reading of "a finite number or unknown", the
percentiles and the (p50, p95, max) latency summary, and a call's length as a clock (re-exported
by ``polytui.core.facts``: here so that ``cache list`` loads no more than it prints). The store,
the exports and the app all use it."""

from __future__ import annotations

import math


def finite(value: object) -> float | None:
    """``value`` as a finite float; None when absent, not a number (a bool neither), NaN, an
    infinity, or an integer beyond a float's range (JSON allows any size)."""
    if type(value) is float:  # the common case, first
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def percentile(values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile (p50, p95, ...) of ``values``; None for an empty list."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.4999)))
    return ordered[rank - 1]


def latency_summary(latencies: list[float | None]) -> tuple[float, float, float] | None:
    """(p50, p95, max) of the known latencies (None entries skipped); None when none is known."""
    known = sorted(value for value in latencies if value is not None)
    if not known:
        return None
    p50, p95 = percentile(known, 50), percentile(known, 95)
    assert p50 is not None and p95 is not None
    return p50, p95, known[-1]


def format_clock(seconds: float | None) -> str:
    """A call's length as a clock: ``m:ss``, ``h:mm:ss`` past an hour (``18:26:28``, never
    ``1106:28``); "" when unknown or negative. The one way a list writes a length."""
    value = finite(seconds)
    if value is None or value < 0:
        return ""
    minutes, secs = divmod(int(round(value)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
