"""The limit of the read-back after a write whose answer was lost: it compares the stored
bytes, and no row says which writer wrote it. Fencing is optimistic (the expected sequence
number or revision), with no lease or epoch, so two live instances of one persistence id can
both run (two systems on one store spawning the same path, a split brain): when the other
instance's write lands byte for byte where this one's would be, and this one's did not, the
read-back takes it for its own. These tests pin that limit, and why one system never meets
it, as docs/persistence.md states both."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextvars import ContextVar
from typing import Any

import pytest

from actorkit import Actor, ActorSystem
from actorkit.persistence import (
    MemoryStore,
    PersistenceError,
    StoredEvent,
    StoredRecovery,
    StoredState,
)

from .durable_support import SharedMemoryStore
from .instances_support import CLASSES, HeldWrites, Ledger, Note, leave_held, stored
from .test_durable_commit_in_doubt import Added, Kept, Total, journal

pytestmark = pytest.mark.timeout(30)


class RivalLands(SharedMemoryStore):
    """Its next write (`rival` set) lets the other instance write first, then fails with
    nothing of its own written, as a commit whose connection failed before it reached the
    server does; the other's write keeps its store object, which shares the data."""

    rival: Callable[[], Awaitable[object]] | None = None

    async def _lost(self) -> None:
        rival, self.rival = self.rival, None
        if rival is not None:
            await rival()
            raise PersistenceError("the connection failed while the commit waited for its answer")

    async def append(
        self, persistence_id: str, expected_seq: int, payloads: Sequence[bytes]
    ) -> float:
        await self._lost()
        return await super().append(persistence_id, expected_seq, payloads)

    async def save_state(self, persistence_id: str, expected_revision: int, payload: bytes) -> int:
        await self._lost()
        return await super().save_state(persistence_id, expected_revision, payload)


@contextlib.asynccontextmanager
async def rivals(cls: type[Actor], first: object) -> AsyncIterator[tuple[RivalLands, Any, Any]]:
    """One path live in two systems sharing a store (`/` and the class's name in lower case):
    the first instance answered `first`, then the second was spawned."""
    store = RivalLands()
    async with (
        asyncio.timeout(10),
        ActorSystem("a", store=store, metrics=False) as one,
        ActorSystem("b", store=store.another(), metrics=False) as other,
    ):
        name = cls.__name__.lower()
        mine = await one.spawn(cls, name=name)
        assert await mine.ask(first) == first
        yield store, mine, await other.spawn(cls, name=name)  # a second live instance


async def test_a_lost_persist_takes_another_writers_identical_events_for_its_own() -> None:
    async with rivals(Total, 1) as (store, mine, theirs):
        store.rival = lambda: theirs.ask(10)
        assert await mine.ask(10) == 11  # acknowledged: its read-back found Added(10) at 2
        assert await journal(store, "/total") == [Added(1), Added(10)]  # one, for two asks
        assert await mine.ask("get") == await theirs.ask("get") == 11  # neither is stale


async def test_a_lost_persist_does_not_take_another_writers_different_events() -> None:
    async with rivals(Total, 1) as (store, mine, theirs):
        store.rival = lambda: theirs.ask(7)
        with pytest.raises(PersistenceError, match="connection failed"):
            await mine.ask(10)
        assert await journal(store, "/total") == [Added(1), Added(7)]
        assert await mine.ask("get") == 8  # stale, so restarted: recovered the other's event


async def test_a_lost_save_takes_another_writers_identical_state_for_its_own() -> None:
    async with rivals(Kept, "x") as (store, mine, theirs):
        store.rival = lambda: theirs.ask("y")
        assert await mine.ask("y") == "y"  # acknowledged: revision 2 holds "y", not its own
        stored = await store.load_state("/kept")
        assert stored is not None and stored.revision == 2
        assert await mine.ask("z") == "z"  # its revision is the store's: no conflict


_RECOVERING: ContextVar[bool] = ContextVar("recovering", default=False)


class LostWithHeldReadBack(HeldWrites):
    """Its next write (`lose` set) fails with nothing written; the read-back after it, held
    by `read_gate`, is logged, as is each recovery (which reads through the same calls)."""

    def __init__(self) -> None:
        super().__init__()
        self.lose = False
        self.read_gate: asyncio.Event | None = None
        self.reading = asyncio.Event()
        self.log: list[str] = []

    async def _lost(self) -> None:
        await self._hold()
        if self.lose:
            self.lose = False
            raise PersistenceError("the connection failed while the commit waited for its answer")

    async def append(
        self, persistence_id: str, expected_seq: int, payloads: Sequence[bytes]
    ) -> float:
        await self._lost()
        return await MemoryStore.append(self, persistence_id, expected_seq, payloads)

    async def save_state(self, persistence_id: str, expected_revision: int, payload: bytes) -> int:
        await self._lost()
        return await MemoryStore.save_state(self, persistence_id, expected_revision, payload)

    async def _read_back(self) -> None:
        if _RECOVERING.get() or self.read_gate is None:
            return
        gate, self.read_gate = self.read_gate, None
        self.log.append("read-back")
        self.reading.set()
        await gate.wait()

    def read(self, persistence_id: str, from_seq: int = 1) -> AsyncIterator[StoredEvent]:
        return self._held_read(persistence_id, from_seq)

    async def _held_read(self, persistence_id: str, from_seq: int) -> AsyncIterator[StoredEvent]:
        await self._read_back()
        async for event in MemoryStore.read(self, persistence_id, from_seq):
            yield event

    async def load_state(self, persistence_id: str) -> StoredState | None:
        await self._read_back()
        return await MemoryStore.load_state(self, persistence_id)

    async def load_recovery(self, persistence_id: str, journal: bool) -> StoredRecovery:
        self.log.append("recovery")
        recovering = _RECOVERING.set(True)
        try:
            return await super().load_recovery(persistence_id, journal)
        finally:
            _RECOVERING.reset(recovering)


@pytest.mark.parametrize("cls", CLASSES)
async def test_in_one_system_the_next_instance_recovers_after_a_lost_writes_read_back(
    cls: type[Ledger | Note],
) -> None:
    """Why one system never meets the limit above: the instance a restart replaces keeps its
    write in flight, read-back included, and the next instance's recovery waits for all of
    it. Recovered sooner, it could write the same bytes where the lost write would be, and
    the read-back would take them for the lost write's."""
    store = LostWithHeldReadBack()
    built: asyncio.Queue[object] = asyncio.Queue()
    async with asyncio.timeout(10), ActorSystem("z", store=store, metrics=False) as system:
        ref = await system.spawn(cls, built, name="a")
        await built.get()
        assert await ref.ask(1) == [1]
        store.lose, store.read_gate = True, (read_gate := asyncio.Event())
        gate, written = await leave_held(store, ref, "write")  # its task writes 100
        with pytest.raises(RuntimeError, match="crash"):
            await ref.ask("crash")
        await built.get()  # the next instance, whose recovery waits
        store.log.clear()
        gate.set()  # the write fails, answer lost: its read-back begins, and is held
        await store.reading.wait()
        asking = asyncio.ensure_future(ref.ask(100))  # the same write, from the next instance
        for _ in range(100):  # turns enough for a recovery that did not wait, and its write
            await asyncio.sleep(0)
        assert store.log == ["read-back"]
        read_gate.set()
        assert isinstance(await written, PersistenceError)  # nothing of its own was found
        assert await asking == [1, 100]
        assert store.log == ["read-back", "recovery"]
        assert await stored(store, cls) == [1, 100]
