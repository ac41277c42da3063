"""The end of a drain (a shutdown's), the one transition the receive loop carries out without a
signal, raising: the actor fails, its children stop first, the shutdown goes on; a stray
cancellation there is named a failure of the drained stop; what a cancelled spawn's task stops
below it is neither forced nor cut."""

from __future__ import annotations

import asyncio

import pytest

from actorkit import ActorSystem
from actorkit._outside_stop import kill
from actorkit.testing import ManualClock

from .actors_support import HoldsTheCleanup
from .invariants import assert_settled
from .shutdown_support import BOUND
from .signal_failure_support import Parent, fault_while_draining
from .test_lifecycle_corners_cancelled_spawn import SpawnsAndCancels


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
