"""Storing calls: what the store works out from a call before it takes the write lock (its
listing columns, search documents and compressed JSON: ``prepare``), and the SQL that keeps it
(``write``). ``Store.put`` stores one call; ``Store.put_many`` many at once, without a savepoint
each (FTS5 writes its pending words to disk at every savepoint, which cost an import of many
calls more than indexing them)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from polytui.core import jsontext
from polytui.core.errors import StoreError
from polytui.core.ids import exact_id
from polytui.core.text import clean_line

from .index import drop_conversations, index_conversation, pack
from .records import Document, listing_values, pack_bytes, search_documents, to_db_time

if TYPE_CHECKING:  # the pydantic models load only where a call is read or stored
    from polytui.core.models import Conversation
    from polytui.core.ports import NewCall

# The reviewer notes already kept for the call being stored (they outlive stored copies).
_NOTES_OF_CALL = (
    "(SELECT count(*) FROM notes WHERE agent = :agent AND conversation_id = :conversation_id)"
)


@dataclass(frozen=True, slots=True)
class Prepared:
    """A call ready to be written: everything but the SQL done."""

    agent: str
    conversation_id: str
    values: dict[str, Any]  # the conversations row
    docs: list[Document]
    body: bytes  # the payloads row: the JSON text, compressed
    documents: bytes  # the search_texts row


def _refused(conversation: Conversation, why: str) -> StoreError:
    name = clean_line(conversation.conversation_id)
    return StoreError(f"Cannot store the conversation {name}: {why}.")


def raw_bytes(raw: str | bytes, conversation: Conversation, parsed: Any = None) -> bytes:
    """``raw`` as UTF-8 bytes, checked to be the JSON of ``conversation``: parsed here, unless
    the caller gives what it parsed ``raw`` into as ``parsed``."""
    try:
        if isinstance(raw, (bytes, bytearray, memoryview)):
            data = bytes(raw)
            raw = data.decode(json.detect_encoding(data))
        if parsed is None:
            parsed = jsontext.loads(raw)
        data = raw.encode("utf-8")  # lone surrogates cannot be stored
    except (ValueError, RecursionError):  # UnicodeError is a ValueError
        raise _refused(conversation, "its text is not valid JSON") from None
    if not isinstance(parsed, dict) or parsed.get("conversationId") != conversation.conversation_id:
        raise _refused(conversation, "the JSON text given is of another one")
    return data


def prepare(
    agent: str,
    host: str,
    raw: str | bytes,
    conversation: Conversation,
    fetched_at: datetime,
    parsed: Any = None,
) -> Prepared:
    """``conversation`` (kept as ``raw``) ready for ``write``; UsageError for a bad ID,
    StoreError when ``raw`` is not its JSON."""
    exact_id(agent, "agent ID")  # the one check of IDs, whatever road they came by
    exact_id(conversation.conversation_id)
    data = raw_bytes(raw, conversation, parsed)
    values = {
        **listing_values(conversation),
        "agent": agent,
        "conversation_id": conversation.conversation_id,
        "host": host,
        "fetched_at": to_db_time(fetched_at),
    }
    docs = search_documents(agent, conversation)
    return Prepared(agent, conversation.conversation_id, values, docs, pack_bytes(data), pack(docs))


def prepare_new(call: NewCall, fetched_at: datetime) -> Prepared:
    return prepare(
        call.agent,
        call.host,
        call.raw,
        call.conversation,
        call.fetched_at or fetched_at,
        call.parsed,
    )


def write(conn: sqlite3.Connection, call: Prepared) -> None:
    """Keep ``call``, replacing any older copy and its search entries (inside the caller's
    transaction)."""
    drop_conversations(
        conn, "conversation_id = ? AND agent = ?", (call.conversation_id, call.agent)
    )
    names = ", ".join(call.values)
    cursor = conn.execute(
        f"INSERT INTO conversations ({names}, note_count) "
        f"VALUES ({', '.join(':' + name for name in call.values)}, {_NOTES_OF_CALL})",
        call.values,
    )
    call_id = int(cursor.lastrowid or 0)
    conn.execute("INSERT INTO payloads (id, body) VALUES (?, ?)", (call_id, call.body))
    index_conversation(conn, call_id, call.docs, call.documents)
