"""Reminders keep to the wall clock when it steps apart from the loop's monotonic clock (an NTP
step, an admin setting the time, a suspended or migrated VM resuming): a reminder due at a
wall-clock time fires then, or within a check period of a forward step that passed it, never
early after a backward one, and a periodic one keeps its wall-clock grid. Plain timers stay on
the monotonic clock."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from actorkit import Actor, ActorSystem
from actorkit._clock import SystemClock
from actorkit.persistence import DurableState, MemoryStore
from actorkit.persistence._wall import CHECK_PERIOD
from actorkit.testing import ManualClock

pytestmark = pytest.mark.timeout(30)


class SteppedClock(ManualClock):
    """A `ManualClock` whose wall clock can step apart from its loop time, as a host's can."""

    def __init__(self) -> None:
        super().__init__()
        self.wall_offset = 0.0

    def wall_time(self) -> float:
        return self.now() + self.wall_offset

    def step_wall(self, seconds: float) -> None:
        self.wall_offset += seconds


class Owner(DurableState):
    """Notes each message with the wall-clock time it came at."""

    def __init__(self, arrived: asyncio.Event | None = None) -> None:
        self.got: list[tuple[Any, float]] = []
        self.arrived = arrived

    async def receive(self, message: Any) -> Any:
        if message == "got":
            return self.got
        if isinstance(message, tuple) and message[0] == "start":
            return await self.reminders.start(*message[1:])
        if isinstance(message, tuple) and message[0] == "cancel":
            return await self.reminders.cancel(message[1])
        self.got.append((message, self._durable.service.wall_now()))
        if self.arrived is not None:
            self.arrived.set()
        return None


async def got(owner: Any) -> list[Any]:
    return [message for message, _ in await owner.ask("got")]


async def test_a_forward_step_past_a_due_time_fires_within_the_check_period() -> None:
    clock = SteppedClock()
    async with asyncio.timeout(10), ActorSystem("w", store=MemoryStore(), clock=clock) as system:
        owner = await system.spawn(Owner, name="owner")
        await owner.ask(("start", "nine", "nine", 3600.0))
        await clock.advance(10.0)
        assert await got(owner) == []
        clock.step_wall(3600.0)  # a host resumed after an hour: its loop clock did not move
        await clock.advance(CHECK_PERIOD)
        assert await got(owner) == ["nine"]
        await clock.advance(3600.0)  # and not again at its old place on the loop clock
        assert await got(owner) == ["nine"]


async def test_a_backward_step_does_not_fire_a_reminder_early() -> None:
    clock = SteppedClock()
    async with asyncio.timeout(10), ActorSystem("w", store=MemoryStore(), clock=clock) as system:
        owner = await system.spawn(Owner, name="owner")
        await owner.ask(("start", "ten", "ten", 10.0))
        await clock.advance(5.0)
        clock.step_wall(-60.0)  # wall 5 -> -55: due at wall 10 is loop time 70
        await clock.advance(60.0)
        assert await got(owner) == []
        await clock.advance(5.0)
        assert await owner.ask("got") == [("ten", 10.0)]


async def test_a_backward_step_just_before_the_fire_is_caught_when_it_fires() -> None:
    """Stepped after the last check and before the timer fires: the fire itself checks."""
    clock = SteppedClock()
    async with asyncio.timeout(10), ActorSystem("w", store=MemoryStore(), clock=clock) as system:
        owner = await system.spawn(Owner, name="owner")
        await owner.ask(("start", "once", "once", 10.5))
        await owner.ask(("start", "tick", "tick", 10.5, 100.0))
        await clock.advance(10.25)
        assert clock.next_due() == 10.5  # the owner's timers, before the next check (at 11)
        clock.step_wall(-60.0)
        await clock.advance(0.5)
        assert await got(owner) == []
        await clock.advance(59.75)  # wall 10.5 again
        assert sorted(await owner.ask("got")) == [("once", 10.5), ("tick", 10.5)]


async def test_a_periodic_reminder_returns_to_its_wall_clock_grid_after_a_forward_step() -> None:
    clock = SteppedClock()
    async with asyncio.timeout(10), ActorSystem("w", store=MemoryStore(), clock=clock) as system:
        owner = await system.spawn(Owner, name="owner")
        await owner.ask(("start", "tick", "tick", 10.0, 10.0))  # wall 10, 20, 30, ...
        await clock.advance(12.0)
        clock.step_wall(25.0)  # wall 37: 20 and 30 passed, delivered once, then 40, 50, ...
        await clock.advance(CHECK_PERIOD)  # loop 13, wall 38
        assert len(await got(owner)) == 2
        await clock.advance(1.99)  # loop 14.99, wall 39.99
        assert len(await got(owner)) == 2
        await clock.advance(10.01)  # loop 25, wall 50
        assert [at for _, at in await owner.ask("got")] == [10.0, 38.0, 40.0, 50.0]


async def test_a_periodic_reminder_returns_to_its_wall_clock_grid_after_a_backward_step() -> None:
    clock = SteppedClock()
    async with asyncio.timeout(10), ActorSystem("w", store=MemoryStore(), clock=clock) as system:
        owner = await system.spawn(Owner, name="owner")
        await owner.ask(("start", "tick", "tick", 10.0, 10.0))
        await clock.advance(12.0)
        clock.step_wall(-5.0)  # wall 7: 20 is at loop 25
        await clock.advance(12.99)
        assert len(await got(owner)) == 1
        await clock.advance(10.01)  # loop 35, wall 30
        assert [at for _, at in await owner.ask("got")] == [10.0, 20.0, 30.0]


async def test_a_small_forward_step_after_a_fire_does_not_fire_that_point_again() -> None:
    clock = SteppedClock()
    async with asyncio.timeout(10), ActorSystem("w", store=MemoryStore(), clock=clock) as system:
        owner = await system.spawn(Owner, name="owner")
        await owner.ask(("start", "tick", "tick", 10.0, 10.0))
        await clock.advance(11.0)
        clock.step_wall(3.0)  # wall 14: 10 was delivered, 20 is at loop 17
        await clock.advance(5.99)
        assert len(await got(owner)) == 1
        await clock.advance(0.01)
        assert [at for _, at in await owner.ask("got")] == [10.0, 20.0]


class Busy(Owner):
    """An owner that can be held in a handler while ticks queue behind it."""

    def __init__(self, held: asyncio.Event, release: asyncio.Event) -> None:
        super().__init__()
        self.held, self.release = held, release

    async def receive(self, message: Any) -> Any:
        if message == "hold":
            self.held.set()
            await self.release.wait()
            return None
        return await super().receive(message)


async def test_a_step_loses_no_tick_waiting_in_the_mailbox() -> None:
    clock = SteppedClock()
    held, release = asyncio.Event(), asyncio.Event()
    async with asyncio.timeout(10), ActorSystem("w", store=MemoryStore(), clock=clock) as system:
        owner = await system.spawn(Busy, held, release, name="owner")
        await owner.ask(("start", "tick", "tick", 10.0, 10.0))
        await clock.advance(9.0)
        owner.tell("hold")
        await held.wait()
        await clock.advance(1.0)  # the tick for 10 waits behind "hold"
        clock.step_wall(3.0)  # wall 13: the timer moves, to fire for 20 at loop 17
        await clock.advance(CHECK_PERIOD)
        release.set()
        assert await got(owner) == ["tick"]
        await clock.advance(6.99 - CHECK_PERIOD)  # loop 16.99
        assert await got(owner) == ["tick"]
        await clock.advance(0.01)
        assert [at for _, at in await owner.ask("got")] == [14.0, 20.0]


class Ticker(Actor):
    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.got: list[float] = []

    async def receive(self, message: Any) -> Any:
        if message == "start":
            self.timers.start_once("t", "fire", 10.0)
        elif message == "got":
            return self.got
        else:
            self.got.append(self.clock.now())
        return None


async def test_a_plain_timer_stays_on_the_loop_clock() -> None:
    clock = SteppedClock()
    async with asyncio.timeout(10), ActorSystem("w", store=MemoryStore(), clock=clock) as system:
        owner = await system.spawn(Owner, name="owner")
        await owner.ask(("start", "tick", "tick", 1000.0, 1000.0))  # the check runs
        ticker = await system.spawn(Ticker, clock, name="ticker")
        await ticker.ask("start")
        clock.step_wall(3600.0)
        await clock.advance(9.99)
        assert await ticker.ask("got") == []
        clock.step_wall(-7200.0)
        await clock.advance(0.01)
        assert await ticker.ask("got") == [10.0]


async def test_no_check_runs_once_no_reminder_is_armed() -> None:
    clock = SteppedClock()
    async with asyncio.timeout(10), ActorSystem("w", store=MemoryStore(), clock=clock) as system:
        owner = await system.spawn(Owner, name="owner")
        await owner.ask(("start", "tick", "tick", 1000.0, 1000.0))
        await clock.advance(CHECK_PERIOD)
        assert clock.next_due() == CHECK_PERIOD * 2  # the check, before the reminder
        assert await owner.ask(("cancel", "tick")) is True
        await clock.advance(10.0)  # past the asks' own deadlines too
        # The timer queue's entry for the cancelled reminder stays armed, and counts for nothing.
        assert (clock.pending, clock.next_due()) == (0, None)


async def test_the_system_clock_follows_a_step_of_its_wall_clock() -> None:
    """In real time: the check runs on the loop, and the step is seen within its period."""
    clock = SystemClock()
    shift = 0.0
    clock.wall_time = lambda: time.time() + shift  # type: ignore[method-assign]
    arrived = asyncio.Event()
    async with asyncio.timeout(10), ActorSystem("w", store=MemoryStore(), clock=clock) as system:
        owner = await system.spawn(Owner, arrived, name="owner")
        await owner.ask(("start", "later", "later", 600.0))
        began = time.monotonic()
        shift = 600.0
        await arrived.wait()
        assert time.monotonic() - began <= CHECK_PERIOD + 0.5
        assert await got(owner) == ["later"]


async def test_a_step_back_past_the_longest_timer_leaves_the_reminder_to_a_later_start() -> None:
    """Due 1e9 seconds or more away, as at a start: not armed in this run, and no error."""
    clock = SteppedClock()
    async with asyncio.timeout(10), ActorSystem("w", store=MemoryStore(), clock=clock) as system:
        owner = await system.spawn(Owner, name="owner")
        await owner.ask(("start", "once", "once", 10.5))
        await owner.ask(("start", "tick", "tick", 10.5, 100.0))
        await owner.ask(("start", "late", "late", 20.0))
        await clock.advance(10.25)
        clock.step_wall(-2e9)  # before the fire at 10.5, then seen by the check at 11
        await clock.advance(20.0)
        assert await got(owner) == []
        ticker = await system.spawn(Ticker, clock, name="ticker")
        await ticker.ask("start")
        await clock.advance(10.0)
        assert await ticker.ask("got") == [40.25]


async def test_the_check_ends_with_the_system() -> None:
    clock = SteppedClock()
    async with asyncio.timeout(10):
        async with ActorSystem("w", store=MemoryStore(), clock=clock) as system:
            owner = await system.spawn(Owner, name="owner")
            await owner.ask(("start", "tick", "tick", 1000.0, 1000.0))
            await clock.advance(10.0)
            assert clock.next_due() == 11.0
        assert clock.pending == 0
