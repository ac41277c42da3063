"""Control signals and the transitions they carry out, at the edges a mutation review found
untested: a sender awaiting a signal is answered even when its transition raised, and a
backoff's restart plan is let go once it ran, and the siblings a failed restart held back wait
for the restart that takes them over."""

from __future__ import annotations

import asyncio
import gc
import logging
import weakref
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, Backoff, OneForOne, RestForOne
from actorkit._lifecycle import Lifecycle
from actorkit._record import Record
from actorkit._signals import Resume
from actorkit._state import STOPPING
from actorkit.testing import ManualClock

from .invariants import assert_settled
from .supervision_support import Refusing


class Fails(Actor):
    async def receive(self, message: Any) -> str:
        if message == "boom":
            raise ValueError("restart me")
        return "pong"


class FailsAndStops(Fails):
    """With an `on_stop`, its restart's first half runs in its task (`StopInstance`): a child
    with nothing to run there is stopped in place by its supervisor (`_restart_steps`)."""

    async def on_stop(self) -> None:
        self.stopped = True


class Supervises(Actor):
    async def receive(self, message: Any) -> Any:
        return await self.spawn(FailsAndStops, name="c")


async def test_a_restart_whose_first_half_raises_answers_the_supervisor_awaiting_it(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # The supervisor awaits the child's `StopInstance`; the child reports that signal's
    # failure to it. Unanswered, the supervisor would wait on the child and the child on it.
    # The restart's second half then starts nothing in the suspended child: the supervisor
    # decides on that report (a restart), which a new instance would make stale.
    original = Lifecycle.stop_instance
    faults = [RuntimeError("a fault in a restart")]

    async def faulty(self: Lifecycle) -> None:
        if faults and self.path == "/p/c":
            raise faults.pop()
        await original(self)

    monkeypatch.setattr(Lifecycle, "stop_instance", faulty)
    async with asyncio.timeout(5), ActorSystem(metrics=False) as system:
        parent = await system.spawn(Supervises, name="p")
        child = await parent.ask("spawn")
        child.tell("boom")
        assert await child.ask("ping") == "pong"  # after the second report's restart
        assert not faults
        await assert_settled(system)
    decided = [r.getMessage() for r in caplog.records if "in a control signal" in r.getMessage()]
    assert len(decided) == 1 and decided[0].endswith("supervisor decided: restart"), decided


class BacksOff(Actor):
    supervisor_strategy = OneForOne(
        max_restarts=10, within=100.0, backoff=Backoff(min=5.0, jitter=0)
    )

    async def receive(self, message: Any) -> Any:
        return await self.spawn(Fails, name="c")


async def test_a_child_restarted_after_a_backoff_and_then_stopped_is_freed(
    clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    # The plan that restarted it must leave its supervisor's book once it ran: held there,
    # it would keep every child it ever restarted (and grow by one per restart).
    caplog.set_level(logging.CRITICAL, logger="actorkit")  # a report's traceback holds it
    async with asyncio.timeout(5), ActorSystem(metrics=False, clock=clock) as system:
        parent = await system.spawn(BacksOff, name="p")
        child = await parent.ask("spawn")
        child.tell("boom")
        await clock.advance(5.0)
        assert await child.ask("ping") == "pong"  # restarted
        held = weakref.ref(child)
        await child.stop()
        del child
        assert await parent.ask("spawn") is not None  # a round trip through the supervisor
        gc.collect()
        assert held() is None, [type(r).__name__ for r in gc.get_referrers(held())]


class B(Actor):
    def __init__(self, journal: list[str]) -> None:
        self.journal = journal

    async def on_start(self) -> None:
        self.journal.append("start b")


class HoldsBack(Actor):
    """Starts `a` then `b` (which depends on it), restarting them after a backoff."""

    supervisor_strategy = RestForOne(
        max_restarts=10, within=100.0, backoff=Backoff(min=1.0, max=8.0, jitter=0)
    )

    def __init__(self, journal: list[str], refusals: list[int]) -> None:
        self.journal = journal
        self.refusals = refusals

    async def on_start(self) -> None:
        await self.spawn(Refusing, self.journal, self.refusals, name="a")
        await self.spawn(B, self.journal, name="b")


async def test_a_sibling_held_back_by_a_failed_restart_waits_for_the_next_backoff(
    clock: ManualClock,
) -> None:
    # a's restart fails to start it: b, held back, is taken over by the restart that failure
    # brings, and starts after a, when that restart's (longer) backoff ends; never at once.
    journal: list[str] = []
    refusals: list[int] = []
    async with asyncio.timeout(5), ActorSystem(metrics=False, clock=clock) as system:
        await system.spawn(HoldsBack, journal, refusals, name="p")
        a = system.lookup("/p/a")
        assert a is not None
        journal.clear()
        refusals.append(1)
        a.tell("crash")
        await clock.advance(1.0)  # the first backoff: a refuses to start
        await clock.advance(1.99)
        assert journal == ["a refuses to start"]
        await clock.advance(0.01)  # the second backoff, twice as long
        assert journal == ["a refuses to start", "start a", "start b"]
        await assert_settled(system)


class StopsNoted(Actor):
    def __init__(self, stops: list[str]) -> None:
        self.stops = stops

    async def receive(self, message: Any) -> Any:
        return message

    async def on_stop(self) -> None:
        self.stops.append("stopped")


class SupervisesNoted(Actor):
    async def receive(self, message: Any) -> Any:
        return await self.spawn(StopsNoted, message, name="c")


async def test_an_actor_whose_stop_raises_closes_with_that_failure_and_is_not_restarted(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Its supervisor is not stopping, but it is: nothing is left to decide, it ends.
    original = Record.release_instance
    faults = [RuntimeError("a fault in a stop")]

    def faulty(self: Record) -> Any:
        if faults and self.path == "/p/c" and self.state is STOPPING:
            raise faults.pop()
        return original(self)

    monkeypatch.setattr(Record, "release_instance", faulty)
    stops: list[str] = []
    async with asyncio.timeout(5), ActorSystem(metrics=False) as system:
        parent = await system.spawn(SupervisesNoted, name="p")
        child = await parent.ask(stops)
        await child.stop()
        assert not child.is_alive and not faults
        assert stops == ["stopped"]  # its `on_stop` ran once, after the fault
        await assert_settled(system)
    reports = [r for r in caplog.records if getattr(r, "actor_path", "") == "/p/c"]
    assert [r.directive for r in reports] == ["stop (it cannot go on)"]  # type: ignore[attr-defined]


class ResumesFails(Actor):
    supervisor_strategy = OneForOne(decider=lambda error: "resume")

    async def receive(self, message: Any) -> Any:
        return await self.spawn(Fails, name="c")


async def test_a_signal_failing_while_the_supervisor_stops_closes_its_actor(
    clock: ManualClock, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # The supervisor, stopping, decides nothing: the actor ends with that failure at once.
    gate = asyncio.Event()

    async def faulty(self: Resume, cell: Any) -> None:
        await gate.wait()
        raise RuntimeError("a fault in a resume")

    monkeypatch.setattr(Resume, "run", faulty)
    async with asyncio.timeout(5), ActorSystem(metrics=False, clock=clock) as system:
        parent = await system.spawn(ResumesFails, name="p")
        child = await parent.ask("spawn")
        child.tell("boom")
        await clock.settle()  # resumed: the child is in its `Resume`, held
        stopping = asyncio.ensure_future(parent.stop())
        await clock.settle()  # the supervisor's stop awaits its child's
        gate.set()
        await stopping
        assert not child.is_alive
    reports = [r for r in caplog.records if getattr(r, "actor_path", "") == "/p/c"]
    directives = [r.directive for r in reports]  # type: ignore[attr-defined]
    assert directives == ["resume", "stop (it cannot go on)"]
