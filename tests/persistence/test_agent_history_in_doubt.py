"""A history write whose commit was in doubt and whose read-back failed too is checked again
before its round is tried again: it landed, so it is counted as written once and not written
a second time. The writer used to write it again after the journal's new head, so the
journal held those changes twice and `actorkit_agent_history_written_total` counted one
copy: the counter and the journal disagreed, and the history showed changes that never
happened twice."""

from __future__ import annotations

import asyncio

import pytest

from actorkit import ActorSystem
from actorkit.testing import ManualClock

from .agent_history_support import InDoubt, Worker, changes, dropped, metric, run_tasks

FIRST_BACKOFF = 0.05


@pytest.mark.parametrize("landed", [True, False], ids=["landed", "did_not_land"])
async def test_a_write_in_doubt_whose_read_back_failed_is_written_once(landed: bool) -> None:
    """Landed, it is found when tried again and not written a second time; not landed, it is
    written then."""
    store = InDoubt(blind=True)
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
    store = InDoubt(blind=True)
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
