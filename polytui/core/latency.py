"""The latency bands: how long an answer may take before a turn reads as slow. A rule about a
call, kept apart from ``polytui.core.facts`` (which re-exports it) so that reading the settings
loads no more than it needs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from .numbers import finite

Band = Literal["good", "warn", "slow"]


@dataclass(frozen=True)
class LatencyBands:
    """How long an answer may take: under ``good`` seconds is good, under ``warn`` is worth a
    look, anything longer is slow (and marks the turn SLOW)."""

    good: float = 1.5
    warn: float = 3.0

    def band(self, seconds: Any) -> Band | None:
        """The band of a latency in seconds; None when it is not a known number."""
        value = finite(seconds)
        if value is None:
            return None
        if value < self.good:
            return "good"
        if value < self.warn:
            return "warn"
        return "slow"

    def slow(self, seconds: Any) -> bool:
        return self.band(seconds) == "slow"


DEFAULT_BANDS = LatencyBands()
