"""A `Supervisor` subclass that declares `supervisor_strategy` on its class, as any actor class
may (docs/api.md §3): with no `strategy=` given, that declaration supervises its children.
`strategy=` still wins over it, and with neither the default is `OneForOne()`."""

from __future__ import annotations

import asyncio

from actorkit import ActorSystem, OneForAll, OneForOne, RestForOne, Strategy, Supervisor
from actorkit.testing import ManualClock

from .supervision_support import specs


class AllForOne(Supervisor):
    """Its children only make sense together."""

    supervisor_strategy = OneForAll()


class Strict(Supervisor):
    """Gives up at the first failure of a child."""

    supervisor_strategy = OneForOne(max_restarts=0)


async def crash_a(system: ActorSystem, clock: ManualClock, journal: list[str]) -> list[str]:
    a = system.lookup("/s/a")
    assert a is not None
    journal.clear()
    a.tell("crash")
    await clock.settle()
    return journal


async def test_a_subclass_s_declared_strategy_supervises_its_children(clock: ManualClock) -> None:
    journal: list[str] = []
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        await system.spawn(AllForOne, specs(journal, "a", "b", "c"), name="s")
        assert await crash_a(system, clock, journal) == [
            "stop c",
            "stop b",
            "stop a",
            "start a",
            "start b",
            "start c",
        ]


async def test_a_subclass_s_declared_intensity_is_the_one_counted(clock: ManualClock) -> None:
    journal: list[str] = []
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        s = await system.spawn(Strict, specs(journal, "a", "b"), name="s")
        # gave up at once: its children stopped, and its own supervisor restarted it
        assert await crash_a(system, clock, journal) == [
            "stop a",
            "stop b",
            "start a",
            "start b",
        ]
        assert s.is_alive


async def test_strategy_given_wins_over_the_declared_one(clock: ManualClock) -> None:
    journal: list[str] = []
    given: Strategy = RestForOne()
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        await system.spawn(AllForOne, specs(journal, "a", "b", "c"), given, name="s")
        b = system.lookup("/s/b")
        assert b is not None
        journal.clear()
        b.tell("crash")
        await clock.settle()
        assert journal == ["stop c", "stop b", "start b", "start c"]


async def test_a_plain_supervisor_without_a_strategy_is_one_for_one(clock: ManualClock) -> None:
    journal: list[str] = []
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        await system.spawn(Supervisor, specs(journal, "a", "b"), name="s")
        assert await crash_a(system, clock, journal) == ["stop a", "start a"]
