"""Date-times as the API writes them, read on their own so that the command line can show them
without reading a whole call (``polytui.core.models`` re-exports ``parse_datetime``)."""

from __future__ import annotations

from datetime import UTC, datetime


def parse_datetime(value: str | None) -> datetime | None:
    """Parse an ISO 8601 date-time as the API sends it; None when absent or unreadable, or
    when its offset puts it outside the years 1-9999 in UTC (such a time cannot be compared,
    sorted or shown in UTC)."""
    if not value:
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    try:
        parsed.astimezone(UTC)
    except OverflowError:
        return None
    return parsed
