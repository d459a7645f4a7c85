"""The best reading of a value from the API, whatever JSON type it arrived as.

The real service does not follow its spec: a latency comes as a number or as an object with
``perceived_latency``, a summary as an object, a JSON string or plain text, a metric as a bare
value or a history of ``{timestamp, value}``. Every reader here takes *any* JSON value (null,
bool, number, string, list, object, at any depth) and returns the meaning polytui understands,
or a plain reading (``None``, an empty list, the value as compact JSON) when none fits. None of
them raises. The raw value stays in the payload; these readings are only what is shown.

Plain Python without I/O: the models, the store, the exports and the app use it.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from . import jsontext
from .dates import parse_datetime

Number = int | float

_NUMBER_TEXT = re.compile(r"\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*")
_TRUE = frozenset(("true", "yes", "y", "1", "on"))
_FALSE = frozenset(("false", "no", "n", "0", "off", ""))
# Keys under which an object form of a number keeps the number, most specific first.
_NUMBER_KEYS = ("perceived_latency", "value", "seconds", "latency")


def as_text(value: Any) -> str | None:
    """Text to show for ``value``: a string as it is, a number or bool as JSON writes it, a
    list or object as compact JSON; None for null."""
    if value is None:
        return None
    if type(value) is str:
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _number_text(value)
    return compact_json(value)


def _number_text(value: Number) -> str:
    if isinstance(value, float):
        if not math.isfinite(value):
            return "null"
        return repr(value)
    return str(value)


def compact_json(value: Any) -> str:
    """``value`` as one line of JSON (non-ASCII kept, NaN as null); never raises."""
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=False, default=str)
    except ValueError:
        return json.dumps(_finite_copy(value), ensure_ascii=False, default=str)
    except RecursionError:  # deeper than Python's recursion limit
        return " ".join(line.strip() for line in pretty_json(_finite_copy(value)).split("\n"))


def _finite_copy(value: Any) -> Any:
    """A copy of ``value`` with NaN and the infinities as null (they are not JSON), any depth
    (no recursion: payloads may nest deeper than Python's recursion limit)."""
    root: list[Any] = [value]
    stack: list[tuple[Any, Any]] = [(root, 0)]
    while stack:
        container, key = stack.pop()
        item = container[key]
        if isinstance(item, float) and not math.isfinite(item):
            container[key] = None
        elif isinstance(item, dict):
            copy = dict(item)
            container[key] = copy
            stack.extend((copy, k) for k in copy)
        elif isinstance(item, list):
            copy_list = list(item)
            container[key] = copy_list
            stack.extend((copy_list, i) for i in range(len(copy_list)))
    return root[0]


json_safe = _finite_copy


def as_number(value: Any) -> Number | None:
    """A number from ``value``: an int or float as it is (a bool is not a number), a string
    that spells a number, or the number an object keeps (``perceived_latency``, ``value``...).
    None otherwise. NaN and the infinities stay as they are (``numbers.finite`` drops them)."""
    kind = type(value)
    if kind is float or kind is int:
        return value  # type: ignore[no-any-return]
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        if len(value) > 400 or not _NUMBER_TEXT.fullmatch(value):
            return None
        text = value.strip()
        if re.fullmatch(r"[+-]?\d+", text):
            return int(text)
        try:
            return float(text)
        except (ValueError, OverflowError):
            return None
    if isinstance(value, dict):
        for key in _NUMBER_KEYS:
            if key in value:
                return as_number(value[key]) if not isinstance(value[key], dict) else None
    return None


def as_bool(value: Any) -> bool | None:
    """A yes/no from ``value``: a bool, 0/1, or words like "true"/"no"; None otherwise."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    return None


def as_text_list(value: Any) -> list[str]:
    """Non-empty texts from ``value``: a list's items (nulls and blanks skipped) or one value."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    texts = (as_text(item) for item in items)
    return [text for text in texts if text]


def as_dict(value: Any) -> dict[str, Any]:
    """``value`` when it is an object, else an empty one."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    """``value`` when it is a list, else a list of it (an empty one for null)."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def latency_seconds(value: Any) -> Number | None:
    """A turn's latency in seconds: a plain number, a numeric string, or the real API's
    object ``{"label", "perceived_latency", "perceived_latency_percentile_1d"}``."""
    if type(value) is float or type(value) is int:
        return value
    return as_number(value)


def when(value: Any) -> datetime | None:
    """A date-time from ISO 8601 (no zone means UTC) or RFC 1123 ("Wed, 03 Jun 2026 13:19:11
    GMT", as function events send it); None when unreadable."""
    if not isinstance(value, str) or not value.strip():
        return None
    parsed = parse_datetime(value)
    if parsed is not None:
        return parsed
    from email.utils import parsedate_to_datetime  # HTTP dates are rare: only when needed

    try:
        stamp = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if stamp is None:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


# -- the summary ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """``shortSummary`` understood: ``{heading, content}`` as an object (the real API), as a
    string holding JSON (older answers), or plain text."""

    heading: str = ""
    content: str = ""

    @classmethod
    def parse(cls, raw: Any) -> Summary | None:
        if raw is None or raw == "":
            return None
        if isinstance(raw, dict):
            return cls._from_object(raw)
        if isinstance(raw, str):
            text = raw.strip()
            if text.startswith("{"):
                try:
                    data = jsontext.loads(text)
                except (ValueError, RecursionError):
                    data = None
                if isinstance(data, dict) and ("heading" in data or "content" in data):
                    return cls._from_object(data)
            return cls(content=raw) if text else None
        text = as_text(raw) or ""
        return cls(content=text) if text else None

    @classmethod
    def _from_object(cls, data: dict[str, Any]) -> Summary | None:
        if "heading" not in data and "content" not in data:
            text = compact_json(data) if data else ""
            return cls(content=text) if text else None
        found = cls(heading=as_text(data.get("heading")) or "", content=_content(data))
        return found if (found.heading or found.content) else None

    @property
    def one_line(self) -> str:
        if self.heading and self.content:
            return f"{self.heading}: {self.content}"
        return self.heading or self.content


def _content(data: dict[str, Any]) -> str:
    content = data.get("content")
    if isinstance(content, list):
        return "\n".join(as_text_list(content))
    return as_text(content) or ""


# -- metrics -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MetricPoint:
    """One reading of a metric: its value as sent, shown as ``text``, and when (if known)."""

    value: Any
    timestamp: str | None = None

    @property
    def text(self) -> str:
        return as_text(self.value) or "-"

    @property
    def number(self) -> Number | None:
        return as_number(self.value)

    @property
    def at(self) -> datetime | None:
        return when(self.timestamp)


@dataclass(frozen=True)
class Metric:
    """A metric by name with its history, oldest first (the API sends the newest last)."""

    name: str
    points: tuple[MetricPoint, ...] = field(default_factory=tuple)

    @property
    def latest(self) -> MetricPoint | None:
        return self.points[-1] if self.points else None


def _point(item: Any) -> MetricPoint:
    if isinstance(item, dict) and "value" in item:
        return MetricPoint(item.get("value"), as_text(item.get("timestamp")))
    return MetricPoint(item)


def metric_points(value: Any) -> tuple[MetricPoint, ...]:
    """A metric's history from a bare value, a list of values, one ``{timestamp, value}`` or a
    list of them (newest last)."""
    if value is None:
        return ()
    if isinstance(value, list):
        return tuple(_point(item) for item in value)
    return (_point(value),)


def read_metrics(value: Any) -> list[Metric]:
    """Every metric of a call, in the order sent: from an object of name -> history, or a list
    of ``{name, ...}`` objects; anything else gives one metric named "metrics"."""
    if value is None or value == {} or value == []:
        return []
    if isinstance(value, dict):
        return [Metric(str(name), metric_points(item)) for name, item in value.items()]
    if isinstance(value, list) and all(isinstance(i, dict) and "name" in i for i in value):
        metrics = []
        for item in value:
            rest = {k: v for k, v in item.items() if k != "name"}
            points = metric_points(rest["value"] if set(rest) <= {"value"} and rest else rest)
            metrics.append(Metric(as_text(item["name"]) or "-", points))
        return metrics
    return [Metric("metrics", metric_points(value))]


# -- JSON values, pretty-printed without recursion ----------------------------------------------


def _scalar(value: Any) -> str:
    if value is None or isinstance(value, (bool, int, float, str)):
        return json.dumps(value, ensure_ascii=False)
    return json.dumps(str(value), ensure_ascii=False)


def pretty_json(value: Any, indent: int = 2) -> str:
    """Like ``json.dumps(value, indent=2, ensure_ascii=False)`` but for any depth of nesting
    (API payloads can nest deeper than Python's recursion limit) and any leaf type (``str``)."""
    out: list[str] = []
    # Pending work, popped last-in first-out: (kind, item, depth, prefix, suffix) where kind is
    # "value" (print item after prefix, e.g. a key) or "close" (item is the closing bracket).
    stack: list[tuple[str, Any, int, str, str]] = [("value", value, 0, "", "")]
    while stack:
        kind, item, depth, prefix, suffix = stack.pop()
        pad = " " * (indent * depth)
        if kind == "close":
            out.append(f"{pad}{item}{suffix}")
            continue
        if isinstance(item, dict) and item:
            out.append(f"{pad}{prefix}{{")
            stack.append(("close", "}", depth, "", suffix))
            entries = list(item.items())
            for position in range(len(entries) - 1, -1, -1):
                key, child = entries[position]
                comma = "," if position < len(entries) - 1 else ""
                key_text = json.dumps(key if isinstance(key, str) else str(key), ensure_ascii=False)
                stack.append(("value", child, depth + 1, f"{key_text}: ", comma))
        elif isinstance(item, (list, tuple)) and item:
            out.append(f"{pad}{prefix}[")
            stack.append(("close", "]", depth, "", suffix))
            for position in range(len(item) - 1, -1, -1):
                comma = "," if position < len(item) - 1 else ""
                stack.append(("value", item[position], depth + 1, "", comma))
        elif isinstance(item, dict):
            out.append(f"{pad}{prefix}{{}}{suffix}")
        elif isinstance(item, (list, tuple)):
            out.append(f"{pad}{prefix}[]{suffix}")
        else:
            out.append(f"{pad}{prefix}{_scalar(item)}{suffix}")
    return "\n".join(out)
