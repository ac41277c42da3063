"""A history write whose commit was in doubt and whose read-back failed too is checked again
before its round is tried again: it landed, so it is counted as written once and not written
a second time. The writer used to write it again after the journal's new head, so the
journal held those changes twice and `actorkit_agent_history_written_total` counted one
copy: the counter and the journal disagreed, and the history showed changes that never
happened twice."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

import pytest

from actorkit import ActorSystem
from actorkit.persistence import MemoryStore, PersistenceError, StoredEvent
from actorkit.testing import ManualClock

from .agent_history_support import Worker, changes, dropped, metric, run_tasks

FIRST_BACKOFF = 0.05


class CannotTell(MemoryStore):
    """Its next append once `lose` is set commits, then fails as a lost answer would, and the
    read that follows fails too: the writer cannot tell whether it landed."""

    lose = False
    refuse = False
    """Like `lose`, but the append fails before it commits."""
    read_fails = False

    def __init__(self) -> None:
        super().__init__()
        self.lost = asyncio.Event()

    async def append(
        self, persistence_id: str, expected_seq: int, payloads: Sequence[bytes]
    ) -> float:
        if self.refuse:
            self.refuse, self.read_fails = False, True
            self.lost.set()
            raise PersistenceError("the connection was lost before the commit")
        written = await super().append(persistence_id, expected_seq, payloads)
        if self.lose:
            self.lose, self.read_fails = False, True
            self.lost.set()
            raise PersistenceError("the connection was lost before the commit's answer")
        return written

    async def read(self, persistence_id: str, from_seq: int = 1) -> AsyncIterator[StoredEvent]:
        if self.read_fails:
            self.read_fails = False
            raise PersistenceError("the connection is still down")
        async for stored in super().read(persistence_id, from_seq):
            yield stored


@pytest.mark.parametrize("landed", [True, False], ids=["landed", "did_not_land"])
async def test_a_write_in_doubt_whose_read_back_failed_is_written_once(landed: bool) -> None:
    """Landed, it is found when tried again and not written a second time; not landed, it is
    written then."""
    store = CannotTell()
    clock = ManualClock()
    async with asyncio.timeout(10):
        async with ActorSystem("app", store=store, clock=clock, agent_history=True) as system:
            if landed:
                store.lose = True
            else:
                store.refuse = True
            await system.spawn(Worker, name="w")
            await store.lost.wait()
            await clock.advance(FIRST_BACKOFF)  # the round is tried again
            await run_tasks(system, 1)
            history = await system.agent_history("/w")
            journal = [event async for event in store.events("agents/app/w")]
            assert changes(history) == [("idle", None), ("busy", 1), ("idle", None)]
            assert (len(journal), metric(system, "written"), dropped(system)) == (3, 3, 0)


async def test_changes_recorded_after_a_write_in_doubt_that_landed_follow_it_once() -> None:
    """The round tried again carries the changes in doubt and those recorded meanwhile: the
    first are found in the journal, and only the others are written."""
    store = CannotTell()
    clock = ManualClock()
    async with asyncio.timeout(10):
        async with ActorSystem("app", store=store, clock=clock, agent_history=True) as system:
            store.lose = True
            await system.spawn(Worker, name="w")
            await store.lost.wait()
            await run_tasks(system, 1)  # during the backoff
            await clock.advance(FIRST_BACKOFF)
            history = await system.agent_history("/w")
            journal = [event async for event in store.events("agents/app/w")]
            assert changes(history) == [("idle", None), ("busy", 1), ("idle", None)]
            assert (len(journal), metric(system, "written"), dropped(system)) == (3, 3, 0)
