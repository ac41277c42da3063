"""A `least_loaded` pool whose members are all full (docs/api.md §9, Router): the senders
waiting for room at a member are messages headed for its mailbox, so the routing counts
them. Counting only the queues, every full member looked alike and each `send` or ask
joined the first member's line, however long: behind a member that stalls, they all
waited while its siblings went idle."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem
from actorkit.testing import ManualClock


class Gated(Actor):
    """Handles "hold" once its own gate opens; notes what else it handles."""

    def __init__(self, gates: dict[str, asyncio.Event], seen: list[tuple[str, Any]]) -> None:
        self.gates, self.seen = gates, seen

    async def receive(self, message: Any) -> str:
        if message == "hold":
            await self.gates[self.name].wait()
        else:
            self.seen.append((self.name, message))
        return self.name


async def _full_pool(
    system: ActorSystem, clock: ManualClock, gates: dict[str, asyncio.Event], seen: list[Any]
) -> Any:
    """Three members of capacity 1, each holding "hold" with one message queued."""
    pool = await system.spawn_pool(
        Gated, gates, seen, size=3, routing="least_loaded", mailbox_size=1
    )
    for member in pool.members:
        member.tell("hold")
    await clock.settle()
    for member in pool.members:
        member.tell("queued")
    return pool


@pytest.mark.parametrize("call", ["send", "ask"])
async def test_waiting_senders_spread_over_full_members_rather_than_one_line(
    call: str, clock: ManualClock
) -> None:
    gates = {name: asyncio.Event() for name in ("0", "1", "2")}
    seen: list[tuple[str, Any]] = []
    async with asyncio.timeout(5.0), ActorSystem(clock=clock) as system:
        try:
            pool = await _full_pool(system, clock, gates, seen)
            if call == "send":
                waiting = [asyncio.ensure_future(pool.send(n)) for n in range(3)]
            else:
                waiting = [asyncio.ensure_future(pool.ask(n, timeout=60.0)) for n in range(3)]
            await clock.settle()
            assert not any(task.done() for task in waiting)
            gates["1"].set()  # member 0 stays stalled: only its own line waits for it
            gates["2"].set()
            await clock.settle()
            assert sum(task.done() for task in waiting) == 2
            assert sorted(who for who, message in seen if message != "queued") == ["1", "2"]
        finally:
            gates["0"].set()
        await asyncio.gather(*waiting)
        assert sorted(message for _, message in seen if message != "queued") == [0, 1, 2]
        assert system.dead_letters.count == 0


async def test_a_line_counts_as_much_as_the_messages_it_holds(clock: ManualClock) -> None:
    """Two senders already wait at member 0 and one at member 1: the next goes to member 2,
    then to member 1 rather than to member 0's longer line."""
    gates = {name: asyncio.Event() for name in ("0", "1", "2")}
    seen: list[tuple[str, Any]] = []
    async with asyncio.timeout(5.0), ActorSystem(clock=clock) as system:
        pool = await _full_pool(system, clock, gates, seen)
        members = pool.members
        waiting = [asyncio.ensure_future(members[i].send(("direct", i))) for i in (0, 0, 1)]
        await clock.settle()
        waiting += [asyncio.ensure_future(pool.send(("pool", n))) for n in range(2)]
        await clock.settle()
        for gate in gates.values():
            gate.set()
        await asyncio.gather(*waiting)
        await clock.settle()
        routed = {message[1]: who for who, message in seen if message[0] == "pool"}
        assert routed == {0: "2", 1: "1"}
