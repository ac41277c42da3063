"""Backoff's reset window (docs/api.md §9, "Backoff": more than `within` seconds without
failure since the restart started it) runs from the start the restart makes, not from the one
its backoff planned: earlier when a later restart takes the child over while it waits, later
when its supervisor is busy in a handler as the backoff ends."""

from __future__ import annotations

import asyncio

import pytest

from actorkit import Actor, ActorSystem, Backoff, OneForAll, OneForOne, RestForOne
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


async def test_a_start_a_busy_supervisor_delays_begins_the_window_when_it_is_made(
    clock: ManualClock,
) -> None:
    """The backoff of c's restart ends at t=1, but its supervisor is busy in a handler until
    t=10 (it decides and starts between messages, README "Supervision"): c starts at 10. It
    fails at t=12, 2 s into its run: inside the window, so the next restart is the second in
    a row (2 s), not a reset series (1 s)."""
    journal: list[str] = []
    release = asyncio.Event()

    class Busy(Actor):
        supervisor_strategy = OneForOne(within=5.0, backoff=Backoff(min=1, max=16, jitter=0))

        async def on_start(self) -> None:
            await self.spawn(Worker, journal, "c", name="c")

        async def receive(self, message: object) -> object:
            await release.wait()
            return message

    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        parent = await system.spawn(Busy, name="p")
        c = system.lookup("/p/c")
        assert c is not None
        log(journal)
        c.tell("crash")
        await clock.settle()
        parent.tell("busy")
        await clock.advance(10)
        assert log(journal) == ["stop c"]  # not started yet: its supervisor is busy
        release.set()
        await clock.settle()
        assert log(journal) == ["start c"]  # t=10
        await clock.advance(2)
        c.tell("crash")  # t=12
        await clock.advance(1.5)
        assert log(journal) == ["stop c"]
        await clock.advance(0.5)
        assert log(journal) == ["start c"]
