"""Review queues in SQLite: the ``QueueStore`` role of ``Store`` (mixed into it). The SQL is
here; the rules (what may change, what "next" means, claims) are ``polytui.core.queues``',
applied inside one IMMEDIATE transaction, so two processes never claim the same call."""

from __future__ import annotations

import builtins
import sqlite3
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from polytui.core.errors import ConflictError, NotFoundError, UsageError
from polytui.core.ids import exact_id
from polytui.core.ports import ConversationKey
from polytui.core.text import clean_line

from .records import from_db_time, to_db_time, utc_now

if TYPE_CHECKING:  # the queues' model loads where a queue is read or changed, not with the store
    from polytui.core.queues import ItemChange, ItemEvent, Queue, QueueItem

T = TypeVar("T")

MAX_SOURCE_LENGTH = 200
_CHUNK = 500  # keys per query (SQLite allows 32,766 parameters; this keeps queries small)
_ITEM = (
    "SELECT q.name, i.position, i.agent, i.conversation_id, i.status, i.verdict, i.category, "
    "i.reviewer, i.changed_at, i.revision FROM queue_items i JOIN queues q ON q.id = i.queue_id"
)


def _item(row: tuple[Any, ...]) -> QueueItem:
    from polytui.core.queues import QueueItem

    name, position, agent, cid, status, verdict, category, reviewer, changed, revision = row
    return QueueItem(
        queue=name,
        position=position,
        agent=agent,
        conversation_id=cid,
        status=status,
        verdict=verdict,
        category=category,
        reviewer=reviewer,
        changed_at=from_db_time(changed) if changed else None,
        revision=revision,
    )


def _queue_id(conn: sqlite3.Connection, name: str) -> tuple[int, str]:
    """The queue's row id and its name as stored; NotFoundError naming it otherwise."""
    from polytui.core.queues import name_key

    row = conn.execute(
        "SELECT id, name FROM queues WHERE name_key = ?", (name_key(name),)
    ).fetchone()
    if row is None:
        raise NotFoundError(
            f"There is no queue named '{clean_line(name)[:80]}' ('polytui queue ls' lists them)."
        )
    return int(row[0]), str(row[1])


def _queues(conn: sqlite3.Connection, where: str, params: tuple[Any, ...]) -> list[Queue]:
    from polytui.core.queues import Queue, tally

    rows = conn.execute(
        "SELECT q.id, q.name, q.source, q.created_by, q.created_at, i.status, i.verdict, "
        "count(i.position) FROM queues q LEFT JOIN queue_items i ON i.queue_id = q.id "
        f"{where} GROUP BY q.id, i.status, i.verdict ORDER BY q.created_at DESC, q.id DESC",
        params,
    ).fetchall()
    heads: dict[int, tuple[Any, ...]] = {}
    counts: dict[int, list[tuple[str, str | None, int]]] = {}
    for queue_id, name, source, by, created, status, verdict, count in rows:
        heads.setdefault(queue_id, (name, source, by, created))
        if status is not None:
            counts.setdefault(queue_id, []).append((status, verdict, count))
    return [
        Queue(
            name=name,
            source=source,
            created_by=by,
            created_at=from_db_time(created),
            progress=tally(counts.get(queue_id, [])),
        )
        for queue_id, (name, source, by, created) in heads.items()
    ]


def _read_item(conn: sqlite3.Connection, queue_id: int, key: ConversationKey) -> QueueItem | None:
    row = conn.execute(
        f"{_ITEM} WHERE i.queue_id = ? AND i.agent = ? AND i.conversation_id = ?",
        (queue_id, *key),
    ).fetchone()
    return None if row is None else _item(row)


def _write(conn: sqlite3.Connection, queue_id: int, old: QueueItem, new: QueueItem) -> None:
    """Store ``new`` in place of ``old`` and record the change."""
    assert new.reviewer is not None and new.changed_at is not None
    at = to_db_time(new.changed_at)
    updated = conn.execute(
        "UPDATE queue_items SET status = ?, verdict = ?, category = ?, reviewer = ?, "
        "changed_at = ?, revision = ? "
        "WHERE queue_id = ? AND agent = ? AND conversation_id = ? AND revision = ?",
        (
            new.status,
            new.verdict,
            new.category,
            new.reviewer,
            at,
            new.revision,
            queue_id,
            *old.key,
            old.revision,
        ),
    ).rowcount
    if updated != 1:  # cannot happen inside the write transaction; a guard all the same
        raise ConflictError("The queue item changed while it was being written; try again.")
    conn.execute(
        "INSERT INTO queue_events (queue_id, agent, conversation_id, reviewer, at, status, "
        "verdict, category) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (queue_id, *new.key, new.reviewer, at, new.status, new.verdict, new.category),
    )


def _missing(name: str, key: ConversationKey) -> NotFoundError:
    return NotFoundError(
        f"Conversation {clean_line(key[1])[:80]} is not in the queue '{clean_line(name)[:80]}'."
    )


class QueueMethods:
    """``QueueStore`` over the Store's connection (``_run`` runs an operation, in an IMMEDIATE
    transaction when it writes). ``clock`` gives the store's time: every change is stamped
    with it, and claims run out by it."""

    clock: Callable[[], datetime] = staticmethod(utc_now)

    if TYPE_CHECKING:

        def _run(self, operation: Callable[[sqlite3.Connection], T], *, write: bool) -> T: ...

    def create_queue(
        self, name: str, calls: Sequence[ConversationKey], *, source: str, reviewer: str
    ) -> Queue:
        from polytui.core.queues import MAX_ITEMS, check_name, name_key

        name = check_name(name)
        keys = list(dict.fromkeys((str(agent), str(cid)) for agent, cid in calls))
        for agent, cid in keys:  # the one check of IDs, as for every road into the store
            exact_id(agent, "agent ID")
            exact_id(cid)
        if not keys:
            raise UsageError("A queue needs at least one call.")
        if len(keys) > MAX_ITEMS:
            raise UsageError(f"A queue holds at most {MAX_ITEMS:,} calls, not {len(keys):,}.")
        now = to_db_time(self.clock())
        source = clean_line(source)[:MAX_SOURCE_LENGTH]

        def operation(conn: sqlite3.Connection) -> Queue:
            taken = conn.execute(
                "SELECT name FROM queues WHERE name_key = ?", (name_key(name),)
            ).fetchone()
            if taken is not None:
                raise UsageError(
                    f"A queue named '{clean_line(taken[0])}' exists already: pick another "
                    "name, or remove it first ('polytui queue rm')."
                )
            queue_id = conn.execute(
                "INSERT INTO queues (name, name_key, source, created_by, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (name, name_key(name), source, reviewer, now),
            ).lastrowid
            conn.executemany(
                "INSERT INTO queue_items (queue_id, position, agent, conversation_id) "
                "VALUES (?, ?, ?, ?)",
                ((queue_id, n, agent, cid) for n, (agent, cid) in enumerate(keys, start=1)),
            )
            return _queues(conn, "WHERE q.id = ?", (queue_id,))[0]

        return self._run(operation, write=True)

    def queues(self) -> builtins.list[Queue]:
        return self._run(lambda c: _queues(c, "", ()), write=False)

    def get_queue(self, name: str) -> Queue | None:
        from polytui.core.queues import name_key

        found = self._run(
            lambda c: _queues(c, "WHERE q.name_key = ?", (name_key(name),)), write=False
        )
        return found[0] if found else None

    def queue_items(
        self, name: str, *, statuses: Sequence[str] | None = None
    ) -> builtins.list[QueueItem]:
        from polytui.core.queues import STATUS_WORDS

        wanted = None if statuses is None else list(dict.fromkeys(statuses))
        for status in wanted or ():
            if status not in STATUS_WORDS:
                raise UsageError(f"Unknown status {status!r}.")

        def operation(conn: sqlite3.Connection) -> builtins.list[QueueItem]:
            queue_id, _ = _queue_id(conn, name)
            sql = f"{_ITEM} WHERE i.queue_id = ?"
            params: list[object] = [queue_id]
            if wanted is not None:
                sql += f" AND i.status IN ({', '.join('?' * len(wanted))})"
                params += wanted
            return [_item(row) for row in conn.execute(sql + " ORDER BY i.position", params)]

        return self._run(operation, write=False)

    def change_item(
        self,
        name: str,
        key: ConversationKey,
        change: ItemChange,
        *,
        reviewer: str,
        expected_revision: int | None = None,
    ) -> QueueItem:
        from polytui.core.queues import apply_change

        now = self.clock()

        def operation(conn: sqlite3.Connection) -> QueueItem:
            queue_id, stored_name = _queue_id(conn, name)
            item = _read_item(conn, queue_id, key)
            if item is None:
                raise _missing(stored_name, key)
            if expected_revision is not None and item.revision != expected_revision:
                who = clean_line(item.reviewer or "someone")
                raise ConflictError(
                    f"{who} changed {clean_line(key[1])[:80]} meanwhile (now "
                    f"{clean_line(item.describe())}); your change was not made."
                )
            new = apply_change(item, change, reviewer, now)
            _write(conn, queue_id, item, new)
            return new

        return self._run(operation, write=True)

    def claim_item(self, name: str, key: ConversationKey, *, reviewer: str) -> QueueItem:
        from polytui.core.queues import claim

        now = self.clock()

        def operation(conn: sqlite3.Connection) -> QueueItem:
            queue_id, stored_name = _queue_id(conn, name)
            item = _read_item(conn, queue_id, key)
            if item is None:
                raise _missing(stored_name, key)
            new = claim(item, reviewer, now)
            if new is None:
                return item
            _write(conn, queue_id, item, new)
            return new

        return self._run(operation, write=True)

    def claim_next(self, name: str, *, reviewer: str, after: int | None = None) -> QueueItem | None:
        from polytui.core.queues import claim, pick_next

        now = self.clock()

        def operation(conn: sqlite3.Connection) -> QueueItem | None:
            queue_id, _ = _queue_id(conn, name)
            rows = conn.execute(
                f"{_ITEM} WHERE i.queue_id = ? AND i.status IN ('pending', 'in_review') "
                "ORDER BY i.position",
                (queue_id,),
            )
            item = pick_next((_item(row) for row in rows), reviewer, now, after)
            if item is None:
                return None
            new = claim(item, reviewer, now)
            if new is None:  # theirs already
                return item
            _write(conn, queue_id, item, new)
            return new

        return self._run(operation, write=True)

    def item_history(self, name: str, key: ConversationKey) -> builtins.list[ItemEvent]:
        from polytui.core.queues import ItemEvent

        def operation(conn: sqlite3.Connection) -> builtins.list[ItemEvent]:
            queue_id, stored_name = _queue_id(conn, name)
            if _read_item(conn, queue_id, key) is None:
                raise _missing(stored_name, key)
            rows = conn.execute(
                "SELECT reviewer, at, status, verdict, category FROM queue_events "
                "WHERE queue_id = ? AND agent = ? AND conversation_id = ? ORDER BY id",
                (queue_id, *key),
            )
            return [
                ItemEvent(reviewer=who, at=from_db_time(at), status=s, verdict=v, category=c)
                for who, at, s, v, c in rows
            ]

        return self._run(operation, write=False)

    def delete_queue(self, name: str) -> int:
        def operation(conn: sqlite3.Connection) -> int:
            queue_id, _ = _queue_id(conn, name)
            count = conn.execute(
                "SELECT count(*) FROM queue_items WHERE queue_id = ?", (queue_id,)
            ).fetchone()[0]
            conn.execute("DELETE FROM queues WHERE id = ?", (queue_id,))
            return int(count)

        return self._run(operation, write=True)

    def reviews_for(
        self, keys: Sequence[ConversationKey]
    ) -> dict[ConversationKey, builtins.list[QueueItem]]:
        wanted = set(keys)
        ids = sorted({cid for _, cid in wanted})

        def operation(conn: sqlite3.Connection) -> dict[ConversationKey, builtins.list[QueueItem]]:
            found: dict[ConversationKey, builtins.list[QueueItem]] = {}
            for start in range(0, len(ids), _CHUNK):
                chunk = ids[start : start + _CHUNK]
                rows = conn.execute(
                    f"{_ITEM} WHERE i.conversation_id IN ({', '.join('?' * len(chunk))}) "
                    "ORDER BY i.changed_at IS NULL, i.changed_at DESC, q.created_at DESC",
                    chunk,
                )
                for row in rows:
                    item = _item(row)
                    if item.key in wanted:
                        found.setdefault(item.key, []).append(item)
            return found

        return self._run(operation, write=False)
