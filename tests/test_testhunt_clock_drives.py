"""What `ManualClock.advance` drives, checked at the instant each is due and a hair before:
timers armed by handlers mid-advance (at no delay, at the very end), ask timeouts made at
odd instants, restart backoffs, task deadlines, two systems on one clock, an advance made
from inside a handler, and a handler asleep on real time, which `settle` counts as quiet."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor, ActorRef, ActorSystem, AskTimeout, Backoff, OneForOne, TaskStatus
from actorkit.testing import ManualClock, Probe, snapshot

HAIR = 1e-6


class Chain(Actor):
    """On "a", a timer at no delay; on "b", one due one second on: the end of the advance."""

    def __init__(self, out: ActorRef) -> None:
        self.out = out

    async def receive(self, message: Any) -> None:
        self.out.tell((message, self.system.now()))
        if message == "a":
            self.timers.start_once("b", "b", 0)
        elif message == "b":
            self.timers.start_once("c", "c", 1.0)
        elif message == "c":
            self.timers.start_once("d", "d", HAIR)


class Silent(Actor):
    async def receive(self, message: Any) -> None:
        await asyncio.Event().wait()


class Crashes(Actor):
    def __init__(self, out: ActorRef) -> None:
        self.out = out

    async def on_start(self) -> None:
        self.out.tell(("started", self.system.now()))

    async def receive(self, message: Any) -> None:
        raise ValueError(message)


class Busy(Actor):
    capabilities = ("work",)

    async def receive(self, message: Any) -> None:
        await asyncio.Event().wait()


class Driver(Actor):
    """Advances the clock it was given from inside its own handler."""

    def __init__(self, clock: ManualClock, out: ActorRef) -> None:
        self.clock = clock
        self.out = out

    async def receive(self, message: Any) -> None:
        await self.clock.advance(message)
        self.out.tell(("advanced", self.clock.now()))


class Sleeper(Actor):
    async def receive(self, message: Any) -> None:
        await asyncio.sleep(3600)


async def test_timers_armed_mid_advance_fire_in_it_up_to_its_very_end() -> None:
    clock = ManualClock()
    async with ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)
        chain = await system.spawn(Chain, probe.ref)
        system.schedule_once(1.0, chain, "a")
        await clock.advance(2.0)
        assert [await probe.receive() for _ in range(3)] == [("a", 1.0), ("b", 1.0), ("c", 2.0)]
        probe.expect_empty()  # "d" is due a hair after the end
        assert clock.now() == 2.0
        await clock.advance(HAIR)
        await probe.expect(("d", 2.0 + HAIR))


async def test_an_ask_made_at_an_odd_instant_times_out_at_its_deadline_not_before() -> None:
    clock = ManualClock()
    async with ActorSystem(clock=clock) as system:
        silent = await system.spawn(Silent)
        for offset, timeout in ((0.0013, 0.5), (0.0049, 0.0031), (0.7777, 2.25)):
            await clock.advance(offset)
            asked = asyncio.ensure_future(silent.ask("x", timeout=timeout))
            await clock.advance(timeout - HAIR)
            assert not asked.done()
            await clock.advance(HAIR)
            assert isinstance(asked.exception(), AskTimeout)
        await system.shutdown(timeout=0.1)


async def test_a_restart_backoff_restarts_at_its_time_not_before() -> None:
    clock = ManualClock()
    backoff = Backoff(min=2.0, max=8.0, jitter=0)
    strategy = OneForOne(max_restarts=5, within=100.0, backoff=backoff)
    async with ActorSystem(clock=clock, supervisor=strategy) as system:
        probe = await Probe.spawn(system)
        crashes = await system.spawn(Crashes, probe.ref)
        await probe.expect(("started", 0.0))
        crashes.tell("boom")
        await clock.advance(2.0 - HAIR)
        assert snapshot(crashes).state == "restarting"
        probe.expect_empty()
        await clock.advance(HAIR)
        await probe.expect(("started", 2.0))
        crashes.tell("again")  # the second backoff is twice the first
        await clock.advance(4.0 - HAIR)
        probe.expect_empty()
        await clock.advance(HAIR)
        await probe.expect(("started", 6.0))


async def test_a_task_deadline_expires_at_its_instant_on_the_clock() -> None:
    clock = ManualClock(start=3.0)
    async with ActorSystem(clock=clock) as system:
        await system.spawn(Busy)
        await system.submit("hold the only agent")
        await clock.settle()
        late = await system.submit("late", deadline=5.0)
        statuses = []
        for step in (5.0 - HAIR, HAIR):
            await clock.advance(step)
            statuses.append(late.status)
        assert statuses == [TaskStatus.PENDING, TaskStatus.EXPIRED]
        await system.shutdown(timeout=0.1)


async def test_two_systems_on_one_clock_tick_in_time_order_and_part_cleanly() -> None:
    clock = ManualClock()
    async with ActorSystem("one", clock=clock) as one, ActorSystem("two", clock=clock) as two:
        probe = await Probe.spawn(one)
        relay = await Probe.spawn(two)
        one.schedule_every(1.0, probe.ref, "one")
        two.schedule_every(0.4, relay.ref, "two")
        await clock.advance(2.0)
        assert (probe.pending, relay.pending) == (2, 5)
        await two.shutdown()
        assert clock.pending == 1  # the second system's entries left with it
        await clock.advance(3.0)
        assert (probe.pending, relay.pending) == (5, 5)


async def test_an_advance_made_inside_a_handler_moves_time_and_fires_what_is_due() -> None:
    clock = ManualClock()
    async with ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)
        driver = await system.spawn(Driver, clock, probe.ref)
        system.schedule_once(1.0, probe.ref, "due meanwhile")
        driver.tell(3.0)
        await probe.expect("due meanwhile")
        await probe.expect(("advanced", 3.0))


async def test_settle_counts_a_handler_asleep_on_real_time_as_quiet() -> None:
    clock = ManualClock()
    async with ActorSystem(clock=clock) as system:
        sleeper = await system.spawn(Sleeper)
        sleeper.tell("nap")
        async with asyncio.timeout(5):
            await clock.advance(7200.0)  # real time, which it sleeps on, did not move
        assert snapshot(sleeper).accounting.handling == 1
        await system.shutdown(timeout=0.1)


async def test_backoff_grows_within_the_window_and_resets_past_it_on_the_clock() -> None:
    """min 1 s doubling; a failure exactly `within` (5 s) after a restart is still in its
    window, one 5.5 s after is not: the delays go 1, 2, 4, then 1, 2 again."""
    clock = ManualClock()
    backoff = Backoff(min=1.0, max=8.0, jitter=0)
    strategy = OneForOne(max_restarts=10, within=5.0, backoff=backoff)
    async with ActorSystem(clock=clock, supervisor=strategy) as system:
        probe = await Probe.spawn(system)
        crashes = await system.spawn(Crashes, probe.ref)
        starts = [(await probe.receive())[1]]
        for when in (0.0, 1.0, 8.0, 17.5, 18.5):
            await clock.advance(when - clock.now())
            crashes.tell("boom")
            await clock.settle()
            while not probe.pending:
                due = clock.next_due()
                assert due is not None
                await clock.advance(due - clock.now())
            starts.append((await probe.receive())[1])
        assert starts == [0.0, 1.0, 3.0, 12.0, 18.5, 20.5]
