"""Promises that held under an outside hunt (docs/api.md §3, §9 "Supervision"): an
`"escalate"` chain through every level reaches the root and fails the system with the child's
own error; intensity counted exactly on a `ManualClock` while a backoff delays the starts;
children failing at once under a group strategy count one restart."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import (
    Actor,
    ActorSystem,
    Backoff,
    ChildSpec,
    OneForAll,
    OneForOne,
    RestForOne,
    Strategy,
    Supervisor,
    SupervisorGaveUp,
    SystemFailed,
)
from actorkit.testing import ManualClock

from .supervision_support import Worker, specs

ESCALATE = OneForOne(decider={ValueError: "escalate"})


class Level(Actor):
    """A chain of these, each escalating a `ValueError` of its child; the deepest fails."""

    supervisor_strategy = ESCALATE

    def __init__(self, depth: int, stops: list[str]) -> None:
        self.depth = depth
        self.stops = stops

    async def on_start(self) -> None:
        if self.depth < 3:
            await self.spawn(Level, self.depth + 1, self.stops, name=f"l{self.depth + 1}")

    async def on_stop(self) -> None:
        self.stops.append(f"l{self.depth}")

    async def receive(self, message: Any) -> Any:
        raise ValueError("deep")


async def test_an_escalate_chain_fails_the_system_with_the_child_s_error(
    clock: ManualClock,
) -> None:
    stops: list[str] = []
    journal: list[str] = []
    system = ActorSystem(clock=clock, supervisor=ESCALATE)
    with pytest.raises(SystemFailed) as failed:
        async with asyncio.timeout(10), system:
            await system.spawn(Worker, journal, "first", name="first")
            await system.spawn(Level, 0, stops, name="l0")
            leaf = system.lookup("/l0/l1/l2/l3")
            assert leaf is not None
            leaf.tell("boom")
            await clock.settle()
            # each level stopped the one below it before failing in turn, the root last
            assert stops == ["l3", "l2", "l1", "l0"]
            assert journal == ["start first", "stop first"]
    cause = failed.value.__cause__
    assert isinstance(cause, ValueError) and not isinstance(cause, SupervisorGaveUp)
    assert system.failure is cause


@pytest.mark.parametrize(("within", "gives_up"), [(1.5, False), (2.0, True)])
async def test_intensity_counts_a_restart_when_decided_not_when_its_backoff_starts_it(
    clock: ManualClock, within: float, gives_up: bool
) -> None:
    """Restarts decided at t=0 and t=1 (each waits 1 s, so they start at 1 and 2), then a
    failure at t=2. Counted when decided, the one of t=0 is 2 s old: outside a 1.5 s window
    (no give-up), inside a 2 s one, where a restart exactly `within` ago still counts.
    Counted when started (at 1 and 2), both would be inside either window."""
    journal: list[str] = []
    strategy = OneForAll(max_restarts=2, within=within, backoff=Backoff(min=1, max=1, jitter=0))
    root = OneForOne(decider={SupervisorGaveUp: "stop"})
    async with asyncio.timeout(10), ActorSystem(clock=clock, supervisor=root) as system:
        s = await system.spawn(Supervisor, specs(journal, "a", "b"), strategy, name="s")
        a = system.lookup("/s/a")
        assert a is not None
        for _ in range(2):
            a.tell("crash")
            await clock.advance(0.999)
            journal.clear()
            await clock.advance(0.001)
            assert journal == ["start a", "start b"], clock.now()
        a.tell("crash")
        await clock.settle()
        assert s.is_alive is not gives_up
        # a restart stops the failed one at its place; a give-up stops it first (§3)
        assert journal[-2:] == (["stop a", "stop b"] if gives_up else ["stop b", "stop a"])


@pytest.mark.parametrize("strategy", [OneForAll, RestForOne])
async def test_children_failing_at_once_count_one_restart(
    clock: ManualClock, strategy: type[OneForAll] | type[RestForOne]
) -> None:
    """a, b and c fail in the same turn: a's restart takes b and c with it, and their reports
    find them restarted already. With max_restarts=1 that is no give-up; the next is."""
    journal: list[str] = []
    release = asyncio.Event()

    class Held(Worker):
        async def receive(self, message: Any) -> Any:
            if message == "held crash":
                await release.wait()
            return await super().receive("crash" if message == "held crash" else message)

    chosen: Strategy = strategy(max_restarts=1, within=60.0)
    root = OneForOne(decider={SupervisorGaveUp: "stop"})
    async with asyncio.timeout(10), ActorSystem(clock=clock, supervisor=root) as system:
        children = [ChildSpec(Held, journal, label, name=label) for label in "abc"]
        s = await system.spawn(Supervisor, children, chosen, name="s")
        refs = [system.lookup(f"/s/{label}") for label in "abc"]
        for ref in refs:
            assert ref is not None
            ref.tell("held crash")
        await clock.settle()
        journal.clear()
        release.set()
        await clock.settle()
        assert journal == ["stop c", "stop b", "stop a", "start a", "start b", "start c"]
        assert s.is_alive
        last = refs[2]
        assert last is not None
        last.tell("crash")
        await clock.settle()
        assert not s.is_alive  # the second restart in the window: it gave up
