"""What watchers and supervisors hear of a failing or stopping actor: each once (API 3)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, ChildSpec, OneForAll, Supervisor, Terminated
from actorkit.testing import Probe


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
