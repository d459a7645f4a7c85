"""What the store derives from a Conversation when storing it (listing columns, searchable
documents); the values it hands out are ``polytui.core.ports``'."""

from __future__ import annotations

import codecs
import json
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from polytui.core.ports import SEARCH_FIELDS
from polytui.core.text import clean_line

if TYPE_CHECKING:  # the models load only where a call is read or stored
    from polytui.core.models import Conversation

FIELDS = SEARCH_FIELDS


# -- the JSON as kept ------------------------------------------------------------------------

# zlib's fastest level: these payloads come out about 7% larger than at its default (6), at
# two thirds of the time, and a store still takes less room than the calls' JSON alone.
PACK_LEVEL = 1


def pack_payload(text: str) -> bytes:
    """A call's JSON text as the payloads table keeps it: its UTF-8 bytes, zlib-compressed."""
    return pack_bytes(text.encode("utf-8"))


def pack_bytes(data: bytes) -> bytes:
    """``pack_payload`` of text already encoded."""
    return zlib.compress(data, PACK_LEVEL)


PIECE = 1 << 18  # characters a piece of ``payload_pieces``, at most (about)


def payload_pieces(body: bytes) -> Iterator[str]:
    """The JSON text ``pack_payload`` kept, a piece of about ``PIECE`` characters at a time (a
    long call is read without holding all its text); ValueError when ``body`` is damaged."""
    inflate = zlib.decompressobj()
    decode = codecs.getincrementaldecoder("utf-8")()
    try:
        data = body
        while data:
            piece = inflate.decompress(data, PIECE)
            data = inflate.unconsumed_tail
            if piece:
                yield decode.decode(piece)
        rest = inflate.flush()
        if not inflate.eof:
            raise ValueError("the kept JSON is cut short")
        yield decode.decode(rest, final=True)
    except (zlib.error, UnicodeDecodeError, TypeError) as exc:
        raise ValueError(f"the kept JSON is damaged ({exc})") from None


def unpack_payload(body: bytes) -> str | None:
    """The JSON text ``pack_payload`` kept; None when ``body`` is not such a thing any more
    (damaged on disk, or written by hand): the copy is then reported damaged."""
    try:
        return zlib.decompress(body).decode("utf-8")
    except (zlib.error, UnicodeDecodeError, TypeError):
        return None


# -- time -------------------------------------------------------------------------------------


def utc_now() -> datetime:
    return datetime.now(UTC)


def to_db_time(value: datetime) -> str:
    """Fixed-width ISO 8601 in UTC, so that text order is time order (naive means UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def from_db_time(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


# -- derived from a conversation --------------------------------------------------------------


def listing_values(conv: Conversation) -> dict[str, Any]:
    """The listing columns of the conversations table for ``conv``."""
    from polytui.core.facts import handoff_state  # only where a call is stored
    from polytui.core.numbers import finite

    start = conv.start
    summary = conv.summary
    latencies = [v for v in map(finite, conv.latencies()) if v is not None]
    tags = json.dumps([clean_line(tag) for tag in conv.tag_list], ensure_ascii=False)
    return {
        "started_at": clean_line(conv.started_at or conv.created_at) or None,
        "start_key": to_db_time(start) if start else None,
        "channel": clean_line(conv.channel) or None,
        "duration": finite(conv.call_seconds),
        "turn_count": len(conv.turn_list),
        "handoff": None if (state := handoff_state(conv)) is None else int(state),
        "poly_score": finite(conv.poly_score),
        "tags": tags,
        "tag_key": tags if conv.tag_list else None,  # what the listing sorts by
        "summary": clean_line(summary.one_line) if summary else "",
        "max_latency": max(latencies) if latencies else None,
        "in_progress": int(conv.live),
    }


def _join(*parts: str | None) -> str:
    """The parts that are not empty, each sanitised to one line, joined by spaces."""
    texts = [part for part in parts if part]
    try:
        # Sanitising the joined text is sanitising each part: ``clean`` changes characters
        # one at a time, and a CR LF never spans the space between two parts.
        return clean_line(" ".join(texts))
    except TypeError:  # a part that is not text
        return " ".join(clean_line(part) for part in texts)


# The columns of the calls' full-text index, in order: the searchable fields of a turn, the
# call's summary and note, then ``listing`` (ID, tags, channel, start, agent: what the browser's
# filter reads, not searched by ``cache search``).
CALL_COLUMNS = ("caller", "agent", "translation", "intent", "entity", "summary", "note", "listing")
SEARCHED_COLUMNS = CALL_COLUMNS[:-1]
assert set(SEARCHED_COLUMNS) == set(FIELDS)

# A searchable unit: its number (0 for the whole call, else the 1-based turn), then the text of
# each of CALL_COLUMNS (sanitised to one line, so control characters never come from a call).
Document = tuple[int, str, str, str, str, str, str, str, str]


def search_documents(agent_id: str, conv: Conversation) -> list[Document]:
    """Searchable units of ``conv``: one for the whole call (summary, the API's note, and what
    the listing's filter reads), one per turn with any text (caller words, DTMF and the
    ASR-corrected words; agent words; translations of either; intents; entities)."""
    summary = conv.summary
    listing = _join(
        conv.conversation_id,
        " ".join(conv.tag_list),
        conv.channel,
        conv.started_at or conv.created_at,
        agent_id,
    )
    docs: list[Document] = [
        (
            0,
            "",
            "",
            "",
            "",
            "",
            _join(summary.heading, summary.content) if summary else "",
            _join(conv.note),
            listing,
        )
    ]
    for number, turn in enumerate(conv.turn_list, start=1):
        caller = _join(turn.user_input, turn.user_input_dtmf, turn.asr_corrected)
        agent = _join(turn.agent_response)
        translation = _join(turn.translated_user_input, turn.english_agent_response)
        intent = _join(*turn.intent_list)
        entity = _join(*(f"{name} {value}" for name, value in turn.entity_pairs()))
        if caller or agent or translation or intent or entity:
            docs.append((number, caller, agent, translation, intent, entity, "", "", ""))
    return docs
