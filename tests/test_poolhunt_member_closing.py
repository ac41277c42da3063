"""A member stopped from outside is closed, and still among its pool's children, while code
its close runs (here a logging handler, on the crash report of its child that it abandons)
routes to the pool. From the moment its stop began the pool routes it nothing (docs/api.md
§9 Router): what is told to the pool then reaches the other members, never the closed one
as its dead letter."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, PoolRef
from actorkit.testing import ManualClock

BOUND = 5.0
TOLD = 4


class Child(Actor):
    async def receive(self, message: Any) -> None:
        raise RuntimeError("the child failed")


class Parent(Actor):
    """A member with a child; on a pair of events it sets the first and waits for the
    second. Notes anything else it is told."""

    def __init__(self, seen: list[tuple[str, str]]) -> None:
        self.seen = seen

    async def on_start(self) -> None:
        await self.spawn(Child, name="child")

    async def receive(self, message: Any) -> None:
        if isinstance(message, tuple):
            entered, gate = message
            entered.set()
            await gate.wait()
        else:
            self.seen.append((self.name, message))


class TellsOnAbandon(logging.Handler):
    """Tells the pool when a crash report says its supervisor stopped before deciding: that
    report is logged while the supervisor, member 0, closes."""

    def __init__(self, pool: PoolRef, closing: list[bool]) -> None:
        super().__init__()
        self.pool, self.closing = pool, closing

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, "directive", "") == "none (its supervisor stopped first)":
            member = self.pool._cell.children.get("0")
            self.closing.append(member is not None and member.closed)
            for n in range(TOLD):
                self.pool.tell(f"told {n}")


@pytest.mark.parametrize("routing", ["round_robin", "random", "least_loaded", "consistent_hash"])
async def test_a_tell_made_while_a_member_closes_reaches_another(
    routing: str, clock: ManualClock
) -> None:
    held = asyncio.Event(), asyncio.Event()
    seen: list[tuple[str, str]] = []
    closing: list[bool] = []
    logger = logging.getLogger("actorkit")
    async with asyncio.timeout(BOUND), ActorSystem(clock=clock) as system:
        hash_key = (lambda message: message) if routing == "consistent_hash" else None
        pool = await system.spawn_pool(
            Parent, seen, size=3, routing=routing, hash_key=hash_key, name="pool"
        )
        handler = TellsOnAbandon(pool, closing)
        logger.addHandler(handler)
        try:
            pool.members[0].tell(held)
            await held[0].wait()
            stopping = asyncio.ensure_future(pool.members[0].stop())
            await clock.settle()  # its stop waits for the message in hand
            child = system.lookup("/pool/0/child")
            assert child is not None
            child.tell("fail")  # its report reaches member 0 behind the stop
            await clock.settle()
            held[1].set()
            await stopping
            await clock.settle()
        finally:
            logger.removeHandler(handler)
        assert closing == [True]  # told while member 0 was closed but still a child
        assert sorted(message for _, message in seen) == [f"told {n}" for n in range(TOLD)]
        assert {name for name, _ in seen} <= {"1", "2"}
        assert system.dead_letters.count == 0
        assert system.accounting().balanced
