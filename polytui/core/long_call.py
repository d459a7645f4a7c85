"""A long call read as it is shown: its turns parsed a block at a time, never all held at once.

A stored call of tens of thousands of turns is tens of megabytes of JSON; parsing it whole
before the first frame costs seconds and holds the text, every turn's objects and their
readings at once. ``open_streamed`` instead reads the call's top-level fields and its first
block of turns from the text's first pieces, and ``TurnBlocks.advance`` reads on, a step at a
time (off the event loop). Each block of ``BLOCK`` turns is kept as its JSON text, compressed,
and parsed again when a turn of it is asked for (a few parsed blocks are kept); what every
turn contributes to the whole call (its latency, the sizes of its texts for the transcript's
height estimates, its ID and its own function events) is kept in compact lists as it goes.

Anything this reader does not expect (the IDs after the turns, turns that are not a list, a
key twice before the turns) raises ``NotStreamable``: the caller then reads the call whole, as
before, so a payload with its three IDs always opens. A key after the turns that was given
before them takes the later value, as ``json.loads`` does; a second ``turns`` there replaces
the turns read (``TurnBlocks.replacement``, read whole: a call laid out so is no stream).
"""

from __future__ import annotations

import json
import re
import threading
import zlib
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from typing import Any, overload

from . import jsontext
from .events import FunctionEvent
from .numbers import finite
from .turn import Turn, _read_turns

BLOCK = 256  # turns a block
LOOKAHEAD = 1 << 18  # characters of text read ahead of the parse (a value longer asks more)
KEPT_BLOCKS = 6  # parsed blocks kept (the screen, a screen either side, a jump back)
SIZE_FIELDS = 10  # ints per turn in ``TurnBlocks.sizes`` (see ``text_sizes``)

_DECODER = json.JSONDecoder()
_ANY_INT = json.JSONDecoder(parse_int=jsontext.read_int)
_SPACE = re.compile(r"[ \t\n\r]*")
_REQUIRED = (
    ("conversationId", "conversation_id"),
    ("accountId", "account_id"),
    ("projectId", "project_id"),
)


class NotStreamable(Exception):
    """The text is not laid out as this reader expects: read it whole instead."""


def differs(translation: str | None, original: str | None) -> bool:
    """A translation worth showing: present and not the original again."""
    if not translation:
        return False
    stripped = translation.strip()
    return bool(stripped) and stripped != (original or "").strip()


def meta_length(intents: Sequence[str | None] | None, entities: Sequence[Any] | None) -> int:
    """A length estimate of a turn's intents/entities line, without building it."""
    length = 24 * len(entities) if entities else 0
    for intent in intents or ():
        if intent:
            length += len(intent) + 2
    return length


def text_sizes(data: dict[str, Any]) -> tuple[int, ...]:
    """What a turn's height estimate needs (``SIZE_FIELDS`` ints, from its reading): the length
    and line breaks of the caller's words (-1: none), the keys pressed (-1: none), the
    agent's words (-1: none), each translation worth showing (-1: none), and the intents/
    entities line's length estimate."""
    get = data.get
    user = get("user_input") or ""
    dtmf = get("user_input_dtmf") or ""
    agent = get("agent_response") or ""
    tr_user = get("translated_user_input")
    tr_agent = get("english_agent_response")
    shown_user = user.strip() != ""
    shown_agent = agent.strip() != ""
    user_tr = tr_user if tr_user and differs(tr_user, user) else None
    agent_tr = tr_agent if tr_agent and differs(tr_agent, agent) else None
    intents, entities = get("intents"), get("entities")
    return (
        len(user) if shown_user else -1,
        user.count("\n") if shown_user else 0,
        len(dtmf) if dtmf.strip() else -1,
        len(agent) if shown_agent else -1,
        agent.count("\n") if shown_agent else 0,
        -1 if user_tr is None else len(user_tr),
        0 if user_tr is None else user_tr.count("\n"),
        -1 if agent_tr is None else len(agent_tr),
        0 if agent_tr is None else agent_tr.count("\n"),
        meta_length(intents, entities) if intents or entities else 0,
    )


class _Text:
    """The JSON text from its pieces, a window of it at a time, with the position read to."""

    def __init__(self, pieces: Iterator[str]) -> None:
        self._pieces = pieces
        self.text = ""
        self.pos = 0
        self.done = False

    def fill(self, need: int | None = None) -> None:
        """At least ``need`` (``LOOKAHEAD``) characters after ``pos`` (unless the text ends)."""
        need = LOOKAHEAD if need is None else need
        if self.done or len(self.text) - self.pos >= need:
            return
        parts = [self.text[self.pos :]]
        have = len(parts[0])
        while have < need:
            piece = next(self._pieces, None)
            if piece is None:
                self.done = True
                break
            parts.append(piece)
            have += len(piece)
        self.text = "".join(parts)
        self.pos = 0

    def skip_space(self) -> str:
        """Skip white space; the character then ("" at the end of the text)."""
        while True:
            self.pos = _SPACE.match(self.text, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.text) or self.done:
                return self.text[self.pos : self.pos + 1]
            self.fill()

    def expect(self, char: str) -> None:
        if self.skip_space() != char:
            raise NotStreamable(f"expected {char!r}")
        self.pos += 1

    def value(self) -> tuple[Any, int]:
        """The JSON value at ``pos`` and where it started; ``pos`` moves past it."""
        self.skip_space()
        need: int | None = None
        while True:
            self.fill(need)
            try:
                try:
                    value, end = _DECODER.raw_decode(self.text, self.pos)
                except ValueError as exc:  # an integer past Python's digit limit: any parses
                    if "integer string conversion" not in str(exc):
                        raise
                    value, end = _ANY_INT.raw_decode(self.text, self.pos)
            except (ValueError, RecursionError):
                if self.done:
                    raise NotStreamable("not valid JSON") from None
                need = 2 * (len(self.text) - self.pos) + LOOKAHEAD
                continue
            if end >= len(self.text) and not self.done:  # a number may go on in the next piece
                need = 2 * (len(self.text) - self.pos) + LOOKAHEAD
                continue
            start, self.pos = self.pos, end
            return value, start


class TurnBlocks(Sequence[Turn]):
    """The turns of a long call (its null turns left out, as ``Conversation.turn_list``), read
    a block at a time. Only the turns read so far are there (``len``); ``complete`` once the
    whole call is read. ``advance`` runs on one thread at a time; reading turns is safe from
    another meanwhile."""

    def __init__(self, text: _Text, head: dict[str, Any]) -> None:
        self._text = text
        self._head = head
        self._blocks: list[bytes] = []
        self._firsts: list[int] = [0]  # each block's first turn, then the count
        self._parsed: OrderedDict[int, list[Turn]] = OrderedDict()
        self._lock = threading.Lock()
        self._pending: list[str] = []  # the texts of the turns of the block being read
        self._pending_turns: list[dict[str, Any]] = []
        self._values = 0  # values of the turns list read (a comma comes before the next)
        self.latencies: list[float | None] = []
        self.sizes = array("i")
        self.turn_ids: list[Any] = []
        self.own_events: dict[int, list[FunctionEvent]] = {}  # turn number -> its own events
        self.tail: dict[str, Any] = {}  # top-level fields after the turns
        # The turns of a second "turns" after them (json.loads keeps a key's last value):
        self.replacement: tuple[list[Turn | None] | None] | None = None
        self.complete = False
        self.failure: str | None = None  # why reading stopped early (a damaged copy)

    # -- the sequence -------------------------------------------------------------------------

    def __len__(self) -> int:
        return self._firsts[-1]

    @overload
    def __getitem__(self, index: int) -> Turn: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Turn]: ...
    def __getitem__(self, index: int | slice) -> Turn | Sequence[Turn]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        count = len(self)
        if index < 0:
            index += count
        if not 0 <= index < count:
            raise IndexError(index)
        block = index // BLOCK
        return self._block(block)[index - self._firsts[block]]

    def __iter__(self) -> Iterator[Turn]:
        for block in range(len(self._firsts) - 1):
            yield from self._block(block)

    def _block(self, block: int) -> list[Turn]:
        with self._lock:
            turns = self._parsed.get(block)
            if turns is not None:
                self._parsed.move_to_end(block)
                return turns
        dicts = jsontext.loads(zlib.decompress(self._blocks[block]).decode("utf-8"))
        turns = _turns(dicts)
        with self._lock:
            self._parsed[block] = turns
            while len(self._parsed) > KEPT_BLOCKS:
                self._parsed.popitem(last=False)
        return turns

    # -- reading on -----------------------------------------------------------------------------

    def advance(self, turns: int = 8 * BLOCK) -> bool:
        """Read about ``turns`` more turns (whole blocks); True once the call is all read. A
        copy found damaged on the way stops the reading (``failure`` says why): the turns
        before it stay."""
        if self.complete:
            return True
        goal = len(self) + turns
        try:
            while not self.complete and len(self) < goal:
                self._read_turn()
        except (NotStreamable, ValueError) as exc:
            self._flush()
            self.failure = str(exc)
            self.complete = True
        return self.complete

    def _read_turn(self) -> None:
        text = self._text
        char = text.skip_space()
        if char == "]":
            text.pos += 1
            self._flush()
            self._read_tail()
            self.complete = True
            return
        if self._values:
            if char != ",":
                raise NotStreamable("expected ','")
            text.pos += 1
        value, start = text.value()
        self._values += 1
        if type(value) is dict:  # anything else is no turn (as Conversation.turn_list)
            self._pending.append(text.text[start : text.pos])
            self._pending_turns.append(value)
            self.turn_ids.append(value.get("turn_id"))
            if len(self._pending) >= BLOCK:
                self._flush()

    def _flush(self) -> None:
        """Keep the pending turns as a block (and what each gives the whole call)."""
        if not self._pending:
            return
        dicts, texts = self._pending_turns, self._pending
        first = len(self)
        turns = _turns(dicts)
        for number, turn in enumerate(turns, start=first + 1):
            data = turn._data
            self.latencies.append(finite(data.get("latency")))
            self.sizes.extend(text_sizes(data))
            if "metadata" in turn._raw:
                own = [FunctionEvent(event.raw, number) for event in turn.own_function_events()]
                if own:
                    self.own_events[number] = own
        blob = zlib.compress(("[" + ",".join(texts) + "]").encode("utf-8"), 1)
        with self._lock:
            self._blocks.append(blob)
            if len(self._blocks) == 1:  # the first frame's; the others are parsed when drawn
                self._parsed[0] = turns
        self._pending, self._pending_turns = [], []
        self._firsts.append(first + len(turns))  # last: the turns are there once counted

    def _read_tail(self) -> None:
        text = self._text
        later: list[Any] = []  # the value of a second "turns", when there is one
        while True:
            char = text.skip_space()
            if char == "}":
                text.pos += 1
                break
            if char != ",":
                raise NotStreamable("expected ',' or '}'")
            text.pos += 1
            key, _ = text.value()
            if type(key) is not str:
                raise NotStreamable("expected a key")
            text.expect(":")
            value, _ = text.value()
            # A key given twice: its last value, where json.loads puts it (the first place).
            if key == "turns":
                later[:] = [value]
            else:
                self.tail[key] = value
        if text.skip_space() != "":
            raise NotStreamable("text after the call")
        if later:
            from .models import read_turns_value

            self.replacement = (read_turns_value(later[0]),)


def _turns(dicts: list[dict[str, Any]]) -> list[Turn]:
    return [
        Turn(raw, read)
        for raw, read in zip(dicts, _read_turns(dicts), strict=True)
        if read is not None
    ]


def open_streamed(
    pieces: Iterator[str], first_turns: int = BLOCK
) -> tuple[dict[str, Any], TurnBlocks]:
    """The call's top-level fields before its turns (with its three IDs) and its turns, of
    which at least ``first_turns`` (or all) are read. ``NotStreamable`` when the text is not
    laid out for this (read it whole); ValueError from ``pieces`` when it is damaged."""
    text = _Text(pieces)
    text.expect("{")
    head: dict[str, Any] = {}
    while True:
        char = text.skip_space()
        if char == "}" or char == "":
            raise NotStreamable("no turns")
        if head:
            if char != ",":
                raise NotStreamable("expected ','")
            text.pos += 1
        key, _ = text.value()
        if type(key) is not str or key in head:
            raise NotStreamable("a key twice")
        text.expect(":")
        if key == "turns":
            if text.skip_space() != "[":
                raise NotStreamable("turns that are not a list")
            text.pos += 1
            break
        head[key], _ = text.value()
    for camel, snake in _REQUIRED:
        if type(head.get(camel, head.get(snake))) is not str:
            raise NotStreamable("the IDs come after the turns")
    turns = TurnBlocks(text, head)
    while not turns.complete and len(turns) < first_turns:
        turns.advance(first_turns - len(turns))
    if turns.failure is not None:
        raise NotStreamable(turns.failure)
    return head, turns


def stream_or_none(
    pieces: Callable[[], Iterator[str]], first_turns: int = BLOCK
) -> tuple[dict[str, Any], TurnBlocks] | None:
    """``open_streamed`` of a fresh iterator; None when the call should be read whole."""
    try:
        return open_streamed(pieces(), first_turns)
    except (NotStreamable, ValueError):
        return None
