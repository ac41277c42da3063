"""An ask a stopping member hands back to its pool after its asker gave up (it timed out while
queued there) ends as every message does: handled by a member that stays, or, when the pool
can route it nowhere, a dead letter; never dropped with nobody told (api.md §9, Order and
delivery: one that is not handled is accounted for)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, AskTimeout
from actorkit.testing import ManualClock, snapshots


class Gated(Actor):
    """Holds its first message until `gate` is set, so that an ask queues behind it."""

    def __init__(self, busy: asyncio.Event, gate: asyncio.Event) -> None:
        self.busy, self.gate = busy, gate

    async def receive(self, message: Any) -> Any:
        if message == "hold":
            self.busy.set()
            await self.gate.wait()
        return message


async def test_an_expired_ask_the_last_member_hands_back_is_a_dead_letter(
    clock: ManualClock,
) -> None:
    busy, gate = asyncio.Event(), asyncio.Event()
    async with asyncio.timeout(5.0), ActorSystem(clock=clock) as system:
        pool = await system.spawn_pool(Gated, busy, gate, size=1, name="pool")
        pool.tell("hold")
        await busy.wait()
        asking = asyncio.ensure_future(pool.ask("late", timeout=1.0))
        await clock.settle()  # queued behind "hold" at the only member
        await clock.advance(1.0)
        with pytest.raises(AskTimeout):
            await asking
        stopping = asyncio.ensure_future(pool.members[0].stop())
        gate.set()
        await stopping  # the member hands "late" back; the pool has no member left
        await clock.settle()
        assert [(d.message, d.reason) for d in system.dead_letters.recent] == [("late", "stopped")]
        assert system.accounting().balanced


async def test_an_expired_ask_whose_hash_key_fails_when_handed_back_is_a_dead_letter(
    clock: ManualClock,
) -> None:
    busy, gate = asyncio.Event(), asyncio.Event()
    routed: list[Any] = []

    def hash_key(message: Any) -> Any:
        routed.append(message)
        if message == "late" and routed.count("late") > 1:
            raise KeyError("no key the second time")
        return "same"  # every message to one member

    async with asyncio.timeout(5.0), ActorSystem(clock=clock) as system:
        pool = await system.spawn_pool(
            Gated, busy, gate, size=2, routing="consistent_hash", hash_key=hash_key, name="pool"
        )
        pool.tell("hold")
        await busy.wait()
        holder = next(m for m in pool.members if m.name == _owner(system))
        asking = asyncio.ensure_future(pool.ask("late", timeout=1.0))
        await clock.settle()
        await clock.advance(1.0)
        with pytest.raises(AskTimeout):
            await asking
        stopping = asyncio.ensure_future(holder.stop())
        gate.set()
        await stopping  # "late" goes back to the pool, whose hash_key now raises
        await clock.settle()
        reasons = [(d.message, d.reason) for d in system.dead_letters.recent]
        assert reasons == [("late", "undeliverable")]
        assert system.accounting().balanced


def _owner(system: ActorSystem) -> str:
    """The member holding "hold" (the one whose task is in its handler)."""
    busy = [s for s in snapshots(system) if s.path.startswith("/pool/") and s.accounting.handling]
    assert len(busy) == 1
    return busy[0].path.rsplit("/", 1)[1]
