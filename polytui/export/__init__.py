"""Output formats for one conversation: text, markdown, json, csv and html.

This package is on the fast ``polytui show`` path: it imports only the standard library and
polytui's own models and sanitiser (never textual, httpx or rich). Every API string that lands
in text, markdown, html or csv goes through ``polytui.core.text.clean`` first; json stays faithful
(JSON escaping keeps it safe to print).

The helpers ``format_offset``, ``format_duration``, ``format_latency``, ``latency_stats``,
``latency_class`` and ``turn_flags`` are pure and shared with the TUI.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from importlib import import_module
from typing import TYPE_CHECKING, Any, Protocol

from polytui.core.errors import UsageError
from polytui.core.models import Conversation
from polytui.core.text import clean_line

from .common import (
    ExportContext,
    format_datetime,
    format_duration,
    format_latency,
    format_number,
    format_offset,
    latency_class,
    latency_stats,
    metadata_rows,
    pretty_json,
    turn_flags,
)

if TYPE_CHECKING:
    from polytui.core.config import Settings
    from polytui.core.models import Note
    from polytui.core.queues import QueueItem


class LoadedCall(Protocol):
    """What an export needs of a call as it was loaded (the workspace's ``Loaded``)."""

    @property
    def conversation(self) -> Conversation: ...

    @property
    def fetched_at(self) -> datetime: ...

    @property
    def source(self) -> str: ...

    @property
    def raw(self) -> str: ...


FORMATS = ("text", "markdown", "json", "csv", "html")
FILE_EXTENSIONS = {"text": "txt", "markdown": "md", "json": "json", "csv": "csv", "html": "html"}

# The formats' modules are imported when first used: the app's header needs only .common.
_LAZY = {
    "render_text": ".plain",
    "TEXT_WIDTH": ".plain",
    "render_markdown": ".markdown",
    "render_json": ".data",
    "render_csv": ".data",
    "csv_cell": ".data",
    "CSV_COLUMNS": ".data",
    "NOTES_KEY": ".data",
    "render_html": ".htmldoc",
}
_RENDERERS = {
    "text": "render_text",
    "markdown": "render_markdown",
    "json": "render_json",
    "csv": "render_csv",
    "html": "render_html",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value


def _renderer(name: str) -> Callable[[Conversation, ExportContext | None], str]:
    renderer: Callable[[Conversation, ExportContext | None], str] = __getattr__(_RENDERERS[name])
    return renderer


__all__ = [
    "SOURCE_LABELS",
    "context_for",
    "CSV_COLUMNS",
    "FILE_EXTENSIONS",
    "FORMATS",
    "NOTES_KEY",
    "TEXT_WIDTH",
    "ExportContext",
    "csv_cell",
    "export_filename",
    "format_datetime",
    "format_duration",
    "format_latency",
    "format_number",
    "format_offset",
    "latency_class",
    "latency_stats",
    "metadata_rows",
    "pretty_json",
    "render",
    "render_csv",
    "render_html",
    "render_json",
    "render_markdown",
    "render_text",
    "turn_flags",
]


def _format_name(fmt: str) -> str:
    name = fmt.strip().lower() if isinstance(fmt, str) else ""
    if name not in _RENDERERS:
        shown = clean_line(fmt)[:40]
        raise UsageError(f"Unknown export format '{shown}': choose one of {', '.join(FORMATS)}.")
    return name


SOURCE_LABELS = {"store": "stored copy", "api": "API", "stale": "offline copy"}


def context_for(
    loaded: LoadedCall,
    settings: Settings,
    notes: Sequence[Note] = (),
    reviews: Sequence[QueueItem] = (),
) -> ExportContext:
    """The export context for a loaded call: its notes and review-queue items, where and when
    it came from, the configured latency thresholds and the Studio link (one place for the CLI
    and the app)."""
    conversation = loaded.conversation
    return ExportContext(
        notes=tuple(notes),
        reviews=tuple(reviews),
        fetched_at=loaded.fetched_at,
        source=SOURCE_LABELS.get(loaded.source, loaded.source),
        latency_good=settings.latency_good,
        latency_warn=settings.latency_warn,
        studio_url=settings.studio_url(
            conversation.conversation_id,
            account=conversation.account_id,
            project=conversation.project_id,
        ),
        raw=loaded.raw,
    )


def render(conversation: Conversation, fmt: str, ctx: ExportContext | None = None) -> str:
    """``conversation`` in the format ``fmt`` (one of ``FORMATS``, case-insensitive).

    Raises ``UsageError`` for an unknown format.
    """
    return _renderer(_format_name(fmt))(conversation, ctx)


def export_filename(conversation: Conversation, fmt: str) -> str:
    """A safe default file name such as ``CA1234.md`` (no path separators, no dot files)."""
    name = _format_name(fmt)
    stem = "".join(
        ch if ch.isascii() and (ch.isalnum() or ch in "-_.") else "_"
        for ch in conversation.conversation_id
    ).strip("._")[:120]
    return f"{stem or 'conversation'}.{FILE_EXTENSIONS[name]}"
