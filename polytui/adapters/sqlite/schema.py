"""The store's schema as an ordered list of migrations.

``PRAGMA user_version`` holds how many migrations a database has had. To change the schema,
append a new tuple of statements to ``MIGRATIONS`` (never edit one that has shipped): a store
at version N gets migrations N+1.. applied in one transaction the next time it is opened. A
statement may be a Python step (a function of the connection) for what SQL cannot do.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

# A migration is a list of SQL statements and, where SQL cannot do it, Python steps.
Migration = str | Callable[[sqlite3.Connection], None]

# Migration 1: conversations with their listing columns, reviewer notes, full-text search.
# (Migration 3 moves the reviewer notes' rows out of search_docs into an index of their own.)
#
# search_docs holds the text of every searchable unit (a turn, a summary, the API's note, a
# reviewer note) of the conversation (agent_id, conversation_id); search_index is an FTS5 index
# over it ("external content"), kept in step by the code in store.py. Rows of reviewer notes
# carry note_id; all other rows belong to a stored conversation and go when it goes. Notes do
# not reference conversations: they outlive the stored copy.
_V1 = (
    """
    CREATE TABLE conversations (
        agent           TEXT NOT NULL,
        conversation_id TEXT NOT NULL,
        host            TEXT NOT NULL,
        fetched_at      TEXT NOT NULL,          -- ISO 8601 UTC, fixed width (sorts as text)
        started_at      TEXT,                   -- as the API sent it (startedAt, else createdAt)
        start_key       TEXT,                   -- started_at normalised to UTC, for sorting
        channel         TEXT,
        duration        REAL,
        turn_count      INTEGER NOT NULL,
        handoff         INTEGER,
        poly_score      REAL,
        tags            TEXT NOT NULL,          -- JSON array of strings
        summary         TEXT NOT NULL,
        max_latency     REAL,
        in_progress     INTEGER NOT NULL,
        raw             TEXT NOT NULL,          -- the JSON text exactly as received; kept last
        PRIMARY KEY (agent, conversation_id)
    )
    """,
    "CREATE INDEX conversations_fetched ON conversations (fetched_at)",
    "CREATE INDEX conversations_id ON conversations (conversation_id, fetched_at)",
    """
    CREATE TABLE notes (
        id              INTEGER PRIMARY KEY AUTOINCREMENT,
        agent           TEXT NOT NULL,
        conversation_id TEXT NOT NULL,
        turn            INTEGER CHECK (turn IS NULL OR turn >= 1),
        text            TEXT NOT NULL,
        label           TEXT,
        created_at      TEXT NOT NULL,
        updated_at      TEXT NOT NULL
    )
    """,
    "CREATE INDEX notes_conversation ON notes (conversation_id, agent, turn)",
    """
    CREATE TABLE search_docs (
        id              INTEGER PRIMARY KEY,
        agent_id        TEXT NOT NULL,
        conversation_id TEXT NOT NULL,
        turn            INTEGER,
        kind            TEXT NOT NULL CHECK (kind IN ('turn', 'summary', 'api_note', 'note')),
        note_id         INTEGER REFERENCES notes (id),
        caller          TEXT NOT NULL DEFAULT '',
        agent           TEXT NOT NULL DEFAULT '',
        translation     TEXT NOT NULL DEFAULT '',
        summary         TEXT NOT NULL DEFAULT '',
        note            TEXT NOT NULL DEFAULT ''
    )
    """,
    "CREATE INDEX search_docs_conversation ON search_docs (conversation_id, agent_id)",
    "CREATE INDEX search_docs_note ON search_docs (note_id) WHERE note_id IS NOT NULL",
    # The column names are the SearchHit fields, so "agent: refund" searches agent turns only.
    """
    CREATE VIRTUAL TABLE search_index USING fts5 (
        caller, agent, translation, summary, note,
        content = 'search_docs', content_rowid = 'id',
        tokenize = 'unicode61 remove_diacritics 2'
    )
    """,
)

# Migration 2: a covering index of the listing columns (everything but the raw JSON). Sorting
# and filtering the conversations list then reads this narrow index instead of the table, whose
# rows carry each call's whole JSON text: with 10,000 calls the order of the cached-call browser
# comes back in ~10 ms instead of ~30, whatever column it is sorted by.
_V2 = (
    """
    CREATE INDEX conversations_listing ON conversations (
        start_key, agent, conversation_id, started_at, channel, duration, turn_count, handoff,
        poly_score, max_latency, tags, summary, fetched_at, host, in_progress
    )
    """,
)

# Migration 3: reviewer notes get a full-text index of their own. note_index holds each note's
# text as search_docs held it (sanitised to one line), under the note's id; the notes' rows
# leave search_index and search_docs, which from now on hold only what conversations say (the
# API's note of a call stays there, in the "note" column). Search asks both indexes and merges
# the hits. 'delete' tells FTS5 exactly what it indexed, so search_index stays consistent.
_V3 = (
    """
    CREATE VIRTUAL TABLE note_index USING fts5 (
        note,
        tokenize = 'unicode61 remove_diacritics 2'
    )
    """,
    """
    INSERT INTO note_index (rowid, note)
    SELECT note_id, note FROM search_docs
    WHERE id IN (SELECT max(id) FROM search_docs WHERE note_id IS NOT NULL GROUP BY note_id)
      AND note_id IN (SELECT id FROM notes)
    """,
    """
    INSERT INTO search_index (search_index, rowid, caller, agent, translation, summary, note)
    SELECT 'delete', id, caller, agent, translation, summary, note FROM search_docs
    WHERE note_id IS NOT NULL
    """,
    "DELETE FROM search_docs WHERE note_id IS NOT NULL",
    "DROP INDEX search_docs_note",
)

# Migration 4: review queues (polytui.core.queues). A queue is a named, ordered list of calls;
# name_key (the name as core.queues.name_key folds it) keeps names unique whatever their case.
# Each item is a call (agent, conversation_id; the call need not be stored) at a position, with
# its status, verdict, category, the reviewer who last changed it, when (the store's clock) and
# a revision that counts its changes. queue_events records every change: who, when, what.
# Items and events go with their queue; nothing here references conversations or notes.
_V4 = (
    """
    CREATE TABLE queues (
        id              INTEGER PRIMARY KEY,
        name            TEXT NOT NULL,
        name_key        TEXT NOT NULL UNIQUE,
        source          TEXT NOT NULL,
        created_by      TEXT NOT NULL,
        created_at      TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE queue_items (
        queue_id        INTEGER NOT NULL REFERENCES queues (id) ON DELETE CASCADE,
        position        INTEGER NOT NULL CHECK (position >= 1),
        agent           TEXT NOT NULL,
        conversation_id TEXT NOT NULL,
        status          TEXT NOT NULL DEFAULT 'pending'
                        CHECK (status IN ('pending', 'in_review', 'done', 'skipped', 'flagged')),
        verdict         TEXT CHECK (verdict IN ('pass', 'fail')),
        category        TEXT,
        reviewer        TEXT,
        changed_at      TEXT,
        revision        INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (queue_id, agent, conversation_id),
        UNIQUE (queue_id, position)
    )
    """,
    "CREATE INDEX queue_items_call ON queue_items (conversation_id, agent)",
    """
    CREATE TABLE queue_events (
        id              INTEGER PRIMARY KEY,
        queue_id        INTEGER NOT NULL REFERENCES queues (id) ON DELETE CASCADE,
        agent           TEXT NOT NULL,
        conversation_id TEXT NOT NULL,
        reviewer        TEXT NOT NULL,
        at              TEXT NOT NULL,
        status          TEXT NOT NULL,
        verdict         TEXT,
        category        TEXT
    )
    """,
    "CREATE INDEX queue_events_item ON queue_events (queue_id, conversation_id, agent)",
)

# Migration 5: listings that walk an index, whatever the store's size. The conversations table
# is rebuilt narrow: an integer id, the listing columns and each call's number of reviewer notes
# (kept in step by the notes' code), and the JSON text moves to a table of its own (payloads,
# one row per call under the same id), so reading a page of the listing never reads a call's
# JSON. Each sort key of the listing gets an index on its value; the id (insertion order)
# breaks ties, so a page of any order is a walk along one index, started anywhere (keyset
# paging), and never a sort of every stored call. The covering index of migration 2 goes.
_SORT_INDEXES = {
    "start": "start_key",
    "id_nocase": "conversation_id COLLATE NOCASE",
    "channel": "channel COLLATE NOCASE",
    "duration": "duration",
    "turn_count": "turn_count",
    "handoff": "handoff",
    "poly_score": "poly_score",
    "max_latency": "max_latency",
    "tags": "tag_key COLLATE NOCASE",
    "fetched": "fetched_at",
    "note_count": "note_count",
}
_LISTING_COLUMNS = (
    "agent, conversation_id, host, fetched_at, started_at, start_key, channel, duration, "
    "turn_count, handoff, poly_score, tags, summary, max_latency, in_progress"
)
_V5 = (
    "DROP INDEX conversations_listing",
    "DROP INDEX conversations_fetched",
    "DROP INDEX conversations_id",
    "ALTER TABLE conversations RENAME TO conversations_old",
    """
    CREATE TABLE conversations (
        id              INTEGER PRIMARY KEY,
        agent           TEXT NOT NULL,
        conversation_id TEXT NOT NULL,
        host            TEXT NOT NULL,
        fetched_at      TEXT NOT NULL,          -- ISO 8601 UTC, fixed width (sorts as text)
        started_at      TEXT,                   -- as the API sent it (startedAt, else createdAt)
        start_key       TEXT,                   -- started_at normalised to UTC, for sorting
        channel         TEXT,
        duration        REAL,
        turn_count      INTEGER NOT NULL,
        handoff         INTEGER,
        poly_score      REAL,
        tags            TEXT NOT NULL,          -- JSON array of strings
        tag_key         TEXT,                   -- the same, NULL when empty: what the list sorts by
        summary         TEXT NOT NULL,
        max_latency     REAL,
        in_progress     INTEGER NOT NULL,
        note_count      INTEGER NOT NULL DEFAULT 0,  -- reviewer notes on (agent, conversation_id)
        UNIQUE (agent, conversation_id)
    )
    """,
    f"""
    INSERT INTO conversations ({_LISTING_COLUMNS}, tag_key, note_count)
    SELECT {_LISTING_COLUMNS}, nullif(tags, '[]'),
           (SELECT count(*) FROM notes AS n
            WHERE n.conversation_id = o.conversation_id AND n.agent = o.agent)
    FROM conversations_old AS o ORDER BY o.fetched_at, o.agent, o.conversation_id
    """,
    """
    CREATE TABLE payloads (
        id              INTEGER PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
        raw             TEXT NOT NULL           -- the JSON text exactly as received
    )
    """,
    """
    INSERT INTO payloads (id, raw)
    SELECT c.id, o.raw FROM conversations AS c
    JOIN conversations_old AS o ON o.agent = c.agent AND o.conversation_id = c.conversation_id
    """,
    "DROP TABLE conversations_old",
    "CREATE INDEX conversations_id ON conversations (conversation_id, fetched_at)",
    *(
        f"CREATE INDEX conversations_by_{name} ON conversations ({expression})"
        for name, expression in _SORT_INDEXES.items()
    ),
)


def _index_every_call(conn: sqlite3.Connection) -> None:
    """Migration 6's own step: every stored call indexed afresh, read from its JSON (a copy that
    cannot be read any more is kept and listed, with nothing of it indexed)."""
    import json

    from polytui.core.errors import BadPayloadError
    from polytui.core.models import Conversation

    from .index import index_conversation
    from .records import search_documents

    last = -1
    while True:
        batch = conn.execute(
            "SELECT c.id, c.agent, p.raw FROM conversations AS c JOIN payloads AS p "
            "ON p.id = c.id WHERE c.id > ? ORDER BY c.id LIMIT 500",
            (last,),
        ).fetchall()
        if not batch:
            return
        for call_id, agent, raw in batch:
            try:
                docs = search_documents(agent, Conversation.from_data(json.loads(raw)))
            except (ValueError, RecursionError, BadPayloadError):
                docs = []
            index_conversation(conn, call_id, docs)
        last = batch[-1][0]


# Migration 6: search ranks calls, not turns, and keeps no second copy of the text. The calls'
# index becomes contentless (it keeps the words, not the text: search_docs goes) with one row
# per turn and one for the whole call, numbered so that a call's rows are a range (index.py);
# the text each row was indexed with is kept compressed in search_texts, for snippets and to
# take a call out of the index. Intents and entities get columns of their own, and "listing"
# holds what the browser's filter reads (ID, tags, channel, start, agent), so that filtering
# 100,000 calls is an index lookup instead of a scan. Every call is indexed afresh.
_V6: tuple[Migration, ...] = (
    "DROP TABLE search_index",
    "DROP TABLE search_docs",
    """
    CREATE VIRTUAL TABLE search_index USING fts5 (
        caller, agent, translation, intent, entity, summary, note, listing,
        content = '', columnsize = 0,
        tokenize = 'unicode61 remove_diacritics 2'
    )
    """,
    """
    CREATE TABLE search_texts (
        id              INTEGER PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
        documents       BLOB NOT NULL           -- zlib of the JSON list of indexed units
    )
    """,
    _index_every_call,
)


def _compress_every_payload(conn: sqlite3.Connection) -> None:
    """Migration 7's own step: each call's JSON text, compressed (``records.pack_payload``)."""
    from .records import pack_payload

    last = -1
    while True:
        batch = conn.execute(
            "SELECT id, raw FROM payloads WHERE id > ? ORDER BY id LIMIT 500", (last,)
        ).fetchall()
        if not batch:
            return
        conn.executemany(
            "INSERT INTO payloads_packed (id, body) VALUES (?, ?)",
            [(call_id, pack_payload(raw)) for call_id, raw in batch],
        )
        last = batch[-1][0]


# Migration 7: each call's JSON is kept compressed (zlib, from the standard library: for these
# payloads it packs as tightly as zstandard without a trained dictionary, about 4x, and
# decompresses a 5,000-turn call in milliseconds), still byte for byte once unpacked. With the
# contentless index of migration 6, a call takes less room in the store than its JSON alone.
_V7: tuple[Migration, ...] = (
    """
    CREATE TABLE payloads_packed (
        id              INTEGER PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
        body            BLOB NOT NULL           -- zlib of the JSON text (UTF-8) as received
    )
    """,
    _compress_every_payload,
    "DROP TABLE payloads",
    "ALTER TABLE payloads_packed RENAME TO payloads",
)

# Migration 8: listings of the API kept to reopen offline (the app's Find view), and the
# filters last used. A listing is one row in ``listings`` (what was asked, when, where it would
# go on) and its calls in ``listed_calls`` in the order listed, each summary as received.
_V8: tuple[Migration, ...] = (
    """
    CREATE TABLE listings (
        name            TEXT PRIMARY KEY,
        agent           TEXT NOT NULL,
        host            TEXT NOT NULL,
        filters         TEXT NOT NULL,          -- ListFilter.to_json()
        made_at         TEXT NOT NULL,          -- ISO 8601 UTC, fixed width
        next_cursor     TEXT,
        next_offset     INTEGER,
        page_size       INTEGER NOT NULL,       -- every page of a listing asks the same
        complete        INTEGER NOT NULL,
        unapplied       TEXT NOT NULL           -- JSON array of filter names
    )
    """,
    """
    CREATE TABLE listed_calls (
        name            TEXT NOT NULL REFERENCES listings (name) ON DELETE CASCADE,
        position        INTEGER NOT NULL,
        conversation_id TEXT NOT NULL,
        raw             TEXT NOT NULL,          -- the summary's JSON as received
        PRIMARY KEY (name, position)
    )
    """,
    """
    CREATE TABLE remembered_filters (
        name            TEXT PRIMARY KEY,
        filters         TEXT NOT NULL,
        saved_at        TEXT NOT NULL
    )
    """,
)

MIGRATIONS: tuple[tuple[Migration, ...], ...] = (_V1, _V2, _V3, _V4, _V5, _V6, _V7, _V8)

SCHEMA_VERSION = len(MIGRATIONS)


class NewerSchemaError(Exception):
    """The database was written by a newer polytui (its user_version is beyond ours)."""

    def __init__(self, version: int) -> None:
        super().__init__(version)
        self.version = version


def user_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


ANNOUNCE_FROM = 2000  # calls in a store whose upgrade is announced (it may take a while)


def migrate(conn: sqlite3.Connection, announce: Callable[[str], None] | None = None) -> bool:
    """Bring the schema up to ``SCHEMA_VERSION``; a no-op (one PRAGMA) when it already is.
    Returns whether anything was migrated; a large store's upgrade is ``announce``d first.

    Runs in one IMMEDIATE transaction and re-reads the version inside it, so two processes
    opening a new store at once apply each migration exactly once.
    """
    if user_version(conn) == SCHEMA_VERSION:
        return False
    conn.execute("BEGIN IMMEDIATE")
    try:
        current = user_version(conn)
        if current > SCHEMA_VERSION:
            raise NewerSchemaError(current)
        if current == SCHEMA_VERSION:  # another process did it meanwhile
            conn.execute("COMMIT")
            return False
        if current and announce is not None:
            calls = conn.execute("SELECT count(*) FROM conversations").fetchone()[0]
            if calls >= ANNOUNCE_FROM:
                announce(
                    f"Upgrading the store to this version of polytui ({calls:,} calls): this "
                    "happens once and can take a few minutes; nothing is lost if it is stopped."
                )
        for statements in MIGRATIONS[current:]:
            for statement in statements:
                if callable(statement):
                    statement(conn)
                else:
                    conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION:d}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return current > 0


def compact(conn: sqlite3.Connection) -> None:
    """Give back the room an upgrade freed (it rewrote tables): VACUUM when more than a
    quarter of the file is free pages. Skipped, to be tried at the next upgrade, while another
    connection has the store open."""
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    free = conn.execute("PRAGMA freelist_count").fetchone()[0]
    if not pages or free * 4 < pages:
        return
    timeout = conn.execute("PRAGMA busy_timeout").fetchone()[0]
    conn.execute("PRAGMA busy_timeout = 0")
    try:
        conn.execute("VACUUM")
    except sqlite3.OperationalError:
        pass  # busy (another process has the store open): the room stays free for new calls
    finally:
        conn.execute(f"PRAGMA busy_timeout = {int(timeout):d}")
