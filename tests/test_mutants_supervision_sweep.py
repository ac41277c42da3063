"""Supervision, restarts, death watch and failed cleanups in cases a mutation review of the
supervision modules found the suites left open: a decider that is a mapping and can also be
called is read, and checked, as a mapping; a function decider is asked once per failure; a
restart waits for a kid a cancelled spawn still stops below the failed actor, and starts in
its task a class whose `__new__` makes an instance of another class; children held back
behind a failed start wait for the restart decided on it; an actor that stops hears of no
actor any depth below it; a pool leaver whose drain fails as it ends closes; a cleanup that
fails too names what it cancelled and logs its fault with its traceback."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from actorkit import (
    Actor,
    ActorSystem,
    Backoff,
    ChildSpec,
    Directive,
    OneForAll,
    OneForOne,
    Supervisor,
)
from actorkit._record import Record
from actorkit._state import STOPPING
from actorkit.testing import ManualClock

from .invariants import assert_settled
from .shutdown_support import BOUND
from .signal_failure_support import Parent, fault_in_stop_children
from .supervision_support import Refusing, Worker
from .test_lifecycle_corners_cancelled_spawn import SpawnsAndCancels
from .test_signal_failure_pool_leaver import Noted
from .test_watch_descendants_at_stop import Middle
from .watch_support import terminated_letters


async def test_a_function_decider_is_asked_once_per_failure(clock: ManualClock) -> None:
    asked: list[BaseException] = []

    def decider(error: BaseException) -> Directive:
        asked.append(error)
        return "resume"

    class Parent(Actor):
        supervisor_strategy = OneForOne(decider=decider)

        async def receive(self, message: Any) -> Any:
            return await self.spawn(Worker, [], "w", name="w")

    async with ActorSystem(clock=clock) as system:
        parent = await system.spawn(Parent, name="p")
        child = await parent.ask("spawn")
        child.tell("crash")
        await clock.settle()
        assert await child.ask("handled") == 0  # resumed: the same instance answers
    assert [str(error) for error in asked] == ["w crashed"]


class CallableMapping(dict[Any, Any]):
    """A mapping that can also be called: the decider is the mapping, never the call."""

    def __call__(self, error: BaseException) -> Directive:
        return "stop"


async def test_a_callable_mapping_decider_is_read_as_a_mapping(clock: ManualClock) -> None:
    journal: list[str] = []
    decider = CallableMapping({RuntimeError: "resume"})

    class Parent(Actor):
        supervisor_strategy = OneForOne(decider=decider)

        async def receive(self, message: Any) -> Any:
            return await self.spawn(Worker, journal, "w", name="w")

    async with ActorSystem(clock=clock) as system:
        parent = await system.spawn(Parent, name="p")
        child = await parent.ask("spawn")
        child.tell("crash")
        await clock.settle()
        assert child.is_alive  # resumed, as the mapping says: the call would have stopped it
        assert journal == ["start w"]


def test_a_callable_mapping_decider_is_checked_as_a_mapping_when_made() -> None:
    with pytest.raises(ValueError, match="decider directive for ValueError must be one of"):
        OneForOne(decider=CallableMapping({ValueError: "bogus"}))
    with pytest.raises(ValueError, match="decider key KeyboardInterrupt is never decided on"):
        OneForOne(decider=CallableMapping({KeyboardInterrupt: "stop"}))


async def test_a_class_whose_new_makes_another_class_is_restarted_with_its_on_start(
    clock: ManualClock,
) -> None:
    """A restart makes the new instance in place only for a class that makes its own instances
    and has no `on_start`: one whose `__new__` hands back an instance of another class (with an
    `on_start`) is started in its task, `on_start` included."""
    journal: list[str] = []

    class Started(Actor):
        async def on_start(self) -> None:
            journal.append("on_start")

    class Shifting(Actor):  # no hooks: spawned dormant; its second instance is a `Started`
        made = 0

        def __new__(cls, *args: Any, **kwargs: Any) -> Any:
            cls.made += 1
            return super().__new__(cls if cls.made == 1 else Started)

        async def receive(self, message: Any) -> Any:
            raise RuntimeError("fails on purpose")

    async with ActorSystem(clock=clock) as system:
        ref = await system.spawn(Shifting, name="s")
        ref.tell("fail")
        await clock.settle()
        assert Shifting.made == 2
        assert journal == ["on_start"]


class NotesItsInstances(SpawnsAndCancels):
    """Notes each new instance; answers "ping" (any other message spawns, or fails on it)."""

    def __init__(self, done: list[str]) -> None:
        done.append("new /p")

    async def receive(self, message: Any) -> Any:
        if message == "ping":
            return "pong"
        return await super().receive(message)


async def test_a_restart_waits_for_the_kid_a_cancelled_spawn_still_stops_below_it() -> None:
    """Children before the new instance: a failed actor out of children, but below which a
    cancelled spawn's task still stops a kid, is not restarted in place, where nothing would
    wait for that kid: its new instance comes once the kid has stopped."""
    stopping, release, done = asyncio.Event(), asyncio.Event(), list[str]()
    async with asyncio.timeout(10), ActorSystem(metrics=False) as system:
        parent = await system.spawn(NotesItsInstances, done, name="p")
        assert await parent.ask((stopping, release, done)) == []  # `/p/x/kid` stops, held
        parent.tell(0)  # `0[0]` fails it: its restart waits for that kid
        for _ in range(20):  # turns enough for a restart that does not wait for the kid
            await asyncio.sleep(0)
        assert done == ["new /p"]
        release.set()
        assert await parent.ask("ping") == "pong"
    assert done == ["new /p", "/p/x/kid", "new /p"]


async def test_children_held_back_by_a_failed_start_wait_for_the_restart_that_follows(
    clock: ManualClock,
) -> None:
    """One_for_all with a backoff: `a` fails to start in the restart, so `b`, after it, is held
    back; the restart decided on `a`'s failure takes `b` over, and both start once its
    backoff has passed, in order. `b` never starts ahead of `a`, nor before that backoff."""
    journal: list[str] = []
    refusals: list[int] = []
    strategy = OneForAll(max_restarts=5, backoff=Backoff(min=10.0, max=10.0, jitter=0))
    children = [
        ChildSpec(Refusing, journal, refusals, name="a"),
        ChildSpec(Worker, journal, "b", name="b"),
    ]
    async with ActorSystem(clock=clock) as system:
        await system.spawn(Supervisor, children, strategy, name="s")
        b = system.lookup("/s/b")
        assert b is not None
        refusals.append(1)
        journal.clear()
        b.tell("crash")
        await clock.advance(10.0)  # the restart's start: `a` refuses, `b` waits behind it
        assert journal == ["stop b", "a refuses to start"]
        await clock.advance(9.9)
        assert journal == ["stop b", "a refuses to start"]
        await clock.advance(0.1)
        assert journal == ["stop b", "a refuses to start", "start a", "start b"]


class Deep(Actor):
    """Starts `/top/deep/mid/leaf` below itself, three levels under `/top`."""

    async def on_start(self) -> None:
        await self.spawn(Middle, name="mid")


class WatchesThreeDown(Actor):
    async def on_start(self) -> None:
        await self.spawn(Deep, name="deep")
        leaf = self.system.lookup("/top/deep/mid/leaf")
        assert leaf is not None
        self.watch(leaf)


async def test_a_stop_dead_letters_no_terminated_of_an_actor_three_levels_below(
    clock: ManualClock,
) -> None:
    """Anything below an actor that stops for good stops with it, however deep: its stop is
    no news to an instance that is gone (docs/api.md §9), not only a child's or grandchild's."""
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        top = await system.spawn(WatchesThreeDown, name="top")
        await top.stop()
        await clock.settle()
        assert (terminated_letters(system), system.dead_letters.count) == ([], 0)


async def test_a_pool_leaver_whose_drain_fails_as_it_ends_closes_and_the_shrink_returns(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A member leaving a shrink drains for good: a fault as its drain ends (a runtime fault)
    closes it with that failure ("stop (it cannot go on)"), its pool running on is not told to
    decide on it, and the shrink returns."""
    faults = [RuntimeError("a fault as the leaver's drain ends")]
    release = Record.release_instance

    def faulty(self: Record) -> Any:
        if faults and self.path == "/pool/1" and self.draining and self.state is STOPPING:
            raise faults.pop()
        return release(self)

    monkeypatch.setattr(Record, "release_instance", faulty)
    clock = ManualClock()
    async with asyncio.timeout(BOUND), ActorSystem(metrics=False, clock=clock) as system:
        pool = await system.spawn_pool(Noted, [], size=2, name="pool")
        leaver = pool.members[1]
        await pool.resize(1)
        await clock.settle()
        assert not faults
        assert not leaver.is_alive and system.lookup("/pool/1") is None
        assert await pool.ask("who") == "0"
        await assert_settled(system)
    reports = [r for r in caplog.records if getattr(r, "actor_path", "") == "/pool/1"]
    assert [r.directive for r in reports] == ["stop (it cannot go on)"]  # type: ignore[attr-defined]


async def test_a_cleanup_that_fails_too_says_what_it_cancelled_and_logs_its_fault(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A stop whose transition raises, and whose cleanup raises again before the children
    stopped: the child left running is cancelled, and a WARNING names it; the cleanup's own
    fault is logged with its traceback, the one that says where the runtime broke."""
    cleanup_fault = RuntimeError("a fault in the cleanup")
    faults: list[BaseException] = [cleanup_fault, RuntimeError("a fault in the stop")]
    fault_in_stop_children(monkeypatch, faults)
    stops: list[str] = []
    clock = ManualClock()
    async with asyncio.timeout(BOUND), ActorSystem(metrics=False, clock=clock) as system:
        parent = await system.spawn(Parent, stops, name="p")
        child = system.lookup("/p/c")
        assert child is not None
        await parent.stop()
        await clock.settle()
        assert not faults and not child.is_alive
        assert sorted(stops) == ["/p", "/p/c"]
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warned == ["/p could not stop its children; cancelled: /p/c"]
    [failed_too] = [r for r in caplog.records if "failed too" in r.getMessage()]
    assert failed_too.exc_info is not None and failed_too.exc_info[1] is cleanup_fault
