"""Backoff's reset window when a restart takes over a child still waiting out its own: the
child starts with that restart, and its quiet window (docs/api.md §9, "Backoff": more than
`within` seconds without failure since the restart started it) runs from then, not from the
start its own backoff had planned and never made."""

from __future__ import annotations

import asyncio

import pytest

from actorkit import Actor, ActorSystem, Backoff, OneForAll, RestForOne
from actorkit.testing import ManualClock

from .supervision_support import Worker


class Three(Actor):
    """Starts workers a, b, c in that order under the strategy it is given."""

    def __init__(self, journal: list[str], strategy: RestForOne) -> None:
        self.journal = journal
        self.supervisor_strategy = strategy

    async def on_start(self) -> None:
        for label in "abc":
            await self.spawn(Worker, self.journal, label, name=label)


def log(journal: list[str]) -> list[str]:
    taken = list(journal)
    journal.clear()
    return taken


async def test_a_child_started_early_by_a_take_over_resets_after_a_quiet_window(
    clock: ManualClock,
) -> None:
    """b fails three times in a row (waits 1, 2, then 4 s, due at t=7); at t=3.5 a fails,
    and its restart starts a, b, c at t=4.5. b then runs 5.5 s, more than `within`, and
    fails at t=10: its next restart is the first of a new series (1 s), not the fourth (8 s)."""
    journal: list[str] = []
    strategy = RestForOne(max_restarts=20, within=5.0, backoff=Backoff(min=1, max=16, jitter=0))
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        await system.spawn(Three, journal, strategy, name="t")
        a, b = system.lookup("/t/a"), system.lookup("/t/b")
        assert a is not None and b is not None
        b.tell("crash")
        await clock.advance(1)
        b.tell("crash")
        await clock.advance(2)
        b.tell("crash")
        await clock.advance(0.5)
        log(journal)
        a.tell("crash")  # t=3.5: a's first restart waits 1 s and takes b and c over
        await clock.advance(1)
        assert log(journal) == ["stop a", "start a", "start b", "start c"]
        await clock.advance(5.5)
        b.tell("crash")  # t=10: b has run 5.5 s since the restart that started it
        await clock.advance(1)
        assert log(journal) == ["stop c", "stop b", "start b", "start c"]


@pytest.mark.parametrize("quiet", [4.0, 5.0])
async def test_a_take_over_still_counts_the_failures_in_a_row_inside_the_window(
    clock: ManualClock, quiet: float
) -> None:
    """The same, but b fails again `within` seconds or less after that start: its series
    goes on (the fourth restart in a row waits 8 s). So the window is no looser than before."""
    journal: list[str] = []
    strategy = RestForOne(max_restarts=20, within=5.0, backoff=Backoff(min=1, max=16, jitter=0))
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        await system.spawn(Three, journal, strategy, name="t")
        a, b = system.lookup("/t/a"), system.lookup("/t/b")
        assert a is not None and b is not None
        for wait in (1.0, 2.0, 0.5):
            b.tell("crash")
            await clock.advance(wait)
        a.tell("crash")
        await clock.advance(1)
        await clock.advance(quiet)
        log(journal)
        b.tell("crash")
        await clock.advance(7.9)
        assert log(journal) == ["stop c", "stop b"]
        await clock.advance(0.1)
        assert log(journal) == ["start b", "start c"]


async def test_under_one_for_all_a_take_over_by_a_new_child_moves_the_window_too(
    clock: ManualClock,
) -> None:
    """A child spawned during a one_for_all backoff fails: its restart takes over the group,
    whose failed child then starts with it; that child's window runs from that start."""
    journal: list[str] = []
    strategy = OneForAll(max_restarts=20, within=5.0, backoff=Backoff(min=1, max=16, jitter=0))

    class Growing(Actor):
        supervisor_strategy = strategy

        async def on_start(self) -> None:
            await self.spawn(Worker, journal, "a", name="a")

        async def receive(self, message: object) -> object:
            await self.spawn(Worker, journal, "n", name="n")
            return "spawned"

    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        parent = await system.spawn(Growing, name="g")
        a = system.lookup("/g/a")
        assert a is not None
        for wait in (1.0, 2.0, 0.5):  # a's third restart in a row is due at t=7
            a.tell("crash")
            await clock.advance(wait)
        assert await parent.ask("grow", timeout=1) == "spawned"
        n = system.lookup("/g/n")
        assert n is not None
        n.tell("crash")  # t=3.5: n's first restart (1 s) starts a and n at t=4.5
        await clock.advance(1)
        await clock.advance(5.5)
        log(journal)
        a.tell("crash")  # t=10: a has run 5.5 s
        await clock.advance(1)
        assert log(journal) == ["stop n", "stop a", "start a", "start n"]
