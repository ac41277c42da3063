"""A broadcast reaches each member once: a `send`, a member stopping with its copy of an ask
still queued (the others hold copies of their own), and an ask whose asker gave up while a
copy waited for room (that copy is never sent, as a plain ask's message is not)."""

from __future__ import annotations

import asyncio

import pytest

from actorkit import ActorStopped, ActorSystem
from actorkit.testing import ManualClock

from .invariants import assert_settled
from .test_pool_faults_broadcast import held_member
from .test_pools import Member, seen_by_member


async def test_a_broadcast_send_reaches_each_member_once(clock: ManualClock) -> None:
    async with asyncio.timeout(5.0), ActorSystem(clock=clock) as system:
        pool = await system.spawn_pool(Member, size=3, routing="broadcast", name="pool")
        await pool.send("sent")
        await clock.settle()
        assert await seen_by_member(pool) == {"0": ["sent"], "1": ["sent"], "2": ["sent"]}
        await assert_settled(system)


async def test_a_member_stopped_with_its_copy_queued_leaves_the_others_one_each(
    clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    gate, busy = asyncio.Event(), asyncio.Event()
    Held = held_member(gate, busy)
    async with asyncio.timeout(5.0), ActorSystem(clock=clock) as system:
        pool = await system.spawn_pool(Held, size=3, routing="broadcast", name="pool")
        first = pool.members[0]
        first.tell("hold")
        await busy.wait()
        assert await pool.ask("asked", timeout=3.0) in {"1", "2"}  # member 0's copy queued
        stopping = asyncio.ensure_future(first.stop())
        await clock.settle()
        gate.set()
        await stopping
        await clock.settle()
        assert await seen_by_member(pool) == {"1": ["asked"], "2": ["asked"]}
        assert not [r for r in caplog.records if r.name == "asyncio"]  # late replies let go
        await assert_settled(system)


async def test_a_broadcast_ask_given_up_sends_no_copy_still_waiting_for_room(
    clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    gate, busy = asyncio.Event(), asyncio.Event()
    Held = held_member(gate, busy)
    async with asyncio.timeout(5.0), ActorSystem(clock=clock) as system:
        pool = await system.spawn_pool(
            Held, size=1, routing="broadcast", name="pool", mailbox_size=1
        )
        pool.tell("hold")
        await busy.wait()
        pool.tell("filler")  # the member is busy and its one-message mailbox is full
        asking = asyncio.ensure_future(pool.ask("asked", timeout=3.0))
        await clock.settle()
        asking.cancel()
        await clock.settle()
        gate.set()
        await clock.settle()
        assert await seen_by_member(pool) == {"0": ["hold", "filler"]}
        assert asking.cancelled()
        assert not [r for r in caplog.records if r.name == "asyncio"]  # no callback raised
        await assert_settled(system)


async def test_a_broadcast_ask_whose_every_copy_went_undelivered_fails_at_once() -> None:
    """The last copy to finish answers, undelivered too: the ask never hangs."""
    async with asyncio.timeout(5.0), ActorSystem() as system:
        pool = await system.spawn_pool(Member, size=1, routing="broadcast", name="pool")
        answer = asyncio.ensure_future(pool.ask("asked", timeout=60.0))
        await asyncio.sleep(0)  # the copy is made, not yet sent
        await pool.members[0].stop()
        with pytest.raises(ActorStopped):
            await answer
        await assert_settled(system)
