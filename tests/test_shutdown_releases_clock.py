"""A system that shut down leaves nothing on its clock: no timer armed for a message nobody
will take, no ask deadline bucket, and no claim on a `ManualClock` that a test hands on to
the next system."""

from __future__ import annotations

import asyncio

from actorkit import Actor, ActorSystem
from actorkit.testing import ManualClock

SAFETY = 10.0


class Echo(Actor):
    async def receive(self, message: object) -> object:
        return message


async def test_a_timer_still_due_at_shutdown_ends_with_it() -> None:
    clock = ManualClock()
    async with asyncio.timeout(SAFETY):
        async with ActorSystem("timers", clock=clock) as system:
            ref = await system.spawn(Echo)
            handle = system.schedule_once(60.0, ref, "too late")
            assert clock.pending == 1
        assert not handle.active
        assert clock.pending == 0


async def test_an_answered_asks_deadline_bucket_ends_with_the_system() -> None:
    """An answered ask leaves its deadline in a bucket to be swept later (cheaper than
    taking it out per ask): the shutdown takes the bucket off the clock."""
    clock = ManualClock()
    async with asyncio.timeout(SAFETY):
        async with ActorSystem("asks", clock=clock) as system:
            ref = await system.spawn(Echo)
            assert await ref.ask("hi", timeout=60.0) == "hi"
            assert clock.pending >= 1
        assert clock.pending == 0


async def test_a_shut_down_system_no_longer_holds_the_manual_clock() -> None:
    clock = ManualClock()
    async with asyncio.timeout(SAFETY):
        async with ActorSystem("first", clock=clock):
            assert len(clock._idle) == 1  # noqa: SLF001 (what `settle` consults)
        assert clock._idle == []  # noqa: SLF001
