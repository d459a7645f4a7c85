"""Moments and ages as reviewers type them: ``24h``, ``7d``, ``2w``, ``yesterday``, ``today``,
``now``, an ISO date (``2025-01-06``) or date-time (``2025-01-06T08:00``, ``...Z``).

One home for reading them (``polytui list --since``, the app's time presets, ``cache prune
--older-than``). Pure: the caller passes ``now`` (aware), so tests and a listing that must
send the same window on every page resolve the same way.

Days are the reviewer's own days: ``yesterday`` and a bare date are read in the time zone of
``now`` (the command line passes the local one). A day at the end of a window (``--until
yesterday``, ``--until 2025-01-06``) means the end of that day, so ``--since yesterday --until
yesterday`` is the whole of yesterday. Everything resolves to an aware date-time; the API is
sent UTC.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from .dates import parse_datetime
from .errors import UsageError
from .text import clean_line

_AGE = re.compile(r"(\d{1,6})\s*([mhdw])")
_LONG_AGE = re.compile(r"\d{7,}\s*[mhdw]")  # an age by its form, too many digits to be one
_AGE_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_DAY_WORDS = {"today": 0, "yesterday": 1}
EXAMPLES = "24h, 7d, 2w, yesterday, today, now, 2025-01-06 or 2025-01-06T08:00Z"


def parse_age(value: str, *, units: str = "hdw") -> timedelta:
    """``12h``, ``30d``, ``2w`` (and ``90m`` when ``units`` allows) as a timedelta; UsageError
    naming the forms for anything else, zero included."""
    match = _AGE.fullmatch(value.strip().lower())
    if match is None or match.group(2) not in units or int(match.group(1)) == 0:
        names = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
        allowed = [names[u] for u in "mhdw" if u in units]
        spoken = ", ".join(allowed[:-1]) + " or " + allowed[-1] if len(allowed) > 1 else allowed[0]
        raise UsageError(
            f"Cannot read the age '{clean_line(value)[:40]}': use a whole number of {spoken}, "
            "such as 12h, 30d or 2w."
        )
    return timedelta(**{_AGE_UNITS[match.group(2)]: int(match.group(1))})


def before(age: str, now: datetime) -> datetime:
    """The moment ``age`` (``parse_age``) before ``now``; UsageError when out of range."""
    try:
        return now - parse_age(age)
    except OverflowError:
        raise UsageError(f"The age '{clean_line(age)[:40]}' reaches back too far.") from None


def is_day(text: str) -> bool:
    """True when ``text`` names a whole day (``today``, ``yesterday``, ``2025-01-06``)."""
    word = text.strip().lower()
    return word in _DAY_WORDS or _bare_date(word) is not None


def _bare_date(text: str) -> date | None:
    if len(text) != 10:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def resolve(text: str, now: datetime, *, end: bool = False) -> datetime:
    """The moment ``text`` names, seen from ``now`` (aware). A day means its start, or with
    ``end`` its end (the next day's start). UsageError with the forms understood otherwise."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    word = text.strip().lower()
    if not word:
        raise UsageError(f"A time is empty: use one of {EXAMPLES}.")
    try:
        if word == "now":
            return now
        day: date | None = None
        if word in _DAY_WORDS:
            day = now.date() - timedelta(days=_DAY_WORDS[word])
        else:
            day = _bare_date(word)
        if day is not None:
            start = datetime.combine(day, time(), tzinfo=now.tzinfo)
            return start + timedelta(days=1) if end else start
        if _AGE.fullmatch(word):
            return before(word, now)
    except OverflowError:
        raise UsageError(f"The time '{clean_line(text)[:40]}' is out of range.") from None
    parsed = parse_datetime(text.strip())
    if parsed is None:
        if _LONG_AGE.fullmatch(word):
            raise UsageError(
                f"The age '{clean_line(text)[:40]}' reaches back too far: use at most six "
                "digits, such as 24h, 30d or 2w."
            )
        raise UsageError(f"Cannot read the time '{clean_line(text)[:40]}': use one of {EXAMPLES}.")
    return parsed


def api_time(moment: datetime) -> str:
    """``moment`` as the API is sent it: ISO 8601 in UTC with milliseconds and ``Z``."""
    stamp = moment.astimezone(UTC).isoformat(timespec="milliseconds")
    return stamp.replace("+00:00", "Z")
