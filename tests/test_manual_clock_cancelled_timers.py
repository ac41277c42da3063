"""`ManualClock.pending` and `next_due()` after timers are cancelled (docs/api.md §5): the
timer queue's one clock entry stays armed for its earliest timer once that timer is cancelled
(an actor's request timeout, cancelled at each reply, keeps its entry for the next start), but
it counts only while a timer is still due, so "nothing is scheduled" holds once a test's
timers are all cancelled."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor, ActorSystem
from actorkit.testing import ManualClock, Probe, pending_timers

BOUND = 5.0


class Requester(Actor):
    """Arms a timeout per request and cancels it at the reply, as a request-reply actor does."""

    async def receive(self, message: Any) -> Any:
        if message == "request":
            self.timers.start_once("timeout", "timed out", 30.0)
        elif message == "reply":
            self.timers.cancel("timeout")
        return message


async def test_a_cancelled_system_timer_leaves_nothing_pending(clock: ManualClock) -> None:
    async with asyncio.timeout(BOUND), ActorSystem(clock=clock, metrics=False) as system:
        probe = await Probe.spawn(system)
        await clock.settle()
        handle = system.schedule_once(60.0, probe.ref, "tick")
        assert (clock.pending, clock.next_due()) == (1, 60.0)
        handle.cancel()
        assert pending_timers(system) == 0
        assert (clock.pending, clock.next_due()) == (0, None)
        later = system.schedule_once(120.0, probe.ref, "later")
        assert (clock.pending, pending_timers(system)) == (1, 1)
        await clock.advance(120.0)
        assert await probe.receive(timeout=1.0) == "later"
        probe.expect_empty()  # the cancelled timer's entry came at 60.0 and sent nothing
        assert (clock.pending, clock.next_due()) == (0, None)
        assert not later.cancel()


async def test_an_actor_timeout_cancelled_at_its_reply_leaves_nothing_pending(
    clock: ManualClock,
) -> None:
    async with asyncio.timeout(BOUND), ActorSystem(clock=clock, metrics=False) as system:
        ref = await system.spawn(Requester)
        await clock.settle()
        for _ in range(3):
            await ref.ask("request")
            assert (clock.pending, pending_timers(system)) == (1, 1)
            await ref.ask("reply")
            assert pending_timers(system) == 0
            assert (clock.pending, clock.next_due()) == (0, None)
