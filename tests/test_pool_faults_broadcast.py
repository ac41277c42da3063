"""Broadcasts past a full member or one that stops: copies counted, a live member answers."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import ActorSystem
from actorkit.testing import ManualClock

from .invariants import assert_settled
from .test_pools import Member, seen_by_member


def held_member(gate: asyncio.Event, busy: asyncio.Event) -> type[Member]:
    """A member that, on "hold", says it is busy and waits for the gate."""

    class Held(Member):
        async def receive(self, message: Any) -> Any:
            if message == "hold":
                busy.set()
                await gate.wait()
            return await super().receive(message)

    return Held


async def test_a_broadcast_reaches_the_members_after_a_full_one_and_counts_its_copy(
    clock: ManualClock,
) -> None:
    """Member 1 is busy with its one-message mailbox full, between two members with room.
    A tell, a timer and a publish to the pool each reach members 0 and 2, and member 1's
    copy is its dead letter; the tell does not raise."""
    gate, busy = asyncio.Event(), asyncio.Event()
    Held = held_member(gate, busy)

    async with ActorSystem(clock=clock) as system:
        pool = await system.spawn_pool(
            Held, size=3, routing="broadcast", name="pool", mailbox_size=1
        )
        full = pool.members[1]
        full.tell("hold")
        async with asyncio.timeout(5.0):  # safety net only
            await busy.wait()
        full.tell("filler")
        system.subscribe(pool, "news")

        pool.tell("told")
        system.schedule_once(1.0, pool, "timed")
        await clock.advance(1.0)
        system.publish("news", "published")
        await clock.settle()

        assert [(d.message, d.recipient, d.reason) for d in system.dead_letters.recent] == [
            ("told", "/pool/1", "mailbox_full"),
            ("timed", "/pool/1", "mailbox_full"),
            ("published", "/pool/1", "mailbox_full"),
        ]
        stats = system.metrics.stats_for(Held)  # each copy is also a refused tell of its class
        assert stats is not None and stats.dropped == 3
        gate.set()
        seen = await seen_by_member(pool)
        assert seen == {
            "0": ["told", "timed", "published"],
            "1": ["hold", "filler"],
            "2": ["told", "timed", "published"],
        }
        await assert_settled(system)


async def test_a_broadcast_ask_is_answered_by_a_live_member_when_one_stops_before_it(
    clock: ManualClock,
) -> None:
    """The copy of the member that stopped first was never delivered: the others answer."""
    release = asyncio.Event()

    class Slow(Member):
        async def receive(self, message: Any) -> Any:
            if message == "wait":
                await release.wait()
            return await super().receive(message)

    async with asyncio.timeout(5.0), ActorSystem(clock=clock) as system:
        pool = await system.spawn_pool(
            Slow, size=3, routing="broadcast", restart="temporary", name="pool"
        )
        first, *others = pool.members
        for member in others:
            member.tell("wait")
        first.tell("crash")
        answer = asyncio.ensure_future(pool.ask("asked", timeout=1.0))
        await clock.settle()
        assert not first.is_alive and not answer.done()

        release.set()
        assert await answer in {"1", "2"}
        await assert_settled(system)


async def test_a_broadcast_ask_is_answered_by_a_live_member_when_one_stops_before_its_copy() -> (
    None
):
    """A member stopped between the routing and its copy (a parked one closes at once) was
    never sent its copy: that is no answer while another member can still give one."""
    async with asyncio.timeout(5.0), ActorSystem() as system:
        pool = await system.spawn_pool(
            Member, size=2, routing="broadcast", restart="temporary", name="pool"
        )
        answer = asyncio.ensure_future(pool.ask("asked", timeout=1.0))
        await asyncio.sleep(0)  # the copies are made, not yet sent
        await pool.members[0].stop()
        assert await answer == "1"
        await assert_settled(system)


class Stopper(Member):
    """Member 0 fails once `release` is set; member 1 sets it and stops member 0 before it
    replies, so member 0's queued copy fails undelivered in the same loop turn."""

    def __init__(self, release: asyncio.Event) -> None:
        super().__init__()
        self.release = release

    async def receive(self, message: Any) -> Any:
        if message == "crash later":
            await self.release.wait()
            raise RuntimeError("member crashed")
        if self.name == "1":
            self.release.set()
            first = self.system.lookup("/pool/0")
            assert first is not None
            await first.stop()
        return await super().receive(message)


async def test_a_broadcast_ask_prefers_a_reply_that_finished_with_an_undelivered_copy() -> None:
    """Member 0's copy fails undelivered and member 1 replies in the same loop turn: the
    asker, woken once with both done, gets the reply whatever order it looks in (sets of
    tasks iterate by address, so several tries)."""
    for _ in range(10):
        async with asyncio.timeout(5.0), ActorSystem() as system:
            pool = await system.spawn_pool(
                Stopper,
                asyncio.Event(),
                size=2,
                routing="broadcast",
                restart="temporary",
                name="pool",
            )
            pool.members[0].tell("crash later")
            assert await pool.ask("asked", timeout=1.0) == "1"
            await assert_settled(system)


async def test_a_broadcast_asks_copy_waiting_for_room_still_reaches_its_member(
    clock: ManualClock,
) -> None:
    """Member 1 is busy with its one-message mailbox full when member 0 answers: its copy
    of the ask waits for room, as any ask does, and is handled once there is some, rather
    than vanish, neither handled nor a dead letter, when the answer came."""
    gate, busy = asyncio.Event(), asyncio.Event()
    Held = held_member(gate, busy)

    async with asyncio.timeout(5.0), ActorSystem(clock=clock) as system:
        pool = await system.spawn_pool(
            Held, size=2, routing="broadcast", name="pool", mailbox_size=1
        )
        full = pool.members[1]
        full.tell("hold")
        await busy.wait()
        full.tell("filler")
        assert await pool.ask("asked", timeout=3.0) == "0"
        gate.set()
        await clock.settle()
        assert await seen_by_member(pool) == {"0": ["asked"], "1": ["hold", "filler", "asked"]}
        await assert_settled(system)
