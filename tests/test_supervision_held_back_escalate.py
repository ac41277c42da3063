"""The siblings a failed restart start holds back (`StartPlan`) after the supervisor escalated
that failure: the supervisor awaits its own parent's decision, so they wait for it (a resume
starts them, a restart starts them anew); and only a failed `on_start` holds them back."""

from __future__ import annotations

import asyncio

from actorkit import Actor, ActorSystem, OneForAll
from actorkit.testing import ManualClock

from .supervision_support import Refusing, StartFailed


class B(Actor):
    """Depends on `a` (started after it)."""

    def __init__(self, journal: list[str]) -> None:
        self.journal = journal

    async def on_start(self) -> None:
        self.journal.append("start b")


class Escalating(Actor):
    """Starts `a` then `b`, and escalates a failed start of `a`."""

    supervisor_strategy = OneForAll(decider={StartFailed: "escalate"})

    def __init__(self, journal: list[str], refusals: list[int]) -> None:
        self.journal = journal
        self.refusals = refusals

    async def on_start(self) -> None:
        self.journal.append("start p")
        await self.spawn(Refusing, self.journal, self.refusals, name="a")
        await self.spawn(B, self.journal, name="b")


class Resuming(Actor):
    """Resumes its `Escalating` child when it escalates a failed start."""

    supervisor_strategy = OneForAll(decider={StartFailed: "resume"})

    def __init__(self, journal: list[str], refusals: list[int]) -> None:
        self.journal = journal
        self.refusals = refusals

    async def on_start(self) -> None:
        await self.spawn(Escalating, self.journal, self.refusals, name="p")


async def crash_a_whose_restart_fails(
    system: ActorSystem, clock: ManualClock, path: str, journal: list[str], refusals: list[int]
) -> None:
    a = system.lookup(path)
    assert a is not None
    journal.clear()
    refusals.append(1)
    a.tell("crash")
    for _ in range(3):
        await clock.advance(0)


async def test_an_escalated_start_failure_starts_no_held_back_sibling(clock: ManualClock) -> None:
    """After a's failed restart start is escalated, `a` is stopped and `p` fails; its parent
    restarts it, which starts a and b anew. Before that, b was started once more on its own,
    against an `a` that was stopped."""
    journal: list[str] = []
    refusals: list[int] = []
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        await system.spawn(Escalating, journal, refusals, name="p")
        await crash_a_whose_restart_fails(system, clock, "/p/a", journal, refusals)
        assert journal == ["a refuses to start", "start p", "start a", "start b"]


async def test_the_held_back_siblings_start_when_the_supervisor_is_resumed(
    clock: ManualClock,
) -> None:
    """Its parent resumes it instead: the siblings held back start then, once."""
    journal: list[str] = []
    refusals: list[int] = []
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        await system.spawn(Resuming, journal, refusals, name="g")
        await crash_a_whose_restart_fails(system, clock, "/g/p/a", journal, refusals)
        assert journal == ["a refuses to start", "start b"]
        b = system.lookup("/g/p/b")
        assert b is not None and b.is_alive


async def test_a_child_that_started_and_then_failed_holds_back_no_sibling(
    clock: ManualClock,
) -> None:
    """Only a failed `on_start` holds back the siblings after it (OTP starts them all, then
    hears of a later failure): a restarted child that fails at once on a message queued
    during its restart lets its siblings start with the restart."""
    journal: list[str] = []

    class Parent(Actor):
        supervisor_strategy = OneForAll(max_restarts=1, within=60.0)

        async def on_start(self) -> None:
            await self.spawn(Refusing, journal, [], name="a")
            await self.spawn(B, journal, name="b")

    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        await system.spawn(Parent, name="p")
        a = system.lookup("/p/a")
        assert a is not None
        journal.clear()
        a.tell("crash")
        a.tell("crash")  # queued: handled right after the restart
        for _ in range(5):
            await clock.advance(0)
        assert journal[:2] == ["start a", "start b"]
