"""A broadcast told in the middle of a member's close: user code (here a logging handler)
runs inside it while the member is closed but still among the pool's children. A closed
member is out of the routing (the pool's last, in a shutdown), so the tell is the pool's
dead letter as stopped, never a `mailbox_full` of the member that refused nothing."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from actorkit import Actor, ActorSystem, PoolRef
from actorkit.testing import ManualClock

from .shutdown_support import BOUND


class Child(Actor):
    async def receive(self, message: Any) -> None:
        raise RuntimeError("the child failed")


class Parent(Actor):
    """A member with a child; on a pair of events it sets the first, waits for the second,
    then fails."""

    async def on_start(self) -> None:
        await self.spawn(Child, name="child")

    async def receive(self, message: tuple[asyncio.Event, asyncio.Event]) -> None:
        entered, gate = message
        entered.set()
        await gate.wait()
        raise RuntimeError("the member failed")


class TellsOnAbandon(logging.Handler):
    """Tells the pool when a crash report says its supervisor stopped before deciding: that
    report is logged while the supervisor, a member, closes."""

    def __init__(self, pool: PoolRef) -> None:
        super().__init__()
        self.pool = pool

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, "directive", "") == "none (its supervisor stopped first)":
            self.pool.tell("told while a member closes")


async def test_a_broadcast_told_as_the_last_member_closes_is_the_pools_dead_letter_as_stopped(
    clock: ManualClock,
) -> None:
    held = asyncio.Event(), asyncio.Event()
    logger = logging.getLogger("actorkit")
    async with asyncio.timeout(BOUND):
        system = await ActorSystem(clock=clock).start()
        pool = await system.spawn_pool(Parent, size=2, routing="broadcast", name="pool")
        handler = TellsOnAbandon(pool)
        logger.addHandler(handler)
        try:
            pool.members[0].tell(held)
            await held[0].wait()
            child = system.lookup("/pool/0/child")
            assert child is not None
            child.tell("fail")  # its report waits behind member 0's message
            await clock.settle()
            shutting = asyncio.ensure_future(system.shutdown())
            await clock.settle()  # the pool drains: a member's failure now stops it
            held[1].set()  # member 0 fails, stops, and abandons its child's report
            await shutting
        finally:
            logger.removeHandler(handler)
    letters = [
        (d.recipient, d.reason)
        for d in system.dead_letters.recent
        if d.message == "told while a member closes"
    ]
    assert letters == [("/pool", "stopped")]  # not "mailbox_full": nothing refused it
    stats = system.metrics.stats_for(Parent)
    assert stats is not None and stats.dropped == 0
