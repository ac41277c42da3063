"""Promises of docs/api.md section 9 ("Precise semantics") about time on a `ManualClock`: where a
backoff's quiet window ends, a handler's own `asyncio.sleep` under `advance`, and what an
answered ask leaves on the clock."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorRef, ActorStopped, ActorSystem, Backoff, OneForOne
from actorkit.testing import ManualClock, pending_asks, pending_timers

from .docs_promises_support import BOUND, Agent
from .supervision_support import Crashing


async def crash_and_restart(ref: ActorRef, clock: ManualClock) -> None:
    ref.tell("crash")
    await clock.settle()
    due = clock.next_due()
    assert due is not None  # the restart's backoff
    await clock.advance(due - clock.now())


@pytest.mark.parametrize(("quiet", "delay"), [(5.0, 2.0), (5.5, 1.0)])
async def test_a_backoff_resets_only_past_within_seconds_of_running(
    clock: ManualClock, quiet: float, delay: float
) -> None:
    """The window that resets a backoff is the intensity's: a failure exactly `within`
    seconds after the restart is still inside it, so the next delay still doubles."""
    starts: list[float] = []
    strategy = OneForOne(max_restarts=100, within=5.0, backoff=Backoff(min=1.0, max=8.0, jitter=0))
    async with asyncio.timeout(BOUND), ActorSystem(clock=clock, supervisor=strategy) as system:
        ref = await system.spawn(Crashing, clock, starts)
        await crash_and_restart(ref, clock)  # restarted at 1.0, after 1 s
        await clock.advance(quiet)
        await crash_and_restart(ref, clock)
        assert starts == [0.0, 1.0, 1.0 + quiet + delay]


class Sleeper(Actor):
    """Waits in its handler on the event loop's own time: a real hour."""

    async def receive(self, message: Any) -> Any:
        message.set()
        await asyncio.sleep(3600)
        return "woke"


async def test_advance_does_not_move_a_handlers_own_asyncio_sleep(clock: ManualClock) -> None:
    """A handler's `asyncio.sleep` is on the loop's real time: `advance` neither shortens it
    nor waits for it (`settle` counts the handler as quiet), so it returns at once."""
    async with asyncio.timeout(BOUND), ActorSystem(clock=clock, metrics=False) as system:
        ref = await system.spawn(Sleeper)
        entered = asyncio.Event()
        asked = asyncio.ensure_future(ref.ask(entered, timeout=10_000.0))
        await entered.wait()
        await clock.advance(7200.0)
        assert clock.now() == 7200.0
        assert not asked.done()
        await ref.stop(timeout=0)
        with pytest.raises(ActorStopped):
            await asked


async def test_an_answered_asks_deadline_leaves_the_clock_nothing_pending(
    clock: ManualClock,
) -> None:
    """An answered ask leaves its deadline's group at once; the clock's one ask entry stays
    armed until that time (cancelling it per answer would cost every ask), then fires to
    time nothing out and leaves, but `clock.pending` and `clock.next_due()` count it only
    while an ask waits on it."""
    async with asyncio.timeout(BOUND), ActorSystem(clock=clock, metrics=False) as system:
        ref = await system.spawn(Agent)
        assert await ref.ask("fine", timeout=100.0) == "fine"
        assert (pending_asks(system), pending_timers(system)) == (0, 0)
        assert (clock.pending, clock.next_due()) == (0, None)
        await clock.advance(100.0)
        assert (clock.pending, clock.next_due()) == (0, None)
        assert ref.is_alive and system.dead_letters.count == 0
