"""Lifecycle transitions at the edges a mutation review found untested."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest

from actorkit import Actor, ActorRef, ActorSystem, Backoff, Directive, OneForOne, Terminated
from actorkit.testing import ManualClock, Probe, pending_timers, snapshot

from .invariants import assert_settled
from .supervision_support import StartFailed


class Leaf(Actor):
    async def receive(self, message: Any) -> Any:
        return message


class SpawnsThenRefuses(Actor):
    """Its `on_start` spawns a child, then fails as many times as `refusals` says."""

    def __init__(self, spawned: list[ActorRef], refusals: list[int]) -> None:
        self.spawned = spawned
        self.refusals = refusals

    async def on_start(self) -> None:
        self.spawned.append(await self.spawn(Leaf, name="g"))
        if self.refusals:
            self.refusals.pop()
            raise StartFailed("refuses after spawning")

    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise RuntimeError("crashed")
        return message


class Decides(Actor):
    """Notes, as it decides on a failed start, whether what that start spawned still runs."""

    def __init__(self, spawned: list[ActorRef], refusals: list[int], alive: list[bool]) -> None:
        self.supervisor_strategy = OneForOne(decider=self.decide)
        self.spawned = spawned
        self.refusals = refusals
        self.alive = alive

    def decide(self, error: BaseException) -> Directive:
        if isinstance(error, StartFailed):
            self.alive.append(self.spawned[-1].is_alive)
        return "restart"

    async def receive(self, message: Any) -> Any:
        return await self.spawn(SpawnsThenRefuses, self.spawned, self.refusals, name="c")


async def test_a_failed_restart_start_stopped_what_it_spawned_before_the_decision() -> None:
    spawned: list[ActorRef] = []
    refusals: list[int] = []
    alive: list[bool] = []
    async with asyncio.timeout(5), ActorSystem(metrics=False) as system:
        parent = await system.spawn(Decides, spawned, refusals, alive, name="p")
        child = await parent.ask("spawn")
        refusals.append(1)
        child.tell("crash")
        assert await child.ask("ping") == "ping"  # the third start succeeded
        assert alive == [False]
        assert [ref.is_alive for ref in spawned] == [False, False, True]
        await assert_settled(system)


class FailsWhenLetGo(Actor):
    def __init__(self, gate: asyncio.Event, holding: asyncio.Event) -> None:
        self.gate = gate
        self.holding = holding

    async def receive(self, message: Any) -> None:
        self.holding.set()
        await self.gate.wait()
        raise RuntimeError("failed while its supervisor stops")


class Holds(Actor):
    async def receive(self, message: Any) -> Any:
        return await self.spawn(FailsWhenLetGo, *message, name="c")


class Watches(Actor):
    """Watches `target`, and forwards what it gets to `probe`."""

    def __init__(self, probe: Probe, target: ActorRef) -> None:
        self.probe = probe
        self.target = target

    async def on_start(self) -> None:
        self.watch(self.target)

    async def receive(self, message: Any) -> None:
        self.probe.ref.tell(message)


async def test_a_child_failing_while_its_supervisor_stops_is_stopped_not_reported(
    clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    # Its supervisor, stopping, decides nothing: the crash report says the failure stopped it,
    # not that it was left to a supervisor that stopped first.
    gate, holding = asyncio.Event(), asyncio.Event()
    async with asyncio.timeout(5), ActorSystem(metrics=False, clock=clock) as system:
        parent = await system.spawn(Holds, name="p")
        child = await parent.ask((gate, holding))
        child.tell("hold")
        await holding.wait()
        probe = await Probe.spawn(system)
        await system.spawn(Watches, probe, child)
        stopping = asyncio.ensure_future(parent.stop())
        await clock.settle()  # the supervisor's stop began: it awaits its child's
        gate.set()
        await stopping
        terminated = await probe.expect(Terminated)  # stopped by its failure
        assert terminated.ref == child and isinstance(terminated.reason, RuntimeError)
    reports = [r for r in caplog.records if getattr(r, "actor_path", "") == "/p/c"]
    assert [r.directive for r in reports] == ["stop (stopping)"]  # type: ignore[attr-defined]


class SwallowsInRestart(Actor):
    """Its restarted instance's `on_start` waits, and swallows the cancellation that ends it."""

    def __init__(self, entered: asyncio.Event, starts: list[int]) -> None:
        self.entered = entered
        starts.append(len(starts))
        self.restarted = len(starts) > 1

    async def on_start(self) -> None:
        if self.restarted:
            self.entered.set()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.Event().wait()

    async def receive(self, message: Any) -> None:
        raise RuntimeError("restart me")


async def test_a_forced_stop_cutting_into_a_restart_s_on_start_leaves_it_stopped() -> None:
    # The cancellation swallowed, `on_start` returns into a closed cell: that is no restart,
    # and the actor stays stopped, as after a first start cut short the same way.
    entered = asyncio.Event()
    starts: list[int] = []
    async with asyncio.timeout(5):
        system = await ActorSystem(metrics=False).start()
        ref = await system.spawn(SwallowsInRestart, entered, starts)
        ref.tell("crash")
        await entered.wait()
        await system.shutdown(timeout=0.01)
    after = snapshot(ref)
    assert not ref.is_alive
    assert (after.state, after.restarts) == ("stopped", 0)


class StopsThenFails(Actor):
    def __init__(self, instances: list[Actor]) -> None:
        instances.append(self)

    async def receive(self, message: Any) -> None:
        self.stop()
        raise ValueError("failed after asking to stop")


class WatchesChild(Actor):
    """Spawns and watches the child `start_child` makes when asked, and tells `probe` when
    it stops; subclasses choose the strategy."""

    def __init__(self, probe: Probe) -> None:
        self.probe = probe

    async def start_child(self, message: Any) -> ActorRef:
        raise NotImplementedError

    async def receive(self, message: Any) -> Any:
        if isinstance(message, Terminated):
            self.probe.ref.tell(message)
            return None
        child = await self.start_child(message)
        self.watch(child)
        return child


class StopsFailures(WatchesChild):
    supervisor_strategy = OneForOne(decider=lambda error: "stop")

    async def start_child(self, message: Any) -> ActorRef:
        return await self.spawn(StopsThenFails, message, name="c", restart="permanent")


async def test_a_permanent_child_failing_after_its_self_stop_is_decided_on() -> None:
    # Its stop would only restart it (a permanent child's normal exit): its supervisor decides
    # on the failure instead, and this one stops it for good.
    instances: list[Actor] = []
    async with asyncio.timeout(5), ActorSystem(metrics=False) as system:
        probe = await Probe.spawn(system)
        parent = await system.spawn(StopsFailures, probe, name="p")
        child = await parent.ask(instances)
        child.tell("fail")
        terminated = await probe.expect(Terminated)
        assert terminated.ref == child and not child.is_alive
        assert len(instances) == 1


class Resumes(WatchesChild):
    supervisor_strategy = OneForOne(decider=lambda error: "resume")

    async def start_child(self, message: Any) -> ActorRef:
        return await self.spawn(SpawnsThenRefuses, [], [], name="c")


async def test_a_resumed_actor_that_then_stops_normally_terminates_with_no_reason() -> None:
    # The failure it was resumed from is over: it is not why the actor stopped.
    async with asyncio.timeout(5), ActorSystem(metrics=False) as system:
        probe = await Probe.spawn(system)
        parent = await system.spawn(Resumes, probe, name="p")
        child = await parent.ask("spawn")
        child.tell("crash")
        assert await child.ask("ping") == "ping"  # resumed
        await child.stop()
        terminated = await probe.expect(Terminated)
        assert terminated.ref == child and terminated.reason is None


class ArmsInOnStop(Actor):
    def __init__(self, seen: list[Any]) -> None:
        self.seen = seen

    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise RuntimeError("restart me")
        self.seen.append(message)
        return message

    async def on_stop(self) -> None:
        self.timers.start_once("late", "armed in on_stop", 1.0)


async def test_a_timer_the_stopped_instance_s_on_stop_armed_ends_before_the_backoff(
    clock: ManualClock,
) -> None:
    # It would fire during the backoff, into the mailbox its successor then handles.
    strategy = OneForOne(backoff=Backoff(min=5.0, jitter=0))
    seen: list[Any] = []
    async with asyncio.timeout(5), ActorSystem(clock=clock, supervisor=strategy) as system:
        ref = await system.spawn(ArmsInOnStop, seen)
        ref.tell("crash")
        await clock.settle()
        assert pending_timers(system) == 0  # none of the actor's left while it waits
        await clock.advance(5.0)
        assert await ref.ask("ping") == "ping"
        assert seen == ["ping"]


class QuitsWithAChild(Actor):
    """No `on_stop`: its `self.stop()` has only its child to stop."""

    async def receive(self, message: Any) -> Any:
        if message == "spawn":
            return await self.spawn(Leaf, name="g")
        self.stop()
        return None


async def test_a_self_stop_with_no_on_stop_still_stops_the_children() -> None:
    async with asyncio.timeout(5), ActorSystem(metrics=False) as system:
        parent = await system.spawn(QuitsWithAChild, name="p", restart="transient")
        child = await parent.ask("spawn")
        await parent.ask("quit")
        await parent.stop()  # returns once it has stopped
        assert not child.is_alive and system.lookup("/p/g") is None
        await assert_settled(system)
