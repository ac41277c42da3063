"""A control signal whose transition raises (a runtime fault, a `supervisor_strategy` that
`__init__` set to no strategy) ends the actor as a failure, never as a task that died while
its cell stayed registered: its children stop, its `on_stop` runs, its parent decides (at the
root, the system fails). So does the end of a drain (a shutdown's), the one transition the
receive loop carries out without a signal. A failing `on_stop` there is no such fault: it is
logged and the stop goes on (`test_callbacks`)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, NotDelivered, OneForOne, SystemFailed
from actorkit._lifecycle import Lifecycle
from actorkit._outside_stop import kill
from actorkit._record import Record
from actorkit._state import STOPPING
from actorkit._supervision import _Strategy
from actorkit.testing import ManualClock

from .actors_support import HoldsTheCleanup
from .invariants import assert_settled
from .shutdown_support import BOUND
from .test_lifecycle_corners_cancelled_spawn import SpawnsAndCancels


class Quits(Actor):
    """Stops itself: a normal exit its (permanent) supervisor decides on."""

    def __init__(self, stops: list[str]) -> None:
        self.stops = stops

    async def receive(self, message: Any) -> None:
        self.stop()

    async def on_stop(self) -> None:
        self.stops.append("child")


class BadlyConfigured(Actor):
    """Sets the class where an instance belongs: checked only at its first child's exit."""

    def __init__(self, starts: list[int], stops: list[str]) -> None:
        self.supervisor_strategy = OneForOne  # type: ignore[assignment]
        starts.append(len(starts))
        self.stops = stops

    async def receive(self, message: Any) -> Any:
        if message == "spawn":
            return await self.spawn(Quits, self.stops, name="c")
        return "pong"

    async def on_stop(self) -> None:
        self.stops.append("parent")


async def test_a_strategy_set_in_init_that_is_no_strategy_fails_its_actor(
    caplog: pytest.LogCaptureFixture,
) -> None:
    starts: list[int] = []
    stops: list[str] = []
    async with asyncio.timeout(10), ActorSystem(metrics=False) as system:
        parent = await system.spawn(BadlyConfigured, starts, stops, name="p")
        child = await parent.ask("spawn")
        child.tell("exit")
        assert await parent.ask("ping") == "pong"  # answered by the restarted instance
        assert starts == [0, 1] and stops == ["child", "parent"]  # children first
        assert not child.is_alive and parent.is_alive
        await assert_settled(system)
    assert any(
        "supervisor_strategy of /p must be a strategy" in record.getMessage()
        and "write OneForOne()" in record.getMessage()
        for record in caplog.records
    )


class Fails(Actor):
    async def receive(self, message: Any) -> None:
        raise ValueError("to be decided on")


async def test_a_failing_transition_of_the_root_fails_the_system(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(self: _Strategy, children: Any, failed: Any) -> Any:
        raise RuntimeError("a fault in a restart")

    monkeypatch.setattr(_Strategy, "affected", broken)
    clock = ManualClock()
    with pytest.raises(SystemFailed) as info:
        async with asyncio.timeout(5), ActorSystem(metrics=False, clock=clock) as system:
            ref = await system.spawn(Fails)
            ref.tell("go")
            await clock.settle()
            assert not ref.is_alive  # stopped by the root before it closed
            assert isinstance(system.failure, RuntimeError)
    assert isinstance(info.value.__cause__, RuntimeError)
    assert system.actor_count == 0


class Holds(Actor):
    """A child whose `on_stop` is recorded; its parent is `/p`."""

    def __init__(self, stops: list[str]) -> None:
        self.stops = stops

    async def receive(self, message: Any) -> Any:
        return message

    async def on_stop(self) -> None:
        self.stops.append(self.path)


class Parent(Holds):
    async def on_start(self) -> None:
        await self.spawn(Holds, self.stops, name="c")


def fault_while_draining(monkeypatch: pytest.MonkeyPatch, where: str) -> list[BaseException]:
    """A fault in `where` of `/p`'s draining stop: ending its drain (finalizing it), or
    stopping its children with theirs drained. Returns the fault, taken once it struck."""
    faults: list[BaseException] = [RuntimeError(f"a fault in {where}")]
    if where == "finalize":
        release = Record.release_instance

        def faulty(self: Record) -> Any:
            if faults and self.path == "/p" and self.draining and self.state is STOPPING:
                raise faults.pop()
            return release(self)

        monkeypatch.setattr(Record, "release_instance", faulty)
    else:
        fault_in_stop_children(monkeypatch, faults, drained_only=True)
    return faults


def fault_in_stop_children(
    monkeypatch: pytest.MonkeyPatch, faults: list[BaseException], *, drained_only: bool = False
) -> None:
    """`/p` stopping its children raises the last of `faults`, taking it, while any is left
    (with `drained_only`, only a stop that drains them)."""
    stop_children = Lifecycle.stop_children

    async def failing(self: Lifecycle, *, drain: bool = False, within: float | None = None) -> None:
        if faults and self.path == "/p" and (drain or not drained_only):
            raise faults.pop()
        await stop_children(self, drain=drain, within=within)

    monkeypatch.setattr(Lifecycle, "stop_children", failing)


@pytest.mark.parametrize("where", ["finalize", "stop_children"])
async def test_a_drain_whose_end_raises_fails_its_actor_and_the_shutdown_goes_on(
    where: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    faults = fault_while_draining(monkeypatch, where)
    stops: list[str] = []
    async with asyncio.timeout(BOUND), ActorSystem(metrics=False, clock=ManualClock()) as system:
        parent = await system.spawn(Parent, stops, name="p")
        assert await parent.ask("ping") == "ping"
        # Bounded: a stop left waiting on a task that died would be forced only at the end.
        await system.shutdown(timeout=1.0)
        assert not faults and system.failure is None
        assert stops == ["/p/c", "/p"]  # children first, each `on_stop` once, after the fault
        assert system.actor_count == 0 and not parent.is_alive
        await assert_settled(system)
    reports = [r for r in caplog.records if getattr(r, "actor_path", "") == "/p"]
    assert [r.directive for r in reports] == ["stop (it cannot go on)"]  # type: ignore[attr-defined]
    assert "exceeded" not in caplog.text  # not a forced stop


async def test_a_stray_cancellation_ending_a_drain_fails_its_actor_saying_where(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A CancelledError nobody asked for, raised by the end of a drain, is a failure of that
    drained stop, named so, not the end of the actor's task."""
    faults = fault_while_draining(monkeypatch, "finalize")
    faults[:] = [asyncio.CancelledError("stray")]
    stops: list[str] = []
    async with asyncio.timeout(BOUND), ActorSystem(metrics=False, clock=ManualClock()) as system:
        parent = await system.spawn(Parent, stops, name="p")
        await system.shutdown(timeout=1.0)
        assert not faults and system.failure is None
        assert stops == ["/p/c", "/p"] and not parent.is_alive
    [report] = [r for r in caplog.records if getattr(r, "actor_path", "") == "/p"]
    error = report.exc_info[1] if report.exc_info else None
    assert isinstance(error, RuntimeError)
    assert str(error).startswith("the drained stop of /p let a CancelledError escape")
    assert "exceeded" not in caplog.text  # not a forced stop


class HeldParent(Parent):
    """A `Parent` that holds its first message until `gate` opens: what is sent meanwhile
    stays queued behind it, and a stop waits for it."""

    def __init__(self, stops: list[str], gate: asyncio.Event) -> None:
        super().__init__(stops)
        self.gate = gate

    async def receive(self, message: Any) -> Any:
        await self.gate.wait()
        return message


async def test_a_failed_signal_whose_cleanup_fails_too_closes_its_actor_with_nothing_below(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A stop whose transition raises, and whose cleanup (`signal_failed`) raises again before
    its children stopped: the actor closes once, with the first failure (logged once, the
    second fault too), its queue is dead-lettered and its askers answered, and the children
    its cleanup could not stop are stopped by force rather than outlive it (a shutdown then
    found them still running, and cancelled them saying it exceeded its timeout)."""
    faults: list[BaseException] = [
        RuntimeError("a fault in the cleanup"),
        RuntimeError("a fault in the stop"),
    ]
    fault_in_stop_children(monkeypatch, faults)
    stops: list[str] = []
    gate = asyncio.Event()
    clock = ManualClock()
    async with asyncio.timeout(BOUND), ActorSystem(metrics=False, clock=clock) as system:
        parent = await system.spawn(HeldParent, stops, gate, name="p")
        child = system.lookup("/p/c")
        assert child is not None
        holding = asyncio.ensure_future(parent.ask("held"))
        await clock.settle()
        parent.tell("queued")
        asking = asyncio.ensure_future(parent.ask("asked"))
        stopping = asyncio.ensure_future(parent.stop())
        await clock.settle()
        gate.set()
        assert await holding == "held"
        await stopping
        assert not faults and not parent.is_alive
        assert not child.is_alive  # closed with its parent, not left running under it
        with pytest.raises(NotDelivered):
            await asking
        assert system.dead_letters.by_reason == {"stopping": 2}
        assert system.actor_count == 0 and system.failure is None
        await clock.settle()
        assert sorted(stops) == ["/p", "/p/c"]  # each `on_stop` once
        await assert_settled(system)
    reports = [r for r in caplog.records if getattr(r, "actor_path", "") == "/p"]
    assert [r.directive for r in reports] == ["stop (it cannot go on)"]  # type: ignore[attr-defined]
    assert "a fault in the stop" in reports[0].getMessage()
    assert any("a fault in the cleanup" in r.getMessage() for r in caplog.records)
    assert "exceeded" not in caplog.text and "never retrieved" not in caplog.text


class HoldingParent(Holds):
    """A `Parent` whose child's `on_stop` never returns: its own stop's cleanup waits on it."""

    def __init__(self, stops: list[str], stopping: asyncio.Event) -> None:
        super().__init__(stops)
        self.stopping = stopping

    async def on_start(self) -> None:
        await self.spawn(HoldsTheCleanup, self.stopping, asyncio.Event(), self.stops, name="c")


async def test_a_failed_signal_whose_cleanup_a_forced_shutdown_cancels_is_reported_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The cleanup after a failed stop waits on a child's `on_stop` that never returns, until
    a shutdown's timeout forces it: the shutdown keeps to its bound, the actor closes once (by
    the forced stop), its failure is logged once, its `on_stop` runs as it unwinds, and its
    task ends cancelled, not with an error nobody retrieves."""
    faults: list[BaseException] = [RuntimeError("a fault in the stop")]
    fault_in_stop_children(monkeypatch, faults)
    stops: list[str] = []
    stopping = asyncio.Event()
    async with asyncio.timeout(BOUND), ActorSystem(metrics=False, clock=ManualClock()) as system:
        parent = await system.spawn(HoldingParent, stops, stopping, name="p")
        stopped = asyncio.ensure_future(parent.stop())
        await stopping.wait()  # the failed stop's cleanup waits on `/p/c`'s `on_stop`
        await system.shutdown(timeout=0.1)
        await stopped
        assert not faults and not parent.is_alive and system.actor_count == 0
        assert stops == ["/p"] and system.failure is None  # `/p/c`'s was cut short
    reports = [r for r in caplog.records if getattr(r, "actor_path", "") == "/p"]
    assert [r.directive for r in reports] == ["stop (it cannot go on)"]  # type: ignore[attr-defined]
    assert "never retrieved" not in caplog.text and "failed too" not in caplog.text


async def test_a_failed_drain_that_stopped_a_cancelled_spawn_s_kids_forces_nothing_below(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A drained stop whose end raises, with a cancelled spawn's task below the actor stopping
    its kid: the drain stopped that kid in order before the fault, so the cleanup after it
    leaves nothing to force. The cancelled spawn's actor, its kid stopped, ends in its own
    task, with its own failure: it is no child left running (it was named in a warning that
    its parent could not stop its children, and its task was cancelled once more)."""
    faults = fault_while_draining(monkeypatch, "finalize")
    stopping, release, done = asyncio.Event(), asyncio.Event(), list[str]()
    clock = ManualClock()
    async with asyncio.timeout(BOUND), ActorSystem(metrics=False, clock=clock) as system:
        parent = await system.spawn(SpawnsAndCancels, name="p")
        assert await parent.ask((stopping, release, done)) == []
        shutdown = asyncio.ensure_future(system.shutdown())
        await clock.settle()  # the drain of /p waits for /p/x/kid's `on_stop`
        release.set()
        await shutdown
        assert not faults and done == ["/p/x/kid"] and system.failure is None
    reports = [r for r in caplog.records if getattr(r, "actor_path", "") == "/p"]
    assert [r.directive for r in reports] == ["stop (it cannot go on)"]  # type: ignore[attr-defined]
    assert "could not stop its children" not in caplog.text and "exceeded" not in caplog.text


class SpawnsAndCancelsBesideAKid(SpawnsAndCancels):
    """`SpawnsAndCancels` with a kid of its own, `k`, whose `on_stop` holds until released."""

    def __init__(self, stopping: asyncio.Event, release: asyncio.Event, done: list[str]) -> None:
        self.hooks = stopping, release, done

    async def on_start(self) -> None:
        await self.spawn(HoldsTheCleanup, *self.hooks, name="k")


async def test_a_failed_drain_leaves_the_on_stop_a_forced_stop_began_below_it_to_finish(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A kid stopped by force while parked runs its `on_stop` in its cancelled task, out of
    its parent's children but below it still while a cancelled spawn's task stops its own kid
    there. Its parent's drained stop raising then, the cleanup after that failure forces
    nothing more on it: its `on_stop` runs to its end, once (a second cancellation cut it)."""
    faults = fault_while_draining(monkeypatch, "finalize")
    stopping, release, done = asyncio.Event(), asyncio.Event(), list[str]()
    kid_stopping, kid_release = asyncio.Event(), asyncio.Event()
    clock = ManualClock()
    async with asyncio.timeout(BOUND), ActorSystem(metrics=False, clock=clock) as system:
        hooks = kid_stopping, kid_release, done
        parent = await system.spawn(SpawnsAndCancelsBesideAKid, *hooks, name="p")
        await parent.ask((stopping, release, done))  # `/p/x`'s task stops `/p/x/kid`
        kid = system.lookup("/p/k")
        assert kid is not None
        kill([kid._cell])  # as past a stop's timeout
        await kid_stopping.wait()
        shutdown = asyncio.ensure_future(system.shutdown())
        await clock.settle()
        release.set()  # `/p/x/kid` ends, then the drain of `/p` fails
        await clock.settle()
        assert not faults and not parent.is_alive
        kid_release.set()
        await shutdown
    assert sorted(done) == ["/p/k", "/p/x/kid"]
