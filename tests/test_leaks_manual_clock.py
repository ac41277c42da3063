"""Memory per operation under `ManualClock`: a test that never advances time past a far
deadline (an ask's, a pool resize's, a cancelled timer's) must not keep something for every
operation until that deadline. The real clock has asyncio drop cancelled loop timers and
files asks by rotation; these check the manual one, run after run, as a long test or a
simulation drives it."""

from __future__ import annotations

import asyncio
import functools
import gc
import weakref

from actorkit import ActorSystem
from actorkit.testing import ManualClock

from .testing_support import Echo

RUNS = 3_000
KEPT = 300
"""What the clock and the deadlines may hold after `RUNS` operations: a bound well below one
entry per operation, and above what their compaction lets stand."""


def entries(clock: ManualClock) -> int:
    return len(clock._heap)  # noqa: SLF001


def ask_buckets(system: ActorSystem) -> int:
    deadlines = system._runtime.ask_deadlines  # noqa: SLF001
    return sum(len(group) for group in deadlines._groups.values())  # noqa: SLF001


async def test_cancelled_timers_do_not_pile_up_until_their_due_time() -> None:
    clock = ManualClock()
    fired: list[int] = []
    kept = clock.call_at(3600.0, lambda: fired.append(0))
    for n in range(RUNS):
        clock.call_at(1800.0 + n, functools.partial(fired.append, n)).cancel()
    assert entries(clock) <= KEPT
    assert clock.pending == 1
    await clock.advance(3600.0)
    assert fired == [0]
    assert not kept.cancelled


async def test_a_cancelled_timer_lets_go_of_its_callback_at_once() -> None:
    """What the callback holds (a system, an actor) must not wait for the due time."""

    class Held:
        def fire(self) -> None:
            raise AssertionError("cancelled")

    clock = ManualClock()
    held = Held()
    alive = weakref.ref(held)
    clock.call_at(3600.0, held.fire).cancel()
    del held
    gc.collect()
    assert alive() is None
    await clock.advance(3600.0)


async def test_a_schedule_cancelled_again_and_again_keeps_nothing_per_schedule() -> None:
    clock = ManualClock()
    async with asyncio.timeout(30), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Echo)
        for n in range(RUNS):  # each due sooner: the system's queue arms the clock anew
            system.schedule_once(3600.0 - n * 0.01, ref, "tick").cancel()
        assert entries(clock) <= KEPT


async def test_pool_resizes_keep_nothing_per_resize_on_the_clock() -> None:
    clock = ManualClock()
    async with asyncio.timeout(30), ActorSystem(clock=clock) as system:
        pool = await system.spawn_pool(Echo, size=2)
        for _ in range(RUNS // 4):
            await pool.resize(3)
            await pool.resize(2)
        assert entries(clock) <= KEPT
        assert ask_buckets(system) <= KEPT
        assert len(pool.members) == 2


async def test_asks_while_time_stands_still_keep_nothing_per_ask() -> None:
    clock = ManualClock()
    async with asyncio.timeout(30), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Echo)
        for n in range(RUNS):
            assert await ref.ask(n, timeout=60.0) == n
        assert ask_buckets(system) <= KEPT
        assert entries(clock) <= KEPT
