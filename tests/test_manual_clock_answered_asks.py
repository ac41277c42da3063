"""`ManualClock.pending` and `next_due()` after asks (docs/api.md §5, `ManualClock`): the ask
deadlines' one clock entry stays armed once every ask it was set for is answered (a cancel
per answer would cost every ask), but it counts only while an ask still waits on a deadline,
so that "nothing is scheduled" holds once a test's asks are answered."""

from __future__ import annotations

import asyncio

import pytest

from actorkit import ActorSystem, AskTimeout
from actorkit.testing import ManualClock, pending_asks, pending_timers

from .testing_support import Echo, Held

BOUND = 5.0


async def test_an_answered_ask_leaves_nothing_pending_on_the_clock(clock: ManualClock) -> None:
    async with asyncio.timeout(BOUND), ActorSystem(clock=clock, metrics=False) as system:
        ref = await system.spawn(Echo)
        await clock.settle()
        assert (clock.pending, clock.next_due()) == (0, None)
        for n, timeout in enumerate((100.0, 5.0, 100.0, 3600.0)):
            assert await ref.ask(n, timeout=timeout) == n
        assert (pending_asks(system), pending_timers(system)) == (0, 0)
        assert (clock.pending, clock.next_due()) == (0, None)
        await clock.advance(3600.0)  # the entry fires at its time, and times nothing out
        assert (clock.pending, clock.next_due()) == (0, None)
        assert await ref.ask("after", timeout=1.0) == "after"
        assert (clock.pending, clock.next_due()) == (0, None)


async def test_a_waiting_ask_counts_and_times_out_on_time(clock: ManualClock) -> None:
    """An ask answered first, with an earlier deadline, leaves the entry armed for that one:
    it counts once for the ask still waiting, fires there, and is set again for it."""
    async with asyncio.timeout(BOUND), ActorSystem(clock=clock, metrics=False) as system:
        echo, held = await system.spawn(Echo), await system.spawn(Held)
        assert await echo.ask("answered", timeout=10.0) == "answered"
        gate = asyncio.Event()
        waiting = asyncio.create_task(held.ask(gate, timeout=100.0))
        await clock.settle()
        assert (pending_asks(system), clock.pending, clock.next_due()) == (1, 1, 10.0)
        await clock.advance(10.0)
        assert (clock.pending, clock.next_due()) == (1, 100.0)
        await clock.advance(89.0)
        assert not waiting.done()
        await clock.advance(1.0)
        with pytest.raises(AskTimeout):
            await waiting
        assert clock.now() == 100.0
        assert (pending_asks(system), clock.pending, clock.next_due()) == (0, 0, None)
        gate.set()
        await clock.settle()
