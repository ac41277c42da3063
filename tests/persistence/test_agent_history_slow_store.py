"""The agent history on a slow store: the changes held in memory, those buffered and those
being written together, stay within `MAX_BUFFERED`, whether the round in flight fails or
succeeds, and what does not fit is counted."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from actorkit import ActorSystem
from actorkit.persistence import PersistenceError, _agent_history
from actorkit.persistence._history_buffer import FIRST_BACKOFF
from actorkit.testing import ManualClock

from .agent_history_support import Worker, changes, dropped
from .durable_support import SharedMemoryStore

pytestmark = pytest.mark.timeout(30)


class Slow(SharedMemoryStore):
    """Holds every append at `gate` (signalling `waiting`), then fails it while `down`."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()
        self.waiting = asyncio.Event()
        self.down = False

    async def append(
        self, persistence_id: str, expected_seq: int, payloads: Sequence[bytes]
    ) -> float:
        self.waiting.set()
        await self.gate.wait()
        if self.down:
            raise PersistenceError("the database is gone")
        return await super().append(persistence_id, expected_seq, payloads)


@pytest.mark.parametrize("fails", [False, True], ids=["written", "failed"])
async def test_changes_being_written_count_against_the_bound(
    monkeypatch: pytest.MonkeyPatch, fails: bool
) -> None:
    monkeypatch.setattr(_agent_history, "MAX_BUFFERED", 2)
    store = Slow()
    clock = ManualClock()
    async with asyncio.timeout(10):
        async with ActorSystem("app", store=store, clock=clock, agent_history=True) as system:
            await system.spawn(Worker, name="a")
            await store.waiting.wait()  # a's change is being written: 1 held
            for name in ("b", "c", "d"):
                await system.spawn(Worker, name=name)
            assert dropped(system) == 2  # b's fits beside a's; c's and d's do not
            store.down = fails
            store.gate.set()
            if fails:
                await clock.advance(FIRST_BACKOFF)
                store.down = False
                await clock.advance(FIRST_BACKOFF * 2)
            assert changes(await system.agent_history("/a")) == [("idle", None)]
            assert changes(await system.agent_history("/b")) == [("idle", None)]
            assert await system.agent_history("/c") == []
