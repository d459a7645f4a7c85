"""The workspace (polytui.workspace): every store call runs on its one store thread, never on the
event loop; a write asked for always lands; slow store work is reported as waiting and then
as over; the CLI's factory opens a store that plays both roles. Real SQLite files in tmp_path."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from pathlib import Path
from typing import Any

from polytui.adapters.sqlite import Store
from polytui.core.config import Settings
from polytui.core.models import Conversation
from polytui.core.ports import CallCache, ReviewStore
from polytui.demo._scripts import BANK_ID, CHAT_ID
from polytui.demo.samples import DEMO_AGENT, sample_conversations
from polytui.loader import Loader
from polytui.workspace import Workspace, open_store


class ThreadSpy:
    """A store that records which thread made each call (and lets every call through)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.calls: list[tuple[str, int]] = []

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._store, name)
        if not callable(attribute):
            return attribute

        def called(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((name, threading.get_ident()))
            return attribute(*args, **kwargs)

        return called

    def threads(self) -> set[int]:
        return {thread for _, thread in self.calls}


def stored_store(path: Path, *ids: str) -> Store:
    store = Store(path)
    for data in sample_conversations():
        if data["conversationId"] in ids:
            store.put(DEMO_AGENT, "h", json.dumps(data), Conversation.from_data(data))
    return store


def offline(tmp_path: Path) -> Settings:
    return Settings(agent=DEMO_AGENT, offline=True, data_path=tmp_path)


async def test_every_store_call_runs_on_one_thread_off_the_loop(tmp_path):
    settings = offline(tmp_path)
    spy = ThreadSpy(stored_store(settings.db_path, BANK_ID, CHAT_ID))
    workspace = Workspace(settings, loader=Loader(settings, store=spy))  # type: ignore[arg-type]
    loop_thread = threading.get_ident()
    try:
        opened = await workspace.stored_copy(BANK_ID)
        assert opened is not None and opened.loaded.source == "store"
        page = await workspace.page()
        keys = [(row.agent, row.conversation_id) for row in page.rows]
        assert {cid for _, cid in keys} == {BANK_ID, CHAT_ID}
        assert (await workspace.page(after=page.end)).rows == []
        assert await workspace.position(keys[1]) == 1
        assert len(await workspace.rows_for(keys)) == 2
        assert await workspace.count(text_filter="zebra") == 0
        note = await workspace.add_note(DEMO_AGENT, BANK_ID, 2, "slow")
        await workspace.update_note(note.id, text="slower", label=None)
        assert [n.text for n in (await workspace.open(BANK_ID)).notes] == ["slower"]
        await workspace.delete_note(note.id)
        assert await workspace.delete([CHAT_ID]) == 1
        context = await workspace.export_context(opened.loaded)
        assert context.notes == ()
    finally:
        await workspace.aclose()
    assert len(spy.calls) >= 10
    assert len(spy.threads()) == 1 and loop_thread not in spy.threads()
    assert spy.calls[-1][0] == "close"  # closed on its own thread, last


async def test_a_write_whose_caller_is_cancelled_still_lands(tmp_path):
    settings = offline(tmp_path)
    store = stored_store(settings.db_path, BANK_ID)
    workspace = Workspace(settings, loader=Loader(settings, store=store))
    gate = threading.Event()
    try:
        blocker = asyncio.ensure_future(workspace.run(gate.wait))  # the store thread is busy
        writer = asyncio.ensure_future(workspace.add_note(DEMO_AGENT, BANK_ID, 1, "kept"))
        await asyncio.sleep(0)
        writer.cancel()  # e.g. the screen that asked went away
        with contextlib.suppress(asyncio.CancelledError):
            await writer
        gate.set()
        await blocker
        await workspace.settled()
        assert [n.text for n in store.notes_for(BANK_ID)] == ["kept"]
    finally:
        gate.set()
        await workspace.aclose()


async def test_slow_store_work_is_waiting_until_it_is_over(tmp_path):
    settings = offline(tmp_path)
    heard: list[bool] = []
    workspace = Workspace(
        settings,
        loader=Loader(settings, store=stored_store(settings.db_path)),
        waiting=heard.append,
        patience=0.01,
    )
    gate = threading.Event()
    try:
        first = asyncio.ensure_future(workspace.run(gate.wait))
        second = asyncio.ensure_future(workspace.count())  # queued behind the first
        for _ in range(2000):  # a hang guard, not a time limit
            if heard:
                break
            await asyncio.sleep(0.005)
        assert heard == [True] and workspace.waiting
        gate.set()
        await first
        assert await second == 0
        await workspace.settled()
        assert heard == [True, False] and not workspace.waiting
    finally:
        gate.set()
        await workspace.aclose()


async def test_a_call_kept_in_the_background_that_fails_is_reported(tmp_path):
    settings = offline(tmp_path)
    store = stored_store(settings.db_path)
    told: list[str] = []
    workspace = Workspace(settings, loader=Loader(settings, store=store), warn=told.append)
    try:
        store._conn.execute("PRAGMA query_only = ON")  # type: ignore[union-attr]
        workspace.run_behind(lambda: store.add_note(DEMO_AGENT, BANK_ID, 1, "x"), "Not kept")
        await workspace.settled()
        [message] = told
        assert message.startswith("Not kept: Cannot write to the store at ")
    finally:
        await workspace.aclose()


def test_the_cli_factory_opens_a_store_playing_both_roles(tmp_path):
    store = open_store(offline(tmp_path))
    try:
        assert isinstance(store, CallCache) and isinstance(store, ReviewStore)
        assert store.count() == 0
    finally:
        store.close()
