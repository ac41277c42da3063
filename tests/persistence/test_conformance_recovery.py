"""`load_recovery`, the one call a durable actor's recovery makes, on every store: it returns
what the protocol's own reads return (the snapshot and the events after it, or the state; the
reminders by key), a long journal a page at a time, and a store without it is read as before."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import ActorSystem
from actorkit.persistence import (
    EventSourced,
    MemoryStore,
    PersistenceError,
    Store,
    StoredEvent,
    StoredRecovery,
    StoredReminder,
    StoredState,
    _sql_store,
)
from actorkit.persistence._recovery import load_recovery

from .conftest import MakeStore

KEYS = ["b", "a", "é", "Z", "a2", "😀"]
"""Stored out of order, with keys whose code-point order a collation would change."""


async def whole(store: Store, pid: str, loaded: StoredRecovery) -> list[StoredEvent]:
    """The events the recovery gets: those returned, then the rest read on, as it reads them."""
    events = list(loaded.events)
    if loaded.more:
        events += [stored async for stored in store.read(pid, loaded.read_on_from)]
    return events


async def filled(store: Store, pid: str, events: int) -> list[StoredReminder]:
    if events:
        await store.append(pid, 0, [bytes([n]) for n in range(1, events + 1)])
    reminders = [
        StoredReminder(key, 100.0 + n, None if n % 2 else 5.0, key.encode())
        for n, key in enumerate(KEYS)
    ]
    for reminder in reminders:
        await store.put_reminder(pid, reminder)
    return sorted(reminders, key=lambda r: r.key)


@pytest.mark.parametrize("snapshot_at", [None, 0, 3, 8])
async def test_a_journal_recovery_is_what_the_reads_return(
    make_store: MakeStore, snapshot_at: int | None
) -> None:
    async with asyncio.timeout(30), make_store() as store:
        reminders = await filled(store, "a", 8)
        await store.save_state("a", 0, b"never read by an event-sourced recovery")
        if snapshot_at is not None:
            await store.save_snapshot("a", snapshot_at, b"snap")
        loaded = await store.load_recovery("a", True)
        assert loaded.snapshot == await store.load_snapshot("a")
        assert loaded.state is None
        assert loaded.reminders == reminders == await store.reminders("a")
        after = (snapshot_at or 0) + 1
        assert await whole(store, "a", loaded) == [e async for e in store.read("a", after)]
        assert [e.seq for e in await whole(store, "a", loaded)] == list(range(after, 9))


async def test_a_state_recovery_is_what_the_reads_return(make_store: MakeStore) -> None:
    async with asyncio.timeout(30), make_store() as store:
        reminders = await filled(store, "s", 3)  # events under the id too: not read
        await store.save_snapshot("s", 2, b"snap")
        assert await store.save_state("s", 0, b"one") == 1
        assert await store.save_state("s", 1, b"two") == 2
        loaded = await store.load_recovery("s", False)
        assert loaded == StoredRecovery(None, [], False, StoredState(2, b"two"), reminders)


async def test_an_unknown_id_recovers_nothing(make_store: MakeStore) -> None:
    async with asyncio.timeout(30), make_store() as store:
        for journal in (True, False):
            loaded = await store.load_recovery("nobody", journal)
            assert (loaded.snapshot, loaded.state, loaded.reminders) == (None, None, [])
            assert await whole(store, "nobody", loaded) == []


@pytest.mark.parametrize(("events", "snapshot_at"), [(9, None), (10, None), (11, 4), (3, None)])
async def test_a_journal_longer_than_a_page_is_read_on_a_page_at_a_time(
    make_store: MakeStore, monkeypatch: pytest.MonkeyPatch, events: int, snapshot_at: int | None
) -> None:
    monkeypatch.setattr(_sql_store, "PAGE", 3)
    async with asyncio.timeout(30), make_store() as store:
        await filled(store, "a", events)
        if snapshot_at is not None:
            await store.save_snapshot("a", snapshot_at, b"snap")
        loaded = await store.load_recovery("a", True)
        assert len(loaded.events) <= 3
        after = (snapshot_at or 0) + 1
        assert [e.seq for e in await whole(store, "a", loaded)] == list(range(after, events + 1))


async def test_bad_arguments_and_a_closed_store_are_refused(make_store: MakeStore) -> None:
    store = make_store()
    async with asyncio.timeout(30), store:
        with pytest.raises(TypeError, match="journal must be True or False"):
            await store.load_recovery("a", 1)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="persistence_id"):
            await store.load_recovery("", True)
    with pytest.raises(PersistenceError, match="closed"):
        await store.load_recovery("a", True)


PROTOCOL = ("open", "close", "append", "read", "highest_seq", "save_snapshot", "load_snapshot",
            "save_state", "load_state", "put_reminder", "delete_reminder", "reminders")  # fmt: skip
"""The `Store` protocol's members (`Store.__protocol_attrs__` from Python 3.12)."""


class OnlyTheProtocol:
    """A store of a user's that implements the protocol and nothing more (no `load_recovery`),
    over a `MemoryStore`; it counts the recovery reads it is asked for. Its methods are its
    class's own: from Python 3.12 `isinstance` against a protocol does not look through
    `__getattr__`."""

    def __init__(self) -> None:
        self._store = MemoryStore()
        self.reads: list[str] = []


def _delegated(name: str) -> Any:
    def call(self: OnlyTheProtocol, *args: Any, **kwargs: Any) -> Any:
        if name in ("load_snapshot", "load_state", "reminders", "read"):
            self.reads.append(name)
        return getattr(self._store, name)(*args, **kwargs)

    return call


for _name in PROTOCOL:
    setattr(OnlyTheProtocol, _name, _delegated(_name))


class Tally(EventSourced):
    snapshot_every = 2

    def __init__(self) -> None:
        self.total = 0

    def apply(self, event: Any) -> None:
        self.total += event

    async def receive(self, message: Any) -> Any:
        if message == "start":
            await self.reminders.start("k", "tick", 3600.0)
        elif message != "total":
            await self.persist(message)
        return self.total


async def test_a_store_without_load_recovery_is_read_with_the_protocols_reads() -> None:
    store = OnlyTheProtocol()
    assert isinstance(store, Store) and not hasattr(store, "load_recovery")
    async with asyncio.timeout(10), ActorSystem(store=store) as system:
        ref = await system.spawn(Tally, name="t")
        for amount in (1, 2, 3):
            await ref.ask(amount)
        await ref.ask("start")
        await ref.stop()
        store.reads.clear()
        ref = await system.spawn(Tally, name="t")
        assert await ref.ask("total") == 6
        assert store.reads == ["load_snapshot", "reminders", "read"]
        loaded = await load_recovery(store, "/t", True)
        assert loaded.snapshot is not None and loaded.snapshot.seq == 2
        assert (loaded.events, loaded.more, loaded.read_on_from) == ([], True, 3)
        assert [r.key for r in loaded.reminders] == ["k"]
