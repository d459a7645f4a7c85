"""Widgets of the polytui app."""

from .transcript import TranscriptView

__all__ = ["TranscriptView"]
