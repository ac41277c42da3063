"""A supervisor's restart history (`Intensity`) in a case the suites left open: the restarts
a supervisor held while it awaited its own parent's decision run once, at the resume that
ends that wait; a later resume leaves a restart that then waits out a backoff to its end."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor, ActorSystem, Backoff, OneForAll, OneForOne, Supervisor
from actorkit.testing import ManualClock, snapshot

from .supervision_support import Refusing, StartFailed, specs


class B(Actor):
    """Started after `a`; crashes on "crash"."""

    def __init__(self, journal: list[str]) -> None:
        self.journal = journal

    async def on_start(self) -> None:
        self.journal.append("start b")

    async def receive(self, message: Any) -> Any:
        raise RuntimeError("b crashed")


class Escalating(Actor):
    """Starts `a` then `b`, restarts them after a backoff, escalates a failed start of `a`,
    and fails on any message of its own (its parent resumes it)."""

    supervisor_strategy = OneForAll(
        decider={StartFailed: "escalate"}, backoff=Backoff(min=10.0, max=10.0, jitter=0)
    )

    def __init__(self, journal: list[str], refusals: list[int]) -> None:
        self.journal = journal
        self.refusals = refusals

    async def on_start(self) -> None:
        await self.spawn(Refusing, self.journal, self.refusals, name="a")
        await self.spawn(B, self.journal, name="b")

    async def receive(self, message: Any) -> Any:
        raise StartFailed(f"p fails on {message!r}")


class Resuming(Actor):
    supervisor_strategy = OneForAll(decider={StartFailed: "resume"})

    def __init__(self, journal: list[str], refusals: list[int]) -> None:
        self.journal = journal
        self.refusals = refusals

    async def on_start(self) -> None:
        await self.spawn(Escalating, self.journal, self.refusals, name="p")


async def turns(clock: ManualClock) -> None:
    for _ in range(3):
        await clock.advance(0)


async def test_a_later_resume_starts_no_restart_before_its_backoff_ends(
    clock: ManualClock,
) -> None:
    journal: list[str] = []
    refusals: list[int] = []
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        await system.spawn(Resuming, journal, refusals, name="g")
        a, p = system.lookup("/g/p/a"), system.lookup("/g/p")
        assert a is not None and p is not None
        journal.clear()
        refusals.append(1)
        a.tell("crash")
        await turns(clock)
        await clock.advance(10.0)  # a's restart fails: b held back, p escalates, is resumed
        await turns(clock)
        assert journal == ["a refuses to start", "start b"]
        b = system.lookup("/g/p/b")
        assert b is not None
        journal.clear()
        b.tell("crash")  # b's restart waits out the backoff
        await turns(clock)
        p.tell("fail")  # p fails and is resumed meanwhile
        await turns(clock)
        assert journal == []
        await clock.advance(10.0)
        await turns(clock)
        assert journal == ["start b"]


async def test_the_window_forgets_the_oldest_restarts_first(clock: ManualClock) -> None:
    """`max_restarts=2` in 10 s: restarts at 0, 5 and 12 are allowed (0 left the window at
    12), a fourth at 13 is a third within 10 s (5, 12, 13): the supervisor gives up."""
    journal: list[str] = []
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        sup = await system.spawn(
            Supervisor, specs(journal, "a"), OneForOne(max_restarts=2, within=10.0)
        )
        for at in (0.0, 5.0, 12.0):
            await clock.advance(at - clock.now())
            a = system.lookup(f"{sup.path}/a")
            assert a is not None
            a.tell("crash")
            await turns(clock)
            assert snapshot(sup).restarts == 0
        assert journal.count("start a") == 4
        await clock.advance(1.0)
        a = system.lookup(f"{sup.path}/a")
        assert a is not None
        a.tell("crash")
        await turns(clock)
        assert snapshot(sup).restarts == 1  # it gave up, and the root restarted it


async def test_a_child_stopped_during_a_backoff_leaves_its_siblings_restart(
    clock: ManualClock,
) -> None:
    """a one_for_all restart waits out its backoff; a, stopped for good meanwhile, leaves it
    b to start."""
    journal: list[str] = []
    strategy = OneForAll(backoff=Backoff(min=10.0, max=10.0, jitter=0))
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        sup = await system.spawn(Supervisor, specs(journal, "a", "b"), strategy)
        a = system.lookup(f"{sup.path}/a")
        assert a is not None
        journal.clear()
        a.tell("crash")
        await turns(clock)
        await a.stop()
        await clock.advance(10.0)
        await turns(clock)
        assert journal == ["stop b", "stop a", "start b"]
        b = system.lookup(f"{sup.path}/b")
        assert b is not None and await b.ask("here") == "here"
