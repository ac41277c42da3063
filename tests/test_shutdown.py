"""Shutdown: ordered, draining, bounded in time, nothing lost (API 9)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from actorkit import Actor, ActorStopped, ActorSystem, Backoff, NotDelivered, OneForOne
from actorkit.testing import FORCED_STOP_GRACE, ManualClock, cancel_task, snapshot

from .invariants import TaskSnapshot

BOUND = 5.0
"""Half the default shutdown timeout: a shutdown still waiting on the default fails here."""

SLACK = 1.0
"""Seconds beyond timeout + grace allowed for a loaded 2-core machine."""


class Collector(Actor):
    def __init__(self, sink: list[Any]) -> None:
        self.sink = sink

    async def receive(self, message: Any) -> None:
        await asyncio.sleep(0)
        self.sink.append(message)


class Stuck(Actor):
    def __init__(self, entered: asyncio.Event) -> None:
        self.entered = entered

    async def receive(self, message: Any) -> None:
        self.entered.set()
        await asyncio.Event().wait()  # never set: only cancellation ends this


class Stubborn(Actor):
    """Swallows cancellation once, the worst a handler can do without blocking the loop."""

    def __init__(self, entered: asyncio.Event) -> None:
        self.entered = entered

    async def receive(self, message: Any) -> None:
        self.entered.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            await asyncio.Event().wait()


class Unstoppable(Actor):
    """Never finishes its orderly stop: only the forced stop's cancellation ends `on_stop`."""

    def __init__(self, stopping: asyncio.Event) -> None:
        self.stopping = stopping

    async def on_stop(self) -> None:
        self.stopping.set()
        await asyncio.Event().wait()


class Escalates(Actor):
    async def receive(self, message: Any) -> None:
        raise ValueError("past the root")


class ShutsDownSlowly(Actor):
    async def receive(self, message: Any) -> None:
        await self.system.shutdown(timeout=60)


async def test_shutdown_after_a_root_failure_keeps_its_own_timeout(
    caplog: pytest.LogCaptureFixture,
) -> None:
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    system = ActorSystem(metrics=False, supervisor=OneForOne(decider={ValueError: "escalate"}))
    await system.start()
    await system.spawn(Unstoppable, stopping, name="unstoppable")
    (await system.spawn(Escalates)).tell("fail")
    async with asyncio.timeout(BOUND):
        await stopping.wait()  # the root failure's own stop, with the default timeout, is on
        started = loop.time()
        await system.shutdown(timeout=0.2)
    assert loop.time() - started < 0.2 + FORCED_STOP_GRACE + SLACK
    assert isinstance(system.failure, ValueError)
    assert "exceeded 0.2s; cancelled: /unstoppable" in caplog.text


@pytest.mark.parametrize("first_from", ["outside", "inside an actor"])
async def test_a_shorter_second_shutdown_brings_the_forced_stop_forward(first_from: str) -> None:
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    system = await ActorSystem(metrics=False).start()
    await system.spawn(Unstoppable, stopping, name="unstoppable")
    if first_from == "outside":
        first = asyncio.ensure_future(system.shutdown(timeout=60))
    else:
        ref = await system.spawn(ShutsDownSlowly)
        first = asyncio.ensure_future(ref.ask("shut down"))
    async with asyncio.timeout(BOUND):
        await stopping.wait()
        started = loop.time()
        await system.shutdown(timeout=0.2)
        await first  # the first call (or the ask of the actor that made it) is over too
    assert loop.time() - started < 0.2 + FORCED_STOP_GRACE + SLACK


async def test_shutdown_drains_mailboxes_first() -> None:
    sink: list[Any] = []
    async with ActorSystem() as system:
        ref = await system.spawn(Collector, sink)
        for i in range(100):
            ref.tell(i)
    assert sink == list(range(100))
    assert system.dead_letters.count == 0


class Dispatcher(Actor):
    """Forwards work to its child; the child reports each piece back to it."""

    def __init__(self, done: list[Any]) -> None:
        self.done = done

    async def on_start(self) -> None:
        self.worker = await self.spawn(Worker, self.ref)

    async def receive(self, message: Any) -> None:
        if isinstance(message, tuple):
            self.done.append(message[1])  # a report from the worker
        else:
            self.worker.tell(message)


class Worker(Actor):
    def __init__(self, boss: Any) -> None:
        self.boss = boss

    async def receive(self, message: Any) -> None:
        await asyncio.sleep(0)
        self.boss.tell(("done", message))


class Feeder(Actor):
    """Started after the dispatcher, so stopped before it: its `on_stop` queues more work
    than one batch at the dispatcher, which then gets its stop with work still queued."""

    def __init__(self, boss: Any) -> None:
        self.boss = boss

    async def on_stop(self) -> None:
        for i in range(300):
            self.boss.tell(i)


async def test_shutdown_drains_a_parent_before_its_children_and_after_them_again() -> None:
    """A parent's queued work forwarded to its children at shutdown is handled, not
    dead-lettered, and what the children send back while they drain reaches the parent."""
    done: list[Any] = []
    async with asyncio.timeout(BOUND):
        async with ActorSystem() as system:
            boss = await system.spawn(Dispatcher, done)
            await system.spawn(Feeder, boss)
    assert system.dead_letters.count == 0
    assert sorted(done) == list(range(300))


async def test_shutdown_timeout_cancels_fails_asks_and_returns_in_time(
    caplog: pytest.LogCaptureFixture,
) -> None:
    entered = asyncio.Event()
    system = await ActorSystem().start()
    ref = await system.spawn(Stuck, entered, name="stuck")
    in_flight = asyncio.ensure_future(ref.ask("block", timeout=60))
    await entered.wait()
    queued = asyncio.ensure_future(ref.ask("queued", timeout=60))
    await asyncio.sleep(0)
    started = time.monotonic()
    await system.shutdown(timeout=0.2)
    assert time.monotonic() - started < 0.2 + 1.5
    with pytest.raises(ActorStopped) as cut:
        await in_flight
    assert type(cut.value) is ActorStopped  # it was being handled: it may have had effects
    with pytest.raises(NotDelivered):  # still queued: never handled
        await queued
    assert "/stuck" in caplog.text
    # The queued ask and the one cut off mid-handler are both accounted as dead letters.
    assert system.dead_letters.by_reason == {"shutdown": 2}
    assert system.accounting().balanced


async def test_shutdown_returns_even_when_a_handler_ignores_cancellation(
    caplog: pytest.LogCaptureFixture,
) -> None:
    entered = asyncio.Event()
    system = await ActorSystem().start()
    ref = await system.spawn(Stubborn, entered, name="stubborn")
    ref.tell("block")
    await entered.wait()
    started = time.monotonic()
    await system.shutdown(timeout=0.1)
    assert time.monotonic() - started < 0.1 + 1.5
    assert "ignored cancellation: /stubborn" in caplog.text
    assert not ref.is_alive
    cancel_task(ref)  # let the test end cleanly


async def test_shutdown_twice_is_harmless_and_spawning_after_fails_clearly() -> None:
    system = await ActorSystem().start()
    await system.spawn(Collector, [])
    await system.shutdown()
    await system.shutdown()
    with pytest.raises(ActorStopped, match="shut down"):
        await system.spawn(Collector, [])


async def test_on_stop_runs_once_for_every_actor_at_shutdown() -> None:
    stopped: list[str] = []

    class Tracked(Actor):
        async def on_start(self) -> None:
            if self.parent is None:
                await self.spawn(Tracked, name="child")

        async def on_stop(self) -> None:
            stopped.append(self.path)

    async with ActorSystem() as system:
        await system.spawn(Tracked, name="a")
        await system.spawn(Tracked, name="b")
    assert stopped == ["/b/child", "/b", "/a/child", "/a"]


class Noted(Actor):
    """Notes its `on_stop`; holds a message until cancelled, and its `on_start` until `begun`
    is given and not set."""

    def __init__(self, stopped: list[str], entered: asyncio.Event, begun: bool = False) -> None:
        self.stopped = stopped
        self.entered = entered
        self.begun = begun

    async def on_start(self) -> None:
        if self.begun:
            self.entered.set()
            await asyncio.Event().wait()

    async def receive(self, message: Any) -> None:
        self.entered.set()
        await asyncio.Event().wait()

    async def on_stop(self) -> None:
        self.stopped.append(self.path)


async def test_an_actor_cancelled_from_outside_runs_on_stop_only_if_its_on_start_finished() -> None:
    """What the end of `asyncio.run` does to every task left, and what a forced stop does:
    the actor's task is cancelled. Parked or in a handler, a started actor runs `on_stop` (OTP
    calls `terminate`, Akka `postStop`, once `init`/`preStart` ran); one cut off in `on_start`
    gets none."""
    stopped: list[str] = []
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        tasks = TaskSnapshot()
        parked = await system.spawn(Noted, stopped, asyncio.Event(), name="parked")
        busy_entered, start_entered = asyncio.Event(), asyncio.Event()
        busy = await system.spawn(Noted, stopped, busy_entered, name="busy")
        busy.tell("hold")
        starting = asyncio.ensure_future(
            system.spawn(Noted, stopped, start_entered, True, name="starting")
        )
        await busy_entered.wait()
        await start_entered.wait()
        cut_in_on_start = system.lookup("/starting")
        assert cut_in_on_start is not None
        for ref in (parked, busy, cut_in_on_start):
            cancel_task(ref)
        await asyncio.wait(tasks.leaked())
        assert isinstance(starting.exception(), ActorStopped)
    assert sorted(stopped) == ["/busy", "/parked"]


class Supervises(Noted):
    """A `Noted` whose `on_start` spawns a `Noted` child first."""

    async def on_start(self) -> None:
        await self.spawn(Noted, self.stopped, asyncio.Event(), name="child")


@pytest.mark.parametrize("busy", [False, True], ids=["parked", "in-a-handler"])
async def test_an_actor_cancelled_from_outside_stops_its_children_first(busy: bool) -> None:
    """Its children are not left running under a closed parent, out of reach of the
    shutdown's walk of the tree."""
    stopped: list[str] = []
    entered = asyncio.Event()
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        tasks = TaskSnapshot()
        parent = await system.spawn(Supervises, stopped, entered, name="parent")
        child = system.lookup("/parent/child")
        assert child is not None
        if busy:
            parent.tell("hold")
            await entered.wait()
        cancel_task(parent)
        await asyncio.wait(tasks.leaked())
        assert not child.is_alive and not parent.is_alive
        assert stopped == ["/parent/child", "/parent"]
        assert system.actor_count == 0


class FailsWhileDraining(Actor):
    def __init__(self, release: asyncio.Event) -> None:
        self.release = release

    async def receive(self, message: Any) -> Any:
        if message == "hold":
            await self.release.wait()
        if message == "crash":
            raise RuntimeError("failed while draining")
        return message


class ReleasesOnStop(Actor):
    def __init__(self, release: asyncio.Event) -> None:
        self.release = release

    async def receive(self, message: Any) -> None:
        pass

    async def on_stop(self) -> None:
        self.release.set()


async def test_a_failure_while_shutting_down_is_counted_like_any_other() -> None:
    release = asyncio.Event()
    async with asyncio.timeout(BOUND):
        system = ActorSystem()
        await system.start()
        ref = await system.spawn(FailsWhileDraining, release)
        await system.spawn(ReleasesOnStop, release)  # stopped first, at shutdown
        ref.tell("hold")
        ref.tell("crash")
        late = asyncio.ensure_future(ref.ask("after the failure"))
        await system.shutdown()
        with pytest.raises(ActorStopped):
            await late  # the failure stopped it: what was queued behind is not handled
        stats = system.metrics.stats_for(FailsWhileDraining)
        assert stats is not None and stats.failures == {"RuntimeError": 1}


class CountsStarts(Actor):
    def __init__(self, starts: list[str]) -> None:
        self.starts = starts

    async def on_start(self) -> None:
        self.starts.append("start")

    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise RuntimeError("crash on purpose")
        return message


async def test_an_actor_waiting_out_its_backoff_at_shutdown_is_not_restarted_to_drain(
    clock: ManualClock,
) -> None:
    """OTP does not restart during shutdown: what is queued for an actor whose restart is
    still waiting out its backoff is not handled, but dead-lettered with a reason of its own
    (not `shutdown`, which a forced stop leaves), and its asks fail."""
    starts: list[str] = []
    backoff = OneForOne(backoff=Backoff(min=1.0, max=1.0, jitter=0))
    async with asyncio.timeout(BOUND):
        async with ActorSystem(clock=clock, supervisor=backoff) as system:
            ref = await system.spawn(CountsStarts, starts)
            ref.tell("crash")
            await clock.settle()
            assert snapshot(ref).state == "restarting"
            ref.tell("queued")
            asked = asyncio.ensure_future(ref.ask("asked"))
            await clock.settle()
        with pytest.raises(ActorStopped):
            await asked
    assert starts == ["start"]
    assert system.dead_letters.by_reason == {"not_restarted": 2}
    assert system.accounting().balanced


class HoldsWhileItsChildBacksOff(Actor):
    """Supervises one `CountsStarts` with a restart backoff; each message is a pair of
    events: it sets the first, then waits for the second."""

    supervisor_strategy = OneForOne(backoff=Backoff(min=1.0, max=1.0, jitter=0))

    def __init__(self, starts: list[str]) -> None:
        self.starts = starts

    async def on_start(self) -> None:
        await self.spawn(CountsStarts, self.starts, name="child")

    async def receive(self, message: tuple[asyncio.Event, asyncio.Event]) -> None:
        entered, gate = message
        entered.set()
        await gate.wait()


async def test_a_backoff_ending_while_its_supervisor_drains_restarts_nothing(
    clock: ManualClock,
) -> None:
    """The supervisor is draining at shutdown when its child's backoff ends: a stopping
    supervisor restarts nothing, as for a failure then, so the child stops as it is."""
    starts: list[str] = []
    first, second = (asyncio.Event(), asyncio.Event()), (asyncio.Event(), asyncio.Event())
    async with asyncio.timeout(BOUND):
        system = await ActorSystem(clock=clock).start()
        parent = await system.spawn(HoldsWhileItsChildBacksOff, starts, name="p")
        child = system.lookup("/p/child")
        assert child is not None
        child.tell("crash")
        await clock.settle()
        child.tell("queued")
        parent.tell(first)
        parent.tell(second)  # handled while the parent drains
        await first[0].wait()
        shutting = asyncio.ensure_future(system.shutdown())
        await clock.settle()  # the shutdown's stop waits behind the first message
        first[1].set()
        await second[0].wait()
        await clock.advance(1.0)  # the backoff ends
        second[1].set()
        await shutting
    assert starts == ["start"]
    assert system.dead_letters.by_reason == {"not_restarted": 1}
