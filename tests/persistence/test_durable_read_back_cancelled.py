"""A `persist` or `save` whose write failed reads its store back (the commit may have landed);
a cancellation that arrives during that read must still end the call with `CancelledError`,
as asyncio requires of every coroutine: swallowed, an `asyncio.timeout` around the write
never fires, and a handler its actor's stop cancelled goes on running."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest

from actorkit import ActorSystem
from actorkit.persistence import DurableState, EventSourced, MemoryStore, PersistenceError
from actorkit.persistence._store import StoredEvent, StoredReminder, StoredState
from actorkit.testing import instance

pytestmark = pytest.mark.timeout(30)


class SlowReadBack(MemoryStore):
    """Its writes fail; with `lands` set they are stored first (a commit whose answer was
    lost). Reads of the journal or state wait for `release` once `reading` is set."""

    def __init__(self, lands: bool) -> None:
        super().__init__()
        self.lands = lands
        self.failing = False
        self.reading = asyncio.Event()
        self.release = asyncio.Event()

    async def append(
        self, persistence_id: str, expected_seq: int, payloads: Sequence[bytes]
    ) -> float:
        if not self.failing:
            return await super().append(persistence_id, expected_seq, payloads)
        if self.lands:
            await super().append(persistence_id, expected_seq, payloads)
        raise PersistenceError("the connection was lost")

    async def save_state(self, persistence_id: str, expected_revision: int, payload: bytes) -> int:
        if not self.failing:
            return await super().save_state(persistence_id, expected_revision, payload)
        if self.lands:
            await super().save_state(persistence_id, expected_revision, payload)
        raise PersistenceError("the connection was lost")

    async def put_reminder(self, persistence_id: str, reminder: StoredReminder) -> None:
        if self.failing:
            raise PersistenceError("the connection was lost")
        await super().put_reminder(persistence_id, reminder)

    async def delete_reminder(self, persistence_id: str, key: str) -> bool:
        if self.failing:
            raise PersistenceError("the connection was lost")
        return await super().delete_reminder(persistence_id, key)

    async def reminders(self, persistence_id: str) -> list[StoredReminder]:
        await self._held()
        return await super().reminders(persistence_id)

    async def _held(self) -> None:
        if self.failing:
            self.reading.set()
            await self.release.wait()

    async def read(self, persistence_id: str, from_seq: int = 1) -> AsyncIterator[StoredEvent]:
        await self._held()
        async for event in super().read(persistence_id, from_seq):
            yield event

    async def load_state(self, persistence_id: str) -> StoredState | None:
        await self._held()
        return await super().load_state(persistence_id)


class Counter(EventSourced):
    def __init__(self) -> None:
        self.count = 0

    def apply(self, event: Any) -> None:
        self.count += event

    async def receive(self, message: Any) -> Any:
        return self.count


class Kept(DurableState):
    async def receive(self, message: Any) -> Any:
        return self.state


@pytest.mark.parametrize("lands", [True, False], ids=["landed", "not-landed"])
@pytest.mark.parametrize("kind", ["persist", "save"])
async def test_a_cancellation_during_a_failed_writes_read_back_is_not_lost(
    kind: str, lands: bool
) -> None:
    store = SlowReadBack(lands)
    async with asyncio.timeout(10), ActorSystem("rb", store=store) as system:
        ref = await system.spawn(Counter if kind == "persist" else Kept, name="a")
        actor: Any = instance(ref)
        store.failing = True
        write = asyncio.create_task(actor.persist(5) if kind == "persist" else actor.save(5))
        await store.reading.wait()
        write.cancel()
        store.release.set()
        with pytest.raises(asyncio.CancelledError):
            await write
        store.failing = False
        # What the store holds is what the instance holds: the read-back still counted.
        expected = 5 if lands else (0 if kind == "persist" else None)
        assert await ref.ask("get") == expected


@pytest.mark.parametrize("kind", ["start", "cancel"])
async def test_a_cancellation_during_a_failed_reminder_writes_read_back_is_not_lost(
    kind: str,
) -> None:
    store = SlowReadBack(lands=False)
    async with asyncio.timeout(10), ActorSystem("rb", store=store) as system:
        ref = await system.spawn(Counter, name="a")
        actor: Any = instance(ref)
        await actor.reminders.start("k", "tick", delay=3600.0)
        store.failing = True
        reminders = actor.reminders
        write = asyncio.create_task(
            reminders.start("k", "tock", delay=60.0) if kind == "start" else reminders.cancel("k")
        )
        await store.reading.wait()
        write.cancel()
        store.release.set()
        with pytest.raises(asyncio.CancelledError):
            await write
        store.failing = False
        assert [r.key for r in await store.reminders("/a")] == ["k"]
