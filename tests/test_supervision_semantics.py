"""Supervision against OTP's and Akka's semantics where the two differ from a first guess:
the intensity window's edge, when a backoff resets and how far it grows, what `unwatch`
withdraws, and the siblings a failed restart holds back (API 9, "Supervision")."""

from __future__ import annotations

import asyncio
from itertools import pairwise
from typing import Any

import pytest

from actorkit import (
    Actor,
    ActorRef,
    ActorSystem,
    Backoff,
    ChildSpec,
    OneForAll,
    OneForOne,
    RestForOne,
    Supervisor,
)
from actorkit.testing import ManualClock, Probe, snapshot

from .supervision_support import Crashing, Refusing


async def test_a_restart_exactly_within_seconds_ago_is_still_in_the_window(
    clock: ManualClock,
) -> None:
    """OTP keeps a restart made `Period` seconds ago in the window (`R >= Now - Period`):
    `max_restarts=1, within=1.0` allows one restart in any closed 1-second window."""
    starts: list[float] = []
    async with ActorSystem(clock=clock) as system:
        outer = await system.spawn(
            Supervisor,
            [ChildSpec(Crashing, clock, starts, name="c")],
            OneForOne(max_restarts=1, within=1.0),
            name="sup",
        )
        child = system.lookup("/sup/c")
        assert child is not None
        child.tell("crash")  # t=0: the one restart the window allows
        await clock.advance(1.0)
        child.tell("crash")  # t=1.0: the second restart in [0, 1]: the supervisor gives up
        await clock.advance(0)
        assert snapshot(outer).restarts == 1


async def test_backoff_grows_while_the_child_never_runs_a_quiet_window(
    clock: ManualClock,
) -> None:
    """The quiet window that resets a backoff is one the child spent running: the wait for
    its own restart is no stable period (Akka resets a backoff a set time after the child
    started), or a delay longer than `within` would reset every time and `max` would never
    be reached by a child that fails at once on every start."""
    starts: list[float] = []
    backoff = Backoff(min=1.0, max=60.0, jitter=0)
    strategy = OneForOne(max_restarts=100, within=5.0, backoff=backoff)
    async with ActorSystem(clock=clock, supervisor=strategy) as system:
        ref = await system.spawn(Crashing, clock, starts)
        for _ in range(6):
            ref.tell("crash")
            await clock.settle()
            due = clock.next_due()
            assert due is not None  # the restart's backoff
            await clock.advance(due - clock.now())
        delays = [later - earlier for earlier, later in pairwise(starts)]
        assert delays == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0]


async def test_unwatch_withdraws_a_terminated_already_queued() -> None:
    """Akka: after `unwatch` no `Terminated` of that actor is received, not even one that was
    queued before the call. The watcher's accounts stay whole: it leaves as never accepted."""
    async with asyncio.timeout(10), ActorSystem() as system:
        probe = await Probe.spawn(system)
        target = await system.spawn(Crashing, ManualClock(), [])

        class Watcher(Actor):
            async def receive(self, message: Any) -> None:
                if message == "watch, stop, unwatch":
                    self.watch(target)
                    await target.stop()  # its `Terminated` is queued here now
                    self.unwatch(target)
                else:
                    probe.ref.tell(message)

        watcher = await system.spawn(Watcher)
        await watcher.ask("watch, stop, unwatch")
        await watcher.ask("sync")
        assert await probe.receive() == "sync"
        probe.expect_empty()
        accounts = snapshot(watcher).accounting
        assert accounts.balanced and accounts.accepted == accounts.processed == 2


class Dependent(Actor):
    """Started after `a` and needs it running: its `on_start` asks it."""

    def __init__(self, journal: list[str], a: ActorRef) -> None:
        self.journal = journal
        self.a = a

    async def on_start(self) -> None:
        self.journal.append("b asks a")
        self.journal.append(f"b got {await self.a.ask('hello')}")


@pytest.mark.parametrize(
    "strategy", [OneForAll(), RestForOne()], ids=["one_for_all", "rest_for_one"]
)
async def test_children_after_one_that_fails_to_restart_wait_for_it(
    clock: ManualClock, strategy: OneForAll | RestForOne
) -> None:
    """As in OTP, a restart that cannot start a child starts none after it (they depend on
    it): the supervisor decides on that failure first. Started anyway, `b` would wait in its
    `on_start` on an ask to `a`, which nothing restarts while the supervisor waits for `b`,
    until the ask times out."""
    journal: list[str] = []
    refusals: list[int] = []

    class Parent(Actor):
        supervisor_strategy = strategy

        async def on_start(self) -> None:
            a = await self.spawn(Refusing, journal, refusals, name="a")
            await self.spawn(Dependent, journal, a, name="b")

    async with ActorSystem(clock=clock) as system:
        await system.spawn(Parent, name="p")
        a = system.lookup("/p/a")
        assert a is not None
        journal.clear()
        refusals.append(1)
        a.tell("crash")
        await clock.advance(0)
        assert journal == ["a refuses to start", "start a", "b asks a", "b got hello"]


async def test_a_backoff_at_its_max_keeps_restarting_past_a_thousand_restarts(
    clock: ManualClock,
) -> None:
    """The n-th delay is `min * 2**(n-1)` capped at `max`: past the 1024th restart that power
    leaves the float range, which must cap at `max` like any other, not fail the supervisor
    (a dependency down for hours, ridden out with a backoff, gets there)."""

    class Down(Actor):
        async def receive(self, message: Any) -> None:
            raise RuntimeError("still down")

    class Riding(Actor):
        supervisor_strategy = OneForOne(
            max_restarts=5000, within=100.0, backoff=Backoff(min=1.0, max=1.0, jitter=0)
        )

        async def on_start(self) -> None:
            await self.spawn(Down, name="down")

    async with asyncio.timeout(30), ActorSystem(clock=clock) as system:
        riding = await system.spawn(Riding, name="r")
        down = system.lookup("/r/down")
        assert down is not None
        for _ in range(1030):
            down.tell("work")
            await clock.advance(1.0)
        assert snapshot(riding).failures == 0
        assert snapshot(down).restarts == 1030
