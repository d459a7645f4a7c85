"""Date-times as the API writes them: no pydantic here, so the command line can show them
without loading the API models (``polytui.models`` re-exports ``parse_datetime``)."""

from __future__ import annotations

from datetime import UTC, datetime


def parse_datetime(value: str | None) -> datetime | None:
    """Parse an ISO 8601 date-time as the API sends it; None when absent or unreadable."""
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
        parsed = parsed.replace(tzinfo=UTC)
    return parsed
