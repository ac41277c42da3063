"""Lifecycle corners: what a half-started, restarting or stopping actor may still do, and what
its watchers and supervisor hear of it. Each test is a window a message or signal can land in
(API 1, 3, 9). Each is bounded by its own `asyncio.timeout`: a regression here tends to
leave an actor waiting, which the runtime would otherwise outlast."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from typing import Any

import pytest

from actorkit import (
    Actor,
    ActorStopped,
    ActorSystem,
    Backoff,
    ChildSpec,
    OneForAll,
    OneForOne,
    Supervisor,
    Terminated,
)
from actorkit.testing import ManualClock, Probe


class Registry(Actor):
    """Watches whatever registers with it; reports `Terminated`s to the probe."""

    def __init__(self, probe: Probe) -> None:
        self.probe = probe

    async def receive(self, message: Any) -> Any:
        if isinstance(message, Terminated):
            self.probe.ref.tell(message)
        else:
            self.watch(message)


async def test_a_watcher_hears_of_an_actor_whose_on_start_failed() -> None:
    async with asyncio.timeout(10), ActorSystem(metrics=False) as system:
        probe = await Probe.spawn(system)
        registry = await system.spawn(Registry, probe)

        class Registers(Actor):
            async def on_start(self) -> None:
                await registry.ask(self.ref)  # watched from here on
                raise RuntimeError("on_start failed after registering")

        with pytest.raises(RuntimeError, match="after registering"):
            await system.spawn(Registers, name="worker")
        terminated = await probe.expect(Terminated)
        assert terminated.ref.path == "/worker"
        assert isinstance(terminated.reason, RuntimeError)


async def test_watching_again_before_handling_terminated_delivers_it_once() -> None:
    async with asyncio.timeout(10), ActorSystem(metrics=False) as system:
        probe = await Probe.spawn(system)
        target = await system.spawn(Idle)
        release = asyncio.Event()

        class Watcher(Actor):
            async def on_start(self) -> None:
                self.watch(target)

            async def receive(self, message: Any) -> None:
                if message == "busy":
                    await release.wait()  # the target stops meanwhile
                    self.watch(target)  # a peer it already watches, registered again
                else:
                    probe.ref.tell(message)

        watcher = await system.spawn(Watcher)
        watcher.tell("busy")
        await target.stop()
        release.set()
        await watcher.ask("sync")
        assert isinstance(await probe.receive(), Terminated)
        assert await probe.receive() == "sync"
        probe.expect_empty()


class Idle(Actor):
    async def receive(self, message: Any) -> None:
        pass


class Flaky(Actor):
    """Its second instance's `on_start` fails; logs what runs on which instance."""

    def __init__(self, log: list[str], numbers: itertools.count[int]) -> None:
        self.log = log
        self.number = next(numbers)
        self.ready = False

    async def on_start(self) -> None:
        if self.number == 1:
            raise ValueError("on_start of the restarted instance failed")
        self.ready = True

    async def receive(self, message: Any) -> Any:
        if message == "boom":
            raise KeyError("boom")
        return self.number, self.ready

    async def on_stop(self) -> None:
        self.log.append(f"on_stop {self.number}")


@pytest.mark.parametrize("directive", ["restart", "resume"])
async def test_an_instance_whose_on_start_failed_in_a_restart_is_never_stopped_or_resumed(
    directive: str,
) -> None:
    log: list[str] = []

    class Parent(Actor):
        supervisor_strategy = OneForOne(decider={ValueError: directive})

        async def receive(self, message: Any) -> Any:
            return await self.spawn(Flaky, log, itertools.count(), name="flaky")

    async with asyncio.timeout(10), ActorSystem(metrics=False) as system:
        parent = await system.spawn(Parent)
        child = await parent.ask("spawn")
        child.tell("boom")
        # Instance 1 failed in `on_start`; whatever the directive, instance 2 answers.
        assert await child.ask("state") == (2, True)
    assert log == ["on_stop 0", "on_stop 2"]


async def test_a_child_spawned_in_on_stop_during_a_restart_is_refused() -> None:
    refused: list[BaseException] = []

    class Helper(Actor):
        async def receive(self, message: Any) -> None:
            pass

    class Worker(Actor):
        async def receive(self, message: Any) -> Any:
            if message == "boom":
                raise ValueError("boom")
            return self.children

        async def on_stop(self) -> None:
            try:
                await self.spawn(Helper, name="flusher")
            except ActorStopped as error:
                refused.append(error)

    async with asyncio.timeout(10), ActorSystem(metrics=False) as system:
        worker = await system.spawn(Worker, name="w")
        worker.tell("boom")
        assert await worker.ask("children") == []
        assert system.lookup("/w/flusher") is None
        assert len(refused) == 1 and "restarting" in str(refused[0])


async def test_a_timer_started_in_on_stop_during_a_restart_ends_with_its_instance(
    clock: ManualClock,
) -> None:
    numbers = itertools.count()

    class Ticking(Actor):
        def __init__(self, probe: Probe) -> None:
            self.probe = probe
            self.number = next(numbers)

        async def receive(self, message: Any) -> None:
            if message == "boom":
                raise ValueError("boom")
            self.probe.ref.tell((self.number, message))

        async def on_stop(self) -> None:
            self.timers.start_every("retry", "tick", 1.0)

    async with asyncio.timeout(10), ActorSystem(metrics=False, clock=clock) as system:
        probe = await Probe.spawn(system)
        ticking = await system.spawn(Ticking, probe)
        ticking.tell("boom")
        ticking.tell("after")
        assert await probe.receive() == (1, "after")
        await clock.advance(3.0)
        ticking.tell("sync")
        assert await probe.receive() == (1, "sync")
        probe.expect_empty()


@pytest.mark.parametrize(
    "strategy",
    [
        # One restart allowed, after a backoff: counting the middle's failure twice gives up.
        OneForOne(max_restarts=1, within=60.0, backoff=Backoff(min=1.0, max=1.0, jitter=0.0)),
        # Its own failure resumed: the escalated KeyError still restarts it (the default).
        OneForOne(decider={ValueError: "resume"}),
    ],
    ids=["restart-with-backoff", "own-failure-resumed"],
)
async def test_an_escalation_reaching_a_suspended_actor_is_one_failure_neither_lost_nor_doubled(
    clock: ManualClock, strategy: OneForOne
) -> None:
    child_failing = asyncio.Event()
    starts: list[str] = []

    class Child(Actor):
        async def receive(self, message: Any) -> None:
            child_failing.set()
            raise KeyError("the child fails")

    class Middle(Actor):
        supervisor_strategy = OneForOne(decider={KeyError: "escalate"})

        async def on_start(self) -> None:
            starts.append("middle")
            await self.spawn(Child, name="child")

        async def receive(self, message: Any) -> Any:
            if message == "go":
                self.children[0].tell("boom")
                await child_failing.wait()  # the child's escalation is queued for this actor
                raise ValueError("the middle fails too")
            return [child.name for child in self.children]

    class Top(Actor):
        supervisor_strategy = strategy

        async def receive(self, message: Any) -> Any:
            return await self.spawn(Middle, name="middle")

    async with asyncio.timeout(10), ActorSystem(metrics=False, clock=clock) as system:
        top = await system.spawn(Top, name="top")
        middle = await top.ask("spawn")
        middle.tell("go")
        await clock.settle()
        await clock.advance(1.0)  # the backoff, where there is one
        assert await middle.ask("children") == ["child"]
        assert starts == ["middle", "middle"]
        assert system.failure is None and top.is_alive


class StopsThenFails(Actor):
    async def receive(self, message: Any) -> None:
        self.stop()
        raise ValueError("after asking to stop")


async def test_a_stop_asked_in_a_handler_that_then_fails_wins_and_the_failure_is_kept(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with asyncio.timeout(10), ActorSystem() as system:
        probe = await Probe.spawn(system)
        registry = await system.spawn(Registry, probe)
        ref = await system.spawn(StopsThenFails, restart="transient")  # a failure restarts it
        await registry.ask(ref)
        ref.tell("go")
        terminated = await probe.expect(Terminated)
        assert terminated.ref == ref and not ref.is_alive
        stats = system.metrics.stats_for(StopsThenFails)
        assert stats is not None and stats.failures == {"ValueError": 1}
    assert any("after asking to stop" in record.getMessage() for record in caplog.records)


class Parent(Actor):
    """`on_start` spawns two children, then fails or waits for a cancellation it swallows."""

    def __init__(self, children: list[Any], entered: asyncio.Event, fail: bool) -> None:
        self.children_made, self.entered, self.fail = children, entered, fail

    async def on_start(self) -> None:
        for name in ("a", "b"):
            self.children_made.append(await self.spawn(Slow, name=name))
        self.entered.set()
        if self.fail:
            raise ValueError("on_start failed")
        with contextlib.suppress(asyncio.CancelledError):  # the runtime must still stop
            await asyncio.Event().wait()  # what this began


class Slow(Actor):
    """Its stop takes a turn of the loop, so a cleanup can be caught half-way."""

    async def on_stop(self) -> None:
        await asyncio.sleep(0)


class Kid(Actor):
    async def receive(self, message: Any) -> None:
        pass

    async def on_stop(self) -> None:
        pass


class YieldsOnce(Actor):
    """`on_start` spawns a child, then ends a loop turn later."""

    def __init__(self, children: list[Any]) -> None:
        self.children_made = children

    async def on_start(self) -> None:
        self.children_made.append(await self.spawn(Kid))
        await asyncio.sleep(0)


async def test_a_spawn_cancelled_at_any_turn_of_on_start_leaves_no_child_running() -> None:
    children: list[Any] = []
    async with asyncio.timeout(10), ActorSystem(metrics=False) as system:
        for turns in range(6):  # each turn a cancellation can land in, up to after the end
            spawning = asyncio.ensure_future(system.spawn(YieldsOnce, children))
            for _ in range(turns):
                await asyncio.sleep(0)
            spawning.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await spawning
    assert children and not any(child.is_alive for child in children)


@pytest.mark.parametrize("fail", [True, False], ids=["on_start-failed", "cancel-swallowed"])
async def test_a_cancelled_spawn_leaves_no_child_of_on_start_running(fail: bool) -> None:
    children: list[Any] = []
    entered = asyncio.Event()
    async with asyncio.timeout(10), ActorSystem(metrics=False) as system:
        spawning = asyncio.ensure_future(system.spawn(Parent, children, entered, fail))
        await entered.wait()
        spawning.cancel()  # while the failure's cleanup, or `on_start` itself, runs
        with pytest.raises(asyncio.CancelledError):
            await spawning
    assert len(children) == 2
    assert not any(child.is_alive for child in children)


class FailsOnCrash(Actor):
    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise RuntimeError(f"{self.name} crashed")
        return message


async def test_siblings_failing_together_under_one_for_all_are_each_reported_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The first report restarts the group before the parent reads the others: those
    failures are still logged and counted, and a temporary sibling, stopped by that restart,
    terminated with its own error."""
    specs = [
        ChildSpec(FailsOnCrash, name="a"),
        ChildSpec(FailsOnCrash, name="t", restart="temporary"),
        ChildSpec(FailsOnCrash, name="b"),
    ]
    async with asyncio.timeout(10), ActorSystem() as system:
        probe = await Probe.spawn(system)
        registry = await system.spawn(Registry, probe)
        await system.spawn(Supervisor, specs, OneForAll(), name="s")
        a, t, b = (system.lookup(f"/s/{name}") for name in "atb")
        assert a is not None and t is not None and b is not None
        await registry.ask(t)
        for ref in (a, t, b):
            ref.tell("crash")  # all three fail before their parent runs
        terminated = await probe.expect(Terminated)
        assert terminated.ref == t
        assert isinstance(terminated.reason, RuntimeError)
        assert str(terminated.reason) == "t crashed"
        assert await b.ask("after") == "after"
        stats = system.metrics.stats_for(FailsOnCrash)
        assert stats is not None and stats.failures == {"RuntimeError": 3}
    logged = sorted(
        r.actor_path  # type: ignore[attr-defined]
        for r in caplog.records
        if r.name == "actorkit" and "failed handling" in r.getMessage()
    )
    assert logged == ["/s/a", "/s/b", "/s/t"]


async def test_an_actor_stopped_while_its_failure_awaits_its_parent_terminates_with_it() -> None:
    """Its supervisor is busy (restarting a sibling, in its `on_stop`) when the failure
    arrives; a stop from outside gets there first."""
    release = asyncio.Event()
    stopping = asyncio.Event()

    class SlowToStop(Actor):
        async def on_stop(self) -> None:
            stopping.set()
            await release.wait()

        async def receive(self, message: Any) -> None:
            raise RuntimeError("slow crashed")

    class Parent(Actor):
        async def on_start(self) -> None:
            await self.spawn(SlowToStop, name="slow")
            await self.spawn(FailsOnCrash, name="other")

        async def receive(self, message: Any) -> Any:
            return None

    async with asyncio.timeout(10), ActorSystem() as system:
        probe = await Probe.spawn(system)
        registry = await system.spawn(Registry, probe)
        await system.spawn(Parent, name="p")
        slow, other = system.lookup("/p/slow"), system.lookup("/p/other")
        assert slow is not None and other is not None
        await registry.ask(other)
        slow.tell("go")
        await stopping.wait()  # the parent waits in the restart of `slow`
        with pytest.raises(RuntimeError):
            await other.ask("crash")
        stopped = asyncio.ensure_future(other.stop())
        terminated = await probe.expect(Terminated)
        assert terminated.ref == other
        assert isinstance(terminated.reason, RuntimeError)
        release.set()
        await stopped


async def test_a_failure_reported_to_a_parent_that_stops_first_is_still_logged_and_counted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    busy = asyncio.Event()
    release = asyncio.Event()

    class Parent(Actor):
        async def on_start(self) -> None:
            await self.spawn(FailsOnCrash, name="child")

        async def receive(self, message: Any) -> None:
            busy.set()
            await release.wait()

    async with asyncio.timeout(10), ActorSystem() as system:
        parent = await system.spawn(Parent, name="p")
        child = system.lookup("/p/child")
        assert child is not None
        parent.tell("hold")
        await busy.wait()
        stopped = asyncio.ensure_future(parent.stop())  # runs, and posts, before the child
        with pytest.raises(RuntimeError):
            await child.ask("crash")
        release.set()
        await stopped
        stats = system.metrics.stats_for(FailsOnCrash)
        assert stats is not None and stats.failures == {"RuntimeError": 1}
    messages = [r.getMessage() for r in caplog.records if r.name == "actorkit"]
    assert any("/p/child" in m and "failed handling" in m for m in messages)
