"""Review queues: a named, ordered list of calls worked through one after the other, and every
rule about them (one home): the statuses and verdicts, which changes are allowed, what "next"
means, when a claim runs out, how progress is counted and written.

A queue item is one call in one queue. Its **status** says where the review stands:

- ``pending``: nobody has started it;
- ``in_review``: a reviewer has it open (a *claim*: others' "next" passes it by);
- ``done``: reviewed, usually with a **verdict** (``pass`` / ``fail``) and a **category**;
- ``skipped``: passed over (it may carry a category: why);
- ``flagged``: needs someone else's eyes (it may carry a verdict and a category).

Pending and in review are *unfinished*; resume opens the first unfinished call. A done item is
reopened by setting it back to pending or in review, which drops its verdict (the history keeps
every change: who, when, what). Stores apply these rules inside their own transactions, so two
reviewers on one queue never claim the same call (``polytui.core.ports.QueueStore``).

Plain data and pure functions: no I/O, no clock (the store passes its time in).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from .errors import UsageError

STATUSES = ("pending", "in_review", "done", "skipped", "flagged")
UNFINISHED = frozenset({"pending", "in_review"})
VERDICTS = ("pass", "fail")
#: Statuses that may carry a verdict, and those that may carry a category.
CARRIES_VERDICT = frozenset({"done", "flagged"})
CARRIES_CATEGORY = frozenset({"done", "flagged", "skipped"})
#: How each status is written for people.
STATUS_WORDS = {
    "pending": "pending",
    "in_review": "in review",
    "done": "done",
    "skipped": "skipped",
    "flagged": "flagged",
}
CLEAR = ""  # in an ItemChange: remove the verdict or category
#: Statuses a reviewer set by marking the call (and can take back: reopen).
MARKED = frozenset(STATUSES) - UNFINISHED

MAX_NAME_LENGTH = 80
MAX_CATEGORY_LENGTH = 120
MAX_ITEMS = 100_000  # calls in one queue (as many as `polytui fetch` takes at once)
#: A claim left untouched this long is free for another reviewer's "next".
CLAIM_EXPIRES = timedelta(hours=2)


@dataclass(frozen=True)
class Progress:
    """How far a queue is: items by status, and done/flagged items by verdict."""

    total: int = 0
    pending: int = 0
    in_review: int = 0
    done: int = 0
    skipped: int = 0
    flagged: int = 0
    passed: int = 0
    failed: int = 0

    @property
    def unfinished(self) -> int:
        return self.pending + self.in_review

    @property
    def finished(self) -> bool:
        return self.total > 0 and self.unfinished == 0

    def line(self, name: str) -> str:
        """``queue 'handoffs-mon' 12/40 done · 3 skipped · 2 flagged`` (the name cleaned by
        whoever draws it; counts that are zero are left out, the done count never)."""
        parts = [f"queue '{name}' {self.done}/{self.total} done"]
        if self.failed:
            parts[0] += f" ({self.failed} fail)"
        if self.skipped:
            parts.append(f"{self.skipped} skipped")
        if self.flagged:
            parts.append(f"{self.flagged} flagged")
        if self.in_review:
            parts.append(f"{self.in_review} in review")
        return " · ".join(parts)


@dataclass(frozen=True)
class Queue:
    """A queue as listed: its name, how and by whom it was made, and how far it is."""

    name: str
    source: str  # how it was made, in words: "file monday.txt", "search 'refund'"
    created_by: str
    created_at: datetime  # aware, UTC
    progress: Progress


@dataclass(frozen=True)
class QueueItem:
    """One call in one queue, as the store has it now."""

    queue: str
    position: int  # 1-based order in the queue
    agent: str
    conversation_id: str
    status: str = "pending"
    verdict: str | None = None
    category: str | None = None
    reviewer: str | None = None  # who made the last change (None: nobody yet)
    changed_at: datetime | None = None  # when (aware, UTC)
    revision: int = 0  # how many changes it has had: a change may name the one it expects

    @property
    def key(self) -> tuple[str, str]:
        return (self.agent, self.conversation_id)

    @property
    def unfinished(self) -> bool:
        return self.status in UNFINISHED

    def describe(self) -> str:
        """``done · fail · wrong information · alice 2025-01-06 14:03 UTC`` (raw text)."""
        parts = [STATUS_WORDS.get(self.status, self.status)]
        parts += [value for value in (self.verdict, self.category) if value]
        if self.reviewer:
            when = f" {self.changed_at:%Y-%m-%d %H:%M} UTC" if self.changed_at else ""
            parts.append(f"{self.reviewer}{when}")
        return " · ".join(parts)

    def to_json_dict(self) -> dict[str, object]:
        return {
            "queue": self.queue,
            "position": self.position,
            "agent": self.agent,
            "conversationId": self.conversation_id,
            "status": self.status,
            "verdict": self.verdict,
            "category": self.category,
            "reviewer": self.reviewer,
            "changedAt": self.changed_at.isoformat() if self.changed_at else None,
        }


@dataclass(frozen=True)
class ItemEvent:
    """One change of an item, as recorded: who, when, and the item's state after it."""

    reviewer: str
    at: datetime
    status: str
    verdict: str | None
    category: str | None


@dataclass(frozen=True)
class ItemChange:
    """What a reviewer asks to change. ``None`` leaves a field as the rules decide; ``CLEAR``
    ("") removes a verdict or category."""

    status: str | None = None
    verdict: str | None = None
    category: str | None = None


# -- names and values ---------------------------------------------------------------------------


def _unsafe(ch: str) -> bool:
    return unicodedata.category(ch) in ("Cc", "Cf", "Cs") or ch in "\u2028\u2029"


def check_name(value: str) -> str:
    """A queue's name as stored (stripped); UsageError saying what is wrong with it."""
    text = unicodedata.normalize("NFC", value.strip()) if isinstance(value, str) else ""
    if not text:
        raise UsageError("A queue needs a name.")
    if len(text) > MAX_NAME_LENGTH:
        raise UsageError(f"A queue's name is at most {MAX_NAME_LENGTH} characters.")
    if any(_unsafe(ch) for ch in text):
        raise UsageError("A queue's name cannot hold control or invisible characters.")
    if text.startswith("-"):
        raise UsageError(f"A queue's name cannot start with '-' ({text[:40]!r}).")
    return text


def name_key(name: str) -> str:
    """What makes two names the same queue: case and Unicode forms do not count."""
    return unicodedata.normalize("NFC", name.strip()).casefold()


def parse_status(value: str) -> str:
    """A status as typed (``in-review``, ``In review``, ``in_review``) as stored."""
    wanted = "_".join(value.replace("-", " ").replace("_", " ").split()).lower()
    if wanted in STATUSES:
        return wanted
    raise UsageError(
        f"Unknown status '{value[:40]}': use one of {', '.join(STATUS_WORDS.values())}."
    )


def parse_verdict(value: str) -> str:
    """``pass``, ``fail``, or ``CLEAR`` for ``none`` / ``clear`` / ``""``."""
    wanted = value.strip().lower()
    if wanted in VERDICTS:
        return wanted
    if wanted in ("", "none", "clear", "-"):
        return CLEAR
    raise UsageError(f"Unknown verdict '{value[:40]}': use pass, fail or none.")


def check_category(value: str) -> str:
    """A category as stored: one line, stripped; ``CLEAR`` when blank."""
    text = " ".join(value.split())
    if any(_unsafe(ch) for ch in text):
        raise UsageError("A category cannot hold control or invisible characters.")
    if len(text) > MAX_CATEGORY_LENGTH:
        raise UsageError(f"A category is at most {MAX_CATEGORY_LENGTH} characters.")
    return text


# -- changes ------------------------------------------------------------------------------------


def apply_change(item: QueueItem, change: ItemChange, reviewer: str, now: datetime) -> QueueItem:
    """``item`` after ``reviewer`` made ``change`` at ``now``; UsageError for a change the
    rules refuse.

    - A verdict given without a status makes a pending, in-review or skipped item done.
    - Only done and flagged items carry a verdict; done, flagged and skipped a category. Moving
      an item to a status that cannot carry them drops them (reopening a done item drops its
      verdict); asking for both at once is refused.
    - Every change, even one that leaves the values as they were, records who and when.
    """
    if change.status is not None and change.status not in STATUSES:
        raise UsageError(f"Unknown status {change.status!r}.")
    if change.verdict not in (None, CLEAR, *VERDICTS):
        raise UsageError(f"Unknown verdict {change.verdict!r}.")
    status = change.status or item.status
    if change.status is None and change.verdict and status not in CARRIES_VERDICT:
        status = "done"
    verdict = item.verdict if change.verdict is None else (change.verdict or None)
    category = item.category
    if change.category is not None:
        category = check_category(change.category) or None
    words = STATUS_WORDS[status]
    if status not in CARRIES_VERDICT:
        if change.verdict:
            raise UsageError(f"A {words} call has no verdict: only done and flagged calls do.")
        verdict = None
    if status not in CARRIES_CATEGORY:
        if change.category:
            raise UsageError(
                f"A {words} call has no category: only done, flagged and skipped calls do."
            )
        category = None
    return replace(
        item,
        status=status,
        verdict=verdict,
        category=category,
        reviewer=reviewer,
        changed_at=now,
        revision=item.revision + 1,
    )


def mark_words(item: QueueItem) -> str:
    """How ``item``'s status and verdict are written for people: ``done · fail``."""
    words = STATUS_WORDS[item.status]
    return f"{words} · {item.verdict}" if item.verdict else words


def claim_expired(item: QueueItem, now: datetime) -> bool:
    """An in-review item untouched for ``CLAIM_EXPIRES`` is free again."""
    return item.changed_at is None or now - item.changed_at >= CLAIM_EXPIRES


def held_by_other(item: QueueItem, reviewer: str, now: datetime) -> bool:
    """Another reviewer has ``item`` open (a claim that has not run out)."""
    return item.status == "in_review" and item.reviewer != reviewer and not claim_expired(item, now)


def claimable(item: QueueItem, reviewer: str, now: datetime) -> bool:
    """``reviewer`` may take ``item`` into review: it is pending, or in review by them, or
    its claim has run out. Finished items (done, skipped, flagged) are never claimed: opening
    one leaves it as it is."""
    if item.status == "pending":
        return True
    return item.status == "in_review" and not held_by_other(item, reviewer, now)


def claim(item: QueueItem, reviewer: str, now: datetime) -> QueueItem | None:
    """``item`` taken into review by ``reviewer``; None when nothing is to be written: it
    cannot be claimed (not ``claimable``), or it is theirs already with a claim still running
    (opening one's own call again is not a change)."""
    if not claimable(item, reviewer, now):
        return None
    if item.status == "in_review" and item.reviewer == reviewer and not claim_expired(item, now):
        return None
    return apply_change(item, ItemChange(status="in_review"), reviewer, now)


def pick_next(
    items: Iterable[QueueItem], reviewer: str, now: datetime, after: int | None = None
) -> QueueItem | None:
    """The call ``reviewer`` reviews next: the first claimable item after position ``after``
    in the queue's order, wrapping round to the start (calls passed over earlier come back);
    with ``after`` None (resume), the first claimable item of the queue. None when every
    call is finished or held by someone else."""
    ordered = sorted(items, key=lambda item: item.position)
    candidates = [
        item
        for item in ordered
        if claimable(item, reviewer, now) and (after is None or item.position != after)
    ]
    if after is not None:
        later = [item for item in candidates if item.position > after]
        if later:
            return later[0]
    return candidates[0] if candidates else None


def first_unfinished(items: Sequence[QueueItem]) -> QueueItem | None:
    """Where resuming starts when nothing can be claimed: the first unfinished item, else the
    first item."""
    ordered = sorted(items, key=lambda item: item.position)
    return next((item for item in ordered if item.unfinished), ordered[0] if ordered else None)


def tally(counts: Iterable[tuple[str, str | None, int]]) -> Progress:
    """A queue's progress from ``(status, verdict, how many)`` counts."""
    by_status = dict.fromkeys(STATUSES, 0)
    total = passed = failed = 0
    for status, verdict, count in counts:
        if status not in by_status:
            continue
        total += count
        by_status[status] += count
        if status in CARRIES_VERDICT:
            passed += count if verdict == "pass" else 0
            failed += count if verdict == "fail" else 0
    return Progress(total=total, passed=passed, failed=failed, **by_status)


def progress(items: Iterable[QueueItem]) -> Progress:
    return tally((item.status, item.verdict, 1) for item in items)
