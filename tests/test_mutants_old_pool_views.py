"""A pool's view of its members (docs/api.md §9, Router) as it meets members leaving: a
member draining after a shrink is routed nothing from the call, one that stopped for good
meanwhile is not kept in a view built before, and a member that sends to its own pool when
every member is full waits in a sibling's line, never its own."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor, ActorSystem, PoolRef
from actorkit.testing import ManualClock


class Gated(Actor):
    """Holds "hold" until its gate opens; notes what else it handles."""

    def __init__(self, gates: dict[str, asyncio.Event], seen: list[tuple[str, Any]]) -> None:
        self.gates, self.seen = gates, seen

    async def receive(self, message: Any) -> None:
        if message == "hold":
            await self.gates[self.name].wait()
        else:
            self.seen.append((self.name, message))


async def _shrinking(
    system: ActorSystem, clock: ManualClock, routing: str, gates: dict[str, asyncio.Event]
) -> tuple[PoolRef, asyncio.Future[None], list[tuple[str, Any]]]:
    """A pool of three, its view of them built, shrinking to two: member 2, held in its
    handler, drains."""
    seen: list[tuple[str, Any]] = []
    pool = await system.spawn_pool(Gated, gates, seen, size=3, routing=routing)
    assert isinstance(pool, PoolRef)
    pool.tell("first")
    await clock.settle()
    seen.clear()
    pool.members[2].tell("hold")
    await clock.settle()
    shrinking = asyncio.ensure_future(pool.resize(2))
    await clock.settle()
    assert [member.name for member in pool.members] == ["0", "1"]
    assert not shrinking.done()
    return pool, shrinking, seen


async def test_a_draining_member_is_routed_nothing_from_the_shrink(clock: ManualClock) -> None:
    gates = {"2": asyncio.Event()}
    async with asyncio.timeout(5.0), ActorSystem(clock=clock) as system:
        pool, shrinking, seen = await _shrinking(system, clock, "round_robin", gates)
        for n in range(6):
            pool.tell(n)
        gates["2"].set()
        await shrinking
        await clock.settle()
        assert sorted(who for who, _ in seen) == ["0"] * 3 + ["1"] * 3
        assert sorted(message for _, message in seen) == list(range(6))
        assert system.dead_letters.count == 0


async def test_a_member_stopped_while_another_drains_gets_no_copy(clock: ManualClock) -> None:
    """The view built at the shrink still holds member 1 when it stops for good: as many
    members as children then (member 2 drains), but one of them gone."""
    gates = {"2": asyncio.Event()}
    async with asyncio.timeout(5.0), ActorSystem(clock=clock) as system:
        pool, shrinking, seen = await _shrinking(system, clock, "broadcast", gates)
        await pool.members[1].stop()
        pool.tell("news")
        await clock.settle()
        assert seen == [("0", "news")]
        assert system.dead_letters.count == 0
        gates["2"].set()
        await shrinking


async def test_a_member_sending_to_its_full_pool_waits_in_a_siblings_line(
    clock: ManualClock,
) -> None:
    """Member 0, as full as member 1 and first of equals, is passed over for its own send:
    waiting for room in its own mailbox, which only its handler's return makes, it would
    wait for ever."""
    gates = {"1": asyncio.Event()}
    inside, go, sent = asyncio.Event(), asyncio.Event(), asyncio.Event()
    seen: list[tuple[str, Any]] = []
    pools: list[PoolRef] = []

    class Sender(Gated):
        async def receive(self, message: Any) -> None:
            if message == "send":
                inside.set()
                await go.wait()
                await pools[0].send(f"from {self.name}")
                sent.set()
            else:
                await super().receive(message)

    async with asyncio.timeout(5.0), ActorSystem(clock=clock) as system:
        pool = await system.spawn_pool(
            Sender, gates, seen, size=2, routing="least_loaded", mailbox_size=1
        )
        assert isinstance(pool, PoolRef)
        pools.append(pool)
        first, second = pool.members
        second.tell("hold")
        first.tell("send")
        await inside.wait()
        await clock.settle()
        second.tell("queued")
        first.tell("queued")  # both busy, each with one message queued: equally loaded
        go.set()
        await clock.settle()
        assert not sent.is_set()  # waiting for room at member 1
        gates["1"].set()
        await sent.wait()
        await clock.settle()
        assert sorted(seen) == [("0", "queued"), ("1", "from 0"), ("1", "queued")]
        assert system.dead_letters.count == 0


async def test_a_member_whose_stop_began_gets_no_broadcast_copy(clock: ManualClock) -> None:
    """The view built before holds member 0 when its `on_stop` begins: as many members as
    children still, but one of them stopping."""
    in_on_stop, gate = asyncio.Event(), asyncio.Event()
    seen: list[tuple[str, Any]] = []

    class SlowToStop(Gated):
        async def on_stop(self) -> None:
            in_on_stop.set()
            await gate.wait()

    async with asyncio.timeout(5.0), ActorSystem(clock=clock) as system:
        pool = await system.spawn_pool(SlowToStop, {}, seen, size=2, routing="broadcast")
        pool.tell("first")
        await clock.settle()
        stopping = asyncio.ensure_future(pool.members[0].stop())
        await in_on_stop.wait()
        pool.tell("news")
        await clock.settle()
        assert sorted(seen) == [("0", "first"), ("1", "first"), ("1", "news")]
        gate.set()
        await stopping
        assert system.dead_letters.count == 0  # no copy queued at member 0, lost at its end
