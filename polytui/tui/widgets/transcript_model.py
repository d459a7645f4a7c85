"""Per-turn data behind the transcript view: flags, cheap height estimates, cleaned text (built
lazily, once), search text and the plain-text form used for copying.

Every string that came from the API passes through ``polytui.core.text.clean`` before it leaves this
module. Nothing here imports Textual, so it can be tested and timed on its own.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Sequence
from typing import Any

from polytui.core.events import FunctionEvent
from polytui.core.facts import (
    TURN_MARKS,
    LatencyBands,
    alternative_texts,
    caller_word,
    empty_caller_text,
    format_latency,
    format_offset,
    handed_off,
    is_review_stop,
    review_texts,
    spaced_dtmf,
    turn_marks,
)
from polytui.core.models import Conversation, Note, Turn
from polytui.core.numbers import finite
from polytui.core.readings import compact_json
from polytui.core.text import clean, clean_line

from .transcript_heights import differs, estimate_from_sizes, estimate_heights, meta_length

NO_RESPONSE_TEXT = "(no response)"
NOTE_PREFIX = "✎ "
REVIEW_PREFIX = "Studio review  "
HEARD_PREFIX = "heard  "
TOPICS_PREFIX = "topics  "
BADGES = TURN_MARKS


def note_text(note: Note) -> str:
    """A note as one display string: "✎ [bad response] too long" (cleaned)."""
    label = f"[{clean_line(note.label)}] " if note.label else ""
    return f"{NOTE_PREFIX}{label}{clean(note.text).strip()}"


def _dtmf_display(digits: str | None) -> str:
    """ "DTMF 1 2 3 4" from "1234" (cleaned); "" when no digits were pressed."""
    keys = spaced_dtmf(clean_line(digits))
    return ("DTMF " + keys) if keys else ""


class TurnEntry:
    """One turn of the transcript with everything the view needs, computed as late as possible."""

    __slots__ = (
        "index",
        "turn",
        "latency",
        "silence",
        "has_dtmf",
        "handoff",
        "events",
        "_has_tr_user",
        "_has_tr_agent",
        "_meta_len",
        "_marks",
        "_text",
        "_haystack",
        "_haystack_tr",
        "_offset",
    )

    def __init__(
        self,
        index: int,
        turn: Turn,
        *,
        handoff: bool,
        events: Sequence[FunctionEvent] = (),
    ) -> None:
        self.index = index
        self.turn = turn
        self.events = events
        self.latency = finite(turn.latency)
        self.silence = turn.silent
        self.has_dtmf = bool(turn.dtmf.strip())
        self.handoff = handoff
        self._has_tr_user = differs(turn.translated_user_input, turn.user_input)
        self._has_tr_agent = differs(turn.english_agent_response, turn.agent_response)
        self._meta_len = meta_length(turn.intents, turn.entities)
        self._marks: tuple[LatencyBands, list[str]] | None = None
        self._text: dict[str, str] | None = None
        self._haystack: str | None = None
        self._haystack_tr: str | None = None
        self._offset: tuple[float | None] | None = None

    @property
    def number(self) -> int:
        """1-based turn number as shown ("#12") and as notes refer to it."""
        return self.index + 1

    @property
    def empty_caller(self) -> str:
        """What stands for a caller side with no words and no keys."""
        return empty_caller_text(self.turn)

    def badges(self, bands: LatencyBands, has_notes: bool) -> list[str]:
        """The turn's marks (``polytui.core.facts.turn_marks``), NOTE last when it has notes."""
        marks = self._marks
        if marks is None or marks[0] != bands:
            found = turn_marks(self.turn, bands=bands, handoff=self.handoff, events=self.events)
            marks = self._marks = (bands, found)
        return [*marks[1], "NOTE"] if has_notes else marks[1]

    def flagged(self, bands: LatencyBands, has_notes: bool) -> bool:
        """A turn ``]``/``[`` stop at (``polytui.core.facts.is_review_stop``)."""
        return has_notes or is_review_stop(self.badges(bands, False))

    def offset(self, conversation: Conversation | None) -> float | None:
        if self._offset is None:
            self._offset = (conversation.turn_offset(self.turn) if conversation else None,)
        return self._offset[0]

    # -- cleaned text (built once, on first use) ------------------------------------------------

    @property
    def text(self) -> dict[str, str]:
        """Cleaned display strings: user, dtmf, asr (the ASR-corrected words), agent, tr_user,
        tr_agent, meta, events (a line per function event), topics (retrieved topics), reviews
        (a line per Studio review), heard (a line per speech-recognition alternative) ("" when
        absent)."""
        if self._text is None:
            turn = self.turn
            tr_user = turn.translated_user_input if self._has_tr_user else ""
            tr_agent = turn.english_agent_response if self._has_tr_agent else ""
            self._text = {
                "user": clean(turn.user_text).strip(),
                "dtmf": _dtmf_display(turn.user_input_dtmf),
                "agent": clean(turn.agent_text).strip(),
                "tr_user": clean(tr_user).strip(),
                "tr_agent": clean(tr_agent).strip(),
                "meta": self._meta() if self._meta_len else "",
                "asr": clean_line(turn.asr_corrected or ""),
                "events": "\n".join(_event_line(event) for event in self.events),
                "topics": _topics_line(turn),
                "reviews": "\n".join(
                    clean_line(REVIEW_PREFIX + review) for review in review_texts(turn)
                ),
                "heard": "\n".join(
                    clean_line(HEARD_PREFIX + alt) for alt in alternative_texts(turn)
                ),
            }
        return self._text

    def _meta(self) -> str:
        """ "intents: a, b  ·  entities: name=value, ..." on one cleaned line."""
        turn = self.turn
        parts = []
        intents = turn.intent_list
        if intents:
            parts.append("intents: " + ", ".join(intents))
        pairs = turn.entity_pairs()
        if pairs:
            shown = (f"{name}={value}" if name else value for name, value in pairs)
            parts.append("entities: " + ", ".join(shown))
        return clean_line("  ·  ".join(parts))

    def haystack(self) -> tuple[str, str]:
        """Lower-cased searchable text: (originals + DTMF + intents/entities, translations).
        Built once per turn; the same strings the rows show, so counts and highlights agree."""
        if self._haystack is None:
            if self._text is not None:
                text = self._text
                base = "\n".join(
                    (text["user"], text["dtmf"], text["agent"], text["meta"], text["topics"])
                )
                translated = "\n".join((text["tr_user"], text["tr_agent"]))
            else:  # one clean() per side over the joined raw fields: cheap for a first search
                turn = self.turn
                base = clean(
                    "\n".join(
                        (
                            turn.user_input or "",
                            _dtmf_display(turn.user_input_dtmf) if self.has_dtmf else "",
                            turn.agent_response or "",
                            self._meta() if self._meta_len else "",
                            _topics_line(turn),
                        )
                    )
                )
                translated = clean(
                    "\n".join(
                        (
                            (turn.translated_user_input or "") if self._has_tr_user else "",
                            (turn.english_agent_response or "") if self._has_tr_agent else "",
                        )
                    )
                )
            self._haystack = base.lower()
            self._haystack_tr = translated.lower()
        return self._haystack, self._haystack_tr or ""

    # -- copying -----------------------------------------------------------------------------

    def plain_text(
        self,
        conversation: Conversation | None,
        *,
        show_translations: bool,
        notes: Sequence[Note],
        bands: LatencyBands,
        show_heard: bool = False,
    ) -> str:
        """The turn as cleaned plain text, as shown (translations and alternatives only when
        shown)."""
        text = self.text
        header = f"#{self.number}  {format_offset(self.offset(conversation))}"
        if self.latency is not None:
            header += f"  {format_latency(self.latency)}"
        badges = self.badges(bands, bool(notes))
        if badges:
            header += "  [" + ", ".join(badges) + "]"
        lines = [header]
        caller = [part for part in (text["user"], text["dtmf"]) if part] or [self.empty_caller]
        lines.append(f"{caller_word(conversation)}: " + "\n".join(caller))
        if text["asr"]:
            lines.append(f"  ASR: {text['asr']}")
        if show_heard and text["heard"]:
            lines.extend("  " + line for line in text["heard"].split("\n"))
        if show_translations and text["tr_user"]:
            lines.append(f"  → en: {text['tr_user']}")
        lines.append("agent: " + (text["agent"] or NO_RESPONSE_TEXT))
        if show_translations and text["tr_agent"]:
            lines.append(f"  → en: {text['tr_agent']}")
        if text["meta"]:
            lines.append(text["meta"])
        if text["topics"]:
            lines.append(text["topics"])
        if text["events"]:
            lines.extend(text["events"].split("\n"))
        if text["reviews"]:
            lines.extend(text["reviews"].split("\n"))
        lines.extend(note_text(note) for note in notes)
        return "\n".join(lines)


def _topics_line(turn: Turn) -> str:
    """ "topics  a, b" for the knowledge-base topics retrieved for the turn; "" when none."""
    topics = [topic for topic in turn.retrieved_topics if topic.strip()]
    return clean_line(TOPICS_PREFIX + ", ".join(topics)) if topics else ""


def _event_line(event: FunctionEvent) -> str:
    """One cleaned line for a function event: name, duration, failure, handoff, arguments,
    state changes and what it had the agent say."""
    parts = [f"ƒ {event.name}"]
    if event.duration_ms is not None:
        parts.append(f"{event.duration_ms:g} ms")
    if event.failed:
        parts.append(f"FAILED: {event.error_text}")
    if event.handoff is not None:
        parts.append(f"handoff: {event.handoff_text}")
    if event.arguments not in (None, {}, [], ""):
        parts.append(f"args {compact_json(event.arguments)}")
    if event.state_changes:
        parts.append(f"state {compact_json(event.state_changes)}")
    if event.utterance:
        parts.append(f"says {event.utterance!s}")
    return clean_line("  ·  ".join(parts))


class TurnEntries(Sequence[TurnEntry]):
    """The ``TurnEntry`` of each turn, made when first asked for: opening a call of thousands
    of turns makes only the few on screen."""

    def __init__(
        self,
        turns: Sequence[Turn],
        handoff: bool,
        events: dict[int, list[FunctionEvent]] | None = None,
    ) -> None:
        self._turns = turns
        self._count = len(turns)  # a long call being read has more later: a new model then
        self._events = events or {}
        self._made: dict[int, TurnEntry] = {}
        self._handoff = handoff

    def __len__(self) -> int:
        return self._count

    @property
    def turns(self) -> Sequence[Turn]:
        return self._turns

    def __getitem__(self, index: int) -> TurnEntry:  # type: ignore[override]
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError(index)
        entry = self._made.get(index)
        if entry is None:
            entry = self._made[index] = self._entry(index)
        return entry

    def _entry(self, index: int, turn: Turn | None = None) -> TurnEntry:
        return TurnEntry(
            index,
            self._turns[index] if turn is None else turn,
            handoff=self._handoff and index == self._count - 1,
            events=self._events.get(index + 1, ()),
        )

    def passing(self, start: int = 0, stop: int | None = None) -> Iterator[TurnEntry]:
        """The entries from ``start`` to ``stop`` (every one by default) in order, those not
        made yet made for the moment only (a search over a long call does not keep an entry
        for each of its turns)."""
        made = self._made
        stop = self._count if stop is None else min(stop, self._count)
        if start == 0 and stop == self._count:
            turns: Iterator[Turn] = iter(self._turns)  # a long call's blocks in turn
        else:
            turns = (self._turns[index] for index in range(start, stop))
        for index, turn in zip(range(start, stop), turns, strict=False):
            entry = made.get(index)
            yield self._entry(index, turn) if entry is None else entry

    def __iter__(self) -> Iterator[TurnEntry]:
        return (self[index] for index in range(self._count))


NEAR_TURNS = 200  # turns estimated either side of the cursor before a long call's first frame


class TranscriptModel:
    """The turns of one conversation (null turns dropped) as ``TurnEntry`` objects."""

    def __init__(self, conversation: Conversation | None) -> None:
        self.conversation = conversation
        turns = conversation.turn_list if conversation is not None else []
        handoff = conversation is not None and handed_off(conversation)
        events = conversation.turn_function_events if conversation is not None else {}
        self.entries = TurnEntries(turns, handoff, events)
        # A long call read as it is shown keeps its turns' sizes, not their text.
        self._long = conversation.long_turns if conversation is not None else None
        self._payloads: Sequence[dict[str, Any]] = ()
        if conversation is not None and self._long is None:
            self._payloads = conversation.turn_payloads()
        # Every turn's searchable text joined (originals, translations) with where each starts:
        # built on the first search, so that later ones are a few str.find calls.
        self._joined: tuple[str, str, list[int], list[int]] | None = None
        self._building: tuple[list[str], list[str]] | None = None  # ``build_search`` so far

    def __len__(self) -> int:
        return len(self.entries)

    def has_translations(self) -> bool:
        """Some turn carries an English translation that differs from what was said."""
        return any(
            differs(turn.translated_user_input, turn.user_input)
            or differs(turn.english_agent_response, turn.agent_response)
            for turn in self.entries.turns
        )

    def has_alternatives(self) -> bool:
        """Some turn carries speech recognition's alternatives."""
        return any(alternative_texts(turn) for turn in self.entries.turns)

    def estimate_heights(
        self,
        width: int,
        show_translations: bool,
        notes: dict[int, list[Note]],
        near: int | None = None,
    ) -> list[int]:
        """Every turn's estimated rows; with ``near`` (a long call's first frame), only the
        turns within ``NEAR_TURNS`` of turn ``near`` are estimated and the others take their
        mean (refined just after the frame)."""
        count = len(self.entries)

        def estimate(lo: int, hi: int) -> list[int]:
            if self._long is not None:
                sizes = self._long.sizes
                return estimate_from_sizes(sizes, hi - lo, width, show_translations, notes, lo + 1)
            return estimate_heights(self._payloads[lo:hi], width, show_translations, notes, lo + 1)

        if near is None or count <= 2 * NEAR_TURNS:
            return estimate(0, count)
        lo = max(0, near - NEAR_TURNS)
        hi = min(count, near + NEAR_TURNS)
        window = estimate(lo, hi)
        mean = round(sum(window) / len(window))
        return [mean] * lo + window + [mean] * (count - hi)

    def find(self, query: str, show_translations: bool, notes: dict[int, list[Note]]) -> list[int]:
        """Indexes of turns containing ``query`` (case-insensitive literal), in order."""
        needle = query.lower()
        if not needle:
            return []
        if _SEPARATOR in needle:  # cleaned text never holds it (clean() shows NUL as ␀)
            return []
        base, translated, base_starts, translated_starts = self._joined_text()
        found: set[int] = set()
        _occurrences(base, base_starts, needle, found)
        if show_translations:
            _occurrences(translated, translated_starts, needle, found)
        count = len(self.entries)
        for number, turn_notes in notes.items():
            if 1 <= number <= count and any(
                needle in note_text(note).lower() for note in turn_notes
            ):
                found.add(number - 1)
        return sorted(found)

    # -- the search text, built off the event loop for a long call ---------------------------

    @property
    def searchable(self) -> bool:
        """The search text is built: ``find`` is a few str.find calls, whatever the length."""
        return self._joined is not None

    def build_search(self, turns: int, *, after: TranscriptModel | None = None) -> bool:
        """Build the search text of about ``turns`` more turns (off the event loop: one thread
        at a time; reading this model elsewhere meanwhile is safe); True once all are built
        (``searchable``). ``after``: the model this one replaced (a long call's turns read on),
        whose text built so far is taken over, its turns being this one's first."""
        if self._joined is not None:
            return True
        if self._building is None:
            old = after._building if after is not None else None
            same = after is not None and after.conversation is self.conversation
            bases, translations = (list(old[0]), list(old[1])) if old and same else ([], [])
            self._building = (bases[: len(self)], translations[: len(self)])
        bases, translations = self._building
        start = len(bases)
        for entry in self.entries.passing(start, start + turns):
            base, translated = entry.haystack()
            bases.append(base)
            translations.append(translated)
        if len(bases) < len(self):
            return False
        self._joined = _joined(bases, translations)
        self._building = None
        return True

    def _joined_text(self) -> tuple[str, str, list[int], list[int]]:
        if self._joined is None:
            bases: list[str] = []
            translations: list[str] = []
            for entry in self.entries.passing():
                base, translated = entry.haystack()
                bases.append(base)
                translations.append(translated)
            self._joined = _joined(bases, translations)
        return self._joined


def _joined(bases: list[str], translations: list[str]) -> tuple[str, str, list[int], list[int]]:
    return (
        _SEPARATOR.join(bases),
        _SEPARATOR.join(translations),
        _starts(bases),
        _starts(translations),
    )


_SEPARATOR = "\x00"


def _starts(parts: list[str]) -> list[int]:
    """Where each part starts in ``_SEPARATOR.join(parts)``."""
    starts, position = [], 0
    for part in parts:
        starts.append(position)
        position += len(part) + len(_SEPARATOR)
    return starts


def _occurrences(text: str, starts: list[int], needle: str, found: set[int]) -> None:
    """Add the index of every part of ``text`` (parts starting at ``starts``) holding
    ``needle``; one find per matching part."""
    position = text.find(needle)
    while position != -1:
        index = bisect_right(starts, position) - 1
        found.add(index)
        if index + 1 >= len(starts):
            return
        position = text.find(needle, starts[index + 1])
