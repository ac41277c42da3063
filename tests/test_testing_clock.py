"""ManualClock's time: it moves only when advanced, firing what falls due in time order."""

from __future__ import annotations

import asyncio
import gc
import weakref

import pytest

from actorkit import ActorSystem
from actorkit.testing import SETTLE_LIMIT, ManualClock, Probe

from .testing_support import Relay


async def test_the_clock_starts_where_told_and_moves_only_when_advanced() -> None:
    assert ManualClock().now() == 0.0
    clock = ManualClock(start=100)
    assert clock.now() == 100.0
    await clock.advance(2.5)
    assert clock.now() == 102.5
    await clock.advance(0)
    assert clock.now() == 102.5


@pytest.mark.parametrize("bad", [-1.0, float("nan"), float("inf")])
async def test_advance_refuses_what_is_not_a_duration(bad: float) -> None:
    with pytest.raises(ValueError, match="advance"):
        await ManualClock().advance(bad)


async def test_advance_fires_what_falls_due_in_time_order_at_its_time() -> None:
    clock = ManualClock()
    fired: list[tuple[str, float]] = []
    for name, when in [("c", 3.0), ("a", 1.0), ("late", 9.0), ("b", 2.0), ("a2", 1.0)]:

        def fire(name: str = name) -> None:
            fired.append((name, clock.now()))

        clock.call_at(when, fire)
    await clock.advance(3.0)
    # In time order, ties in the order they were scheduled, each seeing its own due time.
    assert fired == [("a", 1.0), ("a2", 1.0), ("b", 2.0), ("c", 3.0)]
    assert (clock.pending, clock.next_due()) == (1, 9.0)


async def test_advance_reaches_what_float_rounding_puts_a_hair_past_its_target() -> None:
    clock = ManualClock()
    fired: list[tuple[str, float]] = []
    for name, when in [("rounded", 0.1 + 0.2), ("later", 0.3 + 1e-6)]:

        def fire(name: str = name) -> None:
            fired.append((name, clock.now()))

        clock.call_at(when, fire)
    await clock.advance(0.3)
    assert fired == [("rounded", 0.1 + 0.2)]  # 0.30000000000000004, at its own time
    assert clock.now() == 0.1 + 0.2  # never back to 0.3: time does not run backwards
    assert clock.next_due() == 0.3 + 1e-6
    await clock.advance(1e-6)
    assert [name for name, _ in fired] == ["rounded", "later"]


@pytest.mark.parametrize("start", [1e6, 9e8])
async def test_the_rounding_slack_stays_a_microsecond_far_from_zero(start: float) -> None:
    clock = ManualClock(start=start)
    fired: list[float] = []
    clock.call_at(start + 1.0005, lambda: fired.append(clock.now()))
    await clock.advance(1.0)
    assert fired == [] and clock.now() == start + 1.0
    await clock.advance(0.0005)
    assert fired == [start + 1.0005]


async def test_a_cancelled_entry_never_fires_and_is_not_pending() -> None:
    clock = ManualClock()
    fired: list[str] = []
    first = clock.call_at(1.0, lambda: fired.append("first"))
    clock.call_at(2.0, lambda: fired.append("second"))
    first.cancel()
    assert (clock.pending, clock.next_due()) == (1, 2.0)
    await clock.advance(5.0)
    assert fired == ["second"]
    assert (clock.pending, clock.next_due()) == (0, None)


async def test_what_a_callback_schedules_inside_the_window_fires_in_the_same_advance() -> None:
    clock = ManualClock()
    fired: list[float] = []

    def tick() -> None:
        fired.append(clock.now())
        clock.call_at(clock.now() + 1.0, tick)

    clock.call_at(1.0, tick)
    await clock.advance(3.5)
    assert fired == [1.0, 2.0, 3.0]
    assert clock.next_due() == 4.0


async def test_a_periodic_timer_fires_once_per_interval_passed(clock: ManualClock) -> None:
    async with ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)
        system.schedule_every(1.0, probe.ref, "tick")
        await clock.advance(3.5)  # due at 1, 2 and 3
        assert probe.pending == 3
        await clock.advance(0.5)  # and at 4
        assert probe.pending == 4
        system.schedule_every(2.0, probe.ref, "slow", initial_delay=0.5)
        await clock.advance(4.0)  # ticks at 5, 6, 7, 8; slow at 4.5, 6.5
        received = [await probe.receive() for _ in range(probe.pending)]
        assert received.count("tick") == 8 and received.count("slow") == 2


async def test_actors_react_between_steps_of_one_advance(clock: ManualClock) -> None:
    # Each message's handler arms the next timer: only letting the actor run after each due
    # time lets the chain through one advance.
    async with ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)
        relay = await system.spawn(Relay)
        relay.tell((0, probe.ref))
        await clock.advance(3.5)
        assert [await probe.receive() for _ in range(probe.pending)] == [0, 1, 2, 3]


async def test_advance_by_zero_fires_what_is_due_now() -> None:
    clock = ManualClock()
    fired: list[float] = []
    clock.call_at(0.0, lambda: fired.append(clock.now()))
    await clock.advance(0)
    assert fired == [0.0] and clock.pending == 0


async def test_many_timers_armed_for_one_instant_before_advance_all_fire() -> None:
    """Only timers armed during the advance at a standing time count towards its limit:
    10,001 backoffs or deadlines due at one instant are work, not a loop."""
    clock = ManualClock()
    fired: list[float] = []
    for _ in range(SETTLE_LIMIT + 1):
        clock.call_at(1.0, lambda: fired.append(clock.now()))
    await clock.advance(1.0)
    assert fired == [1.0] * (SETTLE_LIMIT + 1)


async def test_advances_made_at_once_take_turns_and_each_moves_time_its_own_amount() -> None:
    """A helper task driving time while the test advances too: the second waits for the first,
    then moves on from where it ended, so time moves by the sum and each due time fires once."""
    clock = ManualClock()
    fired: list[float] = []
    for when in (1.0, 2.0, 3.0, 4.0):
        clock.call_at(when, lambda: fired.append(clock.now()))
    async with asyncio.timeout(5):
        await asyncio.gather(clock.advance(1.5), clock.advance(1.5))
    assert clock.now() == 3.0
    assert fired == [1.0, 2.0, 3.0]


def test_advances_made_at_once_take_turns_on_each_event_loop_the_clock_is_used_from() -> None:
    """One clock, two `asyncio.run`s in turn (a module-level clock shared by two tests): what
    makes the advances of one loop take turns must not be bound to the loop before it."""
    clock = ManualClock()
    fired: list[float] = []
    for when in (1.0, 2.0, 3.0, 4.0):
        clock.call_at(when, lambda: fired.append(clock.now()))

    async def two_at_once() -> None:
        async with asyncio.timeout(5):
            await asyncio.gather(clock.advance(1.0), clock.advance(1.0))

    asyncio.run(two_at_once())
    asyncio.run(two_at_once())
    assert clock.now() == 4.0
    assert fired == [1.0, 2.0, 3.0, 4.0]


def test_a_clock_keeps_no_event_loop_it_was_advanced_from_after_that_loop_closed() -> None:
    """Advances that took turns on a loop (the second waited for the first) leave nothing
    holding that loop once they end: a module-level clock outlives a loop per test."""
    clock = ManualClock()
    loops: list[weakref.ref[asyncio.AbstractEventLoop]] = []

    async def two_at_once() -> None:
        loops.append(weakref.ref(asyncio.get_running_loop()))
        async with asyncio.timeout(5):
            await asyncio.gather(clock.advance(1.0), clock.advance(1.0))

    asyncio.run(two_at_once())
    gc.collect()
    assert loops[0]() is None
    assert clock.now() == 2.0
