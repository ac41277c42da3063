"""Defects found by attacking the runtime through its public API (issue 13), one test each:
every wait bounded, every failure supervised, nothing half-started."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from actorkit import (
    DEAD_LETTER_TOPIC,
    Actor,
    ActorStopped,
    ActorSystem,
    ChildSpec,
    OneForOne,
    Supervisor,
)
from actorkit.testing import ManualClock, pending_asks, snapshot

BOUND = 5.0
"""No call here may take longer: each would have hung before its fix."""


class Gate(Actor):
    """Blocks on "block" until the test opens the gate; counts what it handled."""

    def __init__(self, gate: asyncio.Event, entered: asyncio.Event | None = None) -> None:
        self.gate = gate
        self.entered = entered
        self.seen: list[Any] = []

    async def receive(self, message: Any) -> Any:
        if message == "block":
            if self.entered is not None:
                self.entered.set()
            await self.gate.wait()
        self.seen.append(message)
        return message


async def test_a_dead_letter_subscriber_stopped_with_messages_queued_finishes_stopping() -> None:
    gate, entered = asyncio.Event(), asyncio.Event()
    async with ActorSystem(metrics=False) as system:
        watcher = await system.spawn(Gate, gate, entered, name="watcher")
        system.subscribe(watcher, DEAD_LETTER_TOPIC)
        watcher.tell("block")
        await entered.wait()
        for i in range(5):
            watcher.tell(i)
        before = system.dead_letters.count
        stopping = asyncio.create_task(watcher.stop())
        await asyncio.sleep(0)  # the stop is posted behind the running handler
        gate.set()
        async with asyncio.timeout(BOUND):
            await stopping
        assert not watcher.is_alive
        assert system.dead_letters.count - before == 5  # each queued message, once
        assert system.accounting().balanced


async def test_a_forced_shutdown_of_a_stuck_catch_all_subscriber_returns_and_can_be_repeated() -> (
    None
):
    gate = asyncio.Event()
    system = ActorSystem(metrics=False)
    await system.start()
    stuck = await system.spawn(Gate, gate, name="stuck")
    system.subscribe(stuck, ">")
    stuck.tell("block")
    for i in range(5):
        stuck.tell(i)
    async with asyncio.timeout(BOUND):
        await system.shutdown(timeout=0.05)
        await system.shutdown(timeout=0.05)  # harmless, and returns
    assert system.accounting().balanced


class ShutsDown(Actor):
    async def receive(self, message: Any) -> Any:
        await self.system.shutdown(timeout=1.0)
        return "asked for it"


async def test_shutdown_from_inside_a_handler_starts_it_and_later_shutdowns_return() -> None:
    system = ActorSystem(metrics=False)
    await system.start()
    ref = await system.spawn(ShutsDown)
    async with asyncio.timeout(BOUND):
        assert await ref.ask("go") == "asked for it"
        await system.shutdown()
        await system.shutdown()
    assert not ref.is_alive and not system.healthy


class Child(Actor):
    async def receive(self, message: Any) -> Any:
        assert self.parent is not None
        await self.parent.stop()
        return "stopping my parent"


class Parent(Actor):
    async def on_start(self) -> None:
        await self.spawn(Child, name="child")

    async def receive(self, message: Any) -> Any:
        return message


async def test_a_child_stopping_its_parent_does_not_deadlock_with_it() -> None:
    async with ActorSystem(metrics=False) as system:
        parent = await system.spawn(Parent, name="parent")
        child = system.lookup("/parent/child")
        assert child is not None
        async with asyncio.timeout(BOUND):
            assert await child.ask("stop") == "stopping my parent"
            await parent.stop()
        assert not parent.is_alive and not child.is_alive


class HalfBuilt(Actor):
    def __init__(self) -> None:
        self.subscribe("news.>")
        self.timers.start_every("tick", "tick", 1.0)
        raise ValueError("factory failed after subscribing")


async def test_a_factory_that_raises_leaves_no_subscription_and_no_timer_behind() -> None:
    clock = ManualClock()
    async with ActorSystem(metrics=False, clock=clock) as system:
        with pytest.raises(ValueError, match="after subscribing"):
            await system.spawn(HalfBuilt)
        assert system.publish("news.today", "hello") == 0
        assert system.dead_letters.by_reason == {"no_subscribers": 1}
        await clock.advance(5.0)  # the timer was cancelled: no tick reaches anyone
        assert system.dead_letters.count == 1
        assert system.accounting().balanced


stopped: list[str] = []


class Recorded(Actor):
    async def on_stop(self) -> None:
        stopped.append(self.path)

    async def receive(self, message: Any) -> Any:
        return message


class FailsAfterSpawning(Actor):
    async def on_start(self) -> None:
        await self.spawn(Recorded, name="a")
        await self.spawn(Recorded, name="b")
        raise RuntimeError("on_start failed after spawning")


class FailsToStart(Actor):
    async def on_start(self) -> None:
        raise RuntimeError("this member cannot start")


async def test_children_of_a_failed_on_start_are_stopped() -> None:
    stopped.clear()
    async with ActorSystem(metrics=False) as system:
        with pytest.raises(RuntimeError, match="after spawning"):
            await system.spawn(FailsAfterSpawning, name="p")
        assert system.lookup("/p/a") is None and system.lookup("/p/b") is None
        assert sorted(stopped) == ["/p/a", "/p/b"]
        assert system.actor_count == 0


async def test_a_supervisor_whose_second_child_fails_to_start_starts_nothing() -> None:
    stopped.clear()
    async with ActorSystem(metrics=False) as system:
        children = [ChildSpec(Recorded, name="first"), ChildSpec(FailsToStart, name="second")]
        with pytest.raises(RuntimeError, match="cannot start"):
            await system.spawn(Supervisor, children=children, name="sup")
        assert stopped == ["/sup/first"]
        assert system.actor_count == 0


class SecondMemberFails(Actor):
    async def on_start(self) -> None:
        if self.name == "1":
            raise RuntimeError("member 1 cannot start")
        await asyncio.sleep(0)

    async def on_stop(self) -> None:
        stopped.append(self.path)


async def test_a_pool_whose_later_member_fails_to_start_starts_nothing() -> None:
    stopped.clear()
    async with ActorSystem(metrics=False) as system:
        with pytest.raises(RuntimeError, match="member 1"):
            await system.spawn_pool(SecondMemberFails, size=3, name="pool")
        assert stopped == ["/pool/0"]
        assert system.actor_count == 0


class SlowStart(Actor):
    started: asyncio.Event
    release: asyncio.Event

    async def on_start(self) -> None:
        SlowStart.started.set()
        await SlowStart.release.wait()

    async def on_stop(self) -> None:
        stopped.append(self.path)


async def test_a_cancelled_spawn_leaves_no_ghost_and_frees_the_name() -> None:
    stopped.clear()
    SlowStart.started, SlowStart.release = asyncio.Event(), asyncio.Event()
    async with ActorSystem(metrics=False) as system:
        spawning = asyncio.create_task(system.spawn(SlowStart, name="slow"))
        await SlowStart.started.wait()
        spawning.cancel()
        with pytest.raises(asyncio.CancelledError):
            await spawning
        assert system.lookup("/slow") is None
        SlowStart.release.set()  # the retry starts at once
        ref = await system.spawn(SlowStart, name="slow")
        assert ref.is_alive and system.actor_count == 1
    assert stopped == ["/slow"]  # the cancelled one never finished on_start: no on_stop


class AwaitsOthers(Actor):
    def __init__(self, futures: list[asyncio.Future[None]]) -> None:
        self.futures = futures

    async def receive(self, message: Any) -> Any:
        if message == "wait":
            future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self.futures.append(future)
            await future  # cancelled by someone else
        return message


async def test_a_cancelled_error_the_runtime_did_not_ask_for_is_a_supervised_failure(
    caplog: pytest.LogCaptureFixture,
) -> None:
    futures: list[asyncio.Future[None]] = []
    async with ActorSystem(metrics=False, supervisor=OneForOne(max_restarts=5)) as system:
        ref = await system.spawn(AwaitsOthers, futures, name="w")
        asking = asyncio.create_task(ref.ask("wait"))
        while not futures:
            await asyncio.sleep(0)
        futures[0].cancel()
        with pytest.raises(RuntimeError, match="CancelledError escape"):
            await asking
        async with asyncio.timeout(BOUND):
            assert await ref.ask("after") == "after"  # restarted, not gone
        view = snapshot(ref)
        assert (view.failures, view.restarts) == (1, 1)
    assert any("decided: restart" in r.getMessage() for r in caplog.records)


class Abort(BaseException):
    """Not an Exception: a user's own control-flow signal."""


class Aborts(Actor):
    async def receive(self, message: Any) -> Any:
        if message == "abort":
            raise Abort("out of here")
        return message


async def test_a_handler_raising_a_base_exception_fails_like_any_error_never_a_zombie(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.CRITICAL, logger="actorkit")
    async with ActorSystem(metrics=False) as system:
        ref = await system.spawn(Aborts)
        with pytest.raises(Abort):
            await ref.ask("abort")
        async with asyncio.timeout(BOUND):
            assert await ref.ask("ping") == "ping"
            await ref.stop()
        assert not ref.is_alive


class Echo(Actor):
    async def receive(self, message: Any) -> Any:
        return message


async def test_answered_asks_with_long_timeouts_release_their_deadline_timers() -> None:
    clock = ManualClock()
    async with ActorSystem(metrics=False, clock=clock) as system:
        ref = await system.spawn(Echo)
        for i in range(500):
            assert await ref.ask(i, timeout=1e6) == i
            await clock.advance(0.01)  # each ask in a bucket of its own
        assert pending_asks(system) == 0
        assert clock.pending <= 130  # was 500: one timer per answered ask, for 11 days


async def test_a_send_to_a_stopped_actor_given_up_in_its_yield_leaves_no_fate() -> None:
    async with ActorSystem(metrics=False) as system:
        ref = await system.spawn(Echo)
        await ref.stop()
        before = system.dead_letters.count
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0):
                await ref.send("late")
        assert system.dead_letters.count == before  # told "not delivered": it was not
        await ref.send("recorded")
        assert system.dead_letters.count == before + 1


async def test_stop_and_ask_of_a_stopped_actor_return_at_once() -> None:
    async with ActorSystem(metrics=False) as system:
        ref = await system.spawn(Echo)
        await ref.stop()
        async with asyncio.timeout(BOUND):
            await ref.stop()
            with pytest.raises(ActorStopped):
                await ref.ask("x")


async def test_an_endpoint_bound_during_shutdown_does_not_outlive_the_system() -> None:
    system = ActorSystem()
    await system.start()
    serving = asyncio.create_task(system.serve_http(port=0))
    await asyncio.sleep(0)  # serve_http is on its way (importing, binding)
    async with asyncio.timeout(BOUND):
        await system.shutdown()
        try:
            server = await serving
        except ActorStopped:
            return  # refused: it finished binding after the shutdown had begun
    with pytest.raises(OSError):  # it was in time, and closed with the system
        _, writer = await asyncio.open_connection(server.host, server.port)
        writer.close()
