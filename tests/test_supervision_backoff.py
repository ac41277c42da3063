"""Restart backoff: exponential delays, reset, jitter, and a backoff cut short (API 3)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, Backoff, OneForOne, RestForOne, Supervisor
from actorkit.testing import ManualClock

from .supervision_support import Worker, specs


async def test_backoff_delays_restarts_exponentially(clock: ManualClock) -> None:
    journal: list[str] = []
    strategy = OneForOne(max_restarts=10, within=100.0, backoff=Backoff(min=1.0, max=4.0, jitter=0))
    async with ActorSystem(clock=clock, supervisor=strategy) as system:
        ref = await system.spawn(Worker, journal, "w")
        expected_delays = [1.0, 2.0, 4.0, 4.0]
        for delay in expected_delays:
            journal.clear()
            ref.tell("crash")
            ref.tell("kept")  # sent during the wait: stays in the mailbox
            await clock.advance(delay - 0.01)
            assert journal == ["stop w"], f"restarted before {delay}s"
            await clock.advance(0.01)
            assert journal == ["stop w", "start w"]
            assert await ref.ask("handled") == 1


class BackingOff(Actor):
    """Supervises one `Worker` with a long restart backoff."""

    supervisor_strategy = OneForOne(
        max_restarts=10, within=100.0, backoff=Backoff(min=30.0, max=60.0)
    )

    def __init__(self, journal: list[str]) -> None:
        self.journal = journal

    async def on_start(self) -> None:
        await self.spawn(Worker, self.journal, "w", name="w")

    async def receive(self, message: Any) -> Any:
        raise RuntimeError(f"{message} on purpose")


@pytest.mark.parametrize("end", ["stop", "restart", "shutdown"])
async def test_a_restart_still_in_its_backoff_leaves_no_timer_when_its_supervisor_ends(
    clock: ManualClock, end: str
) -> None:
    """The restart will not run: its timer must not outlive the supervisor (or the system),
    holding them until it fires, or count as pending on the manual clock."""
    journal: list[str] = []
    async with ActorSystem(clock=clock) as system:
        parent = await system.spawn(BackingOff, journal, name="p")
        worker = system.lookup("/p/w")
        assert worker is not None
        worker.tell("crash")
        await clock.settle()
        assert clock.pending == 1  # the restart's backoff
        if end == "stop":
            await parent.stop()
        elif end == "restart":
            parent.tell("fail")  # the root restarts it, and with it its children
        if end != "shutdown":
            await clock.settle()
            assert clock.pending == 0
    assert clock.pending == 0


async def test_backoff_resets_after_a_quiet_window(clock: ManualClock) -> None:
    journal: list[str] = []
    strategy = OneForOne(max_restarts=10, within=5.0, backoff=Backoff(min=1.0, max=8.0, jitter=0))
    async with ActorSystem(clock=clock, supervisor=strategy) as system:
        ref = await system.spawn(Worker, journal, "w")
        ref.tell("crash")
        await clock.advance(1.0)
        ref.tell("crash")
        await clock.advance(2.0)
        await clock.advance(10.0)  # quiet for longer than `within`
        journal.clear()
        ref.tell("crash")
        await clock.advance(1.0)
        assert journal == ["stop w", "start w"]


async def test_a_later_rest_for_one_restart_supersedes_one_still_in_its_backoff(
    clock: ManualClock,
) -> None:
    """`b` waits out its backoff when `a` fails with a longer one: `b` and `c` depend on `a`,
    so they start after it, in order, not when `b`'s own wait ends."""
    journal: list[str] = []
    backoff = Backoff(min=1.0, max=100.0, jitter=0)
    strategy = RestForOne(max_restarts=10, within=100.0, backoff=backoff)
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        await system.spawn(Supervisor, specs(journal, "a", "b", "c"), strategy, name="s")
        a, b = system.lookup("/s/a"), system.lookup("/s/b")
        assert a is not None and b is not None
        for delay in (1.0, 2.0):  # a's next restart waits 4 s
            a.tell("crash")
            await clock.advance(delay)
        journal.clear()
        b.tell("crash")  # b's restart, with c, waits 1 s
        await clock.settle()
        a.tell("crash")  # a fails meanwhile: a, b and c start again in 4 s
        await clock.advance(3.99)
        assert journal == ["stop c", "stop b", "stop a"]
        await clock.advance(0.01)
        assert journal[3:] == ["start a", "start b", "start c"]


async def test_backoff_jitter_stays_in_bounds() -> None:
    backoff = Backoff(min=0.5, max=3.0, jitter=0.2)
    for attempt, base in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 3.0), (9, 3.0)]:
        for _ in range(50):
            assert base <= backoff.delay(attempt) <= base * 1.2


def test_a_backoff_past_a_thousand_restarts_in_a_row_waits_its_max() -> None:
    """Doubling overflows a float past the 1024th restart: the wait stays at `max`."""
    backoff = Backoff(min=0.1, max=10.0, jitter=0.0)
    assert [backoff.delay(n) for n in (1, 2, 8, 1100, 5000)] == [0.1, 0.2, 10.0, 10.0, 10.0]


def test_a_backoff_s_jitter_adds_up_to_that_fraction_of_the_wait() -> None:
    delays = [Backoff(min=1.0, max=1.0, jitter=0.5).delay(3) for _ in range(50)]
    assert all(1.0 <= delay <= 1.5 for delay in delays)
    assert len(set(delays)) > 1  # drawn afresh each time


async def test_a_restart_still_in_its_backoff_leaves_no_timer_when_its_child_is_stopped(
    clock: ManualClock,
) -> None:
    """Nothing is left to restart: the backoff's timer goes with the child, rather than stay
    armed (pending on the manual clock) until it fires to start nobody."""
    journal: list[str] = []
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        await system.spawn(BackingOff, journal, name="p")
        worker = system.lookup("/p/w")
        assert worker is not None
        worker.tell("crash")
        await clock.settle()
        assert clock.pending == 1  # the restart's backoff
        await worker.stop()
        await clock.settle()
        assert clock.pending == 0
        await clock.advance(60.0)
        assert journal == ["start w", "stop w"]


async def test_a_restart_taken_over_by_a_later_one_leaves_no_timer_of_its_own(
    clock: ManualClock,
) -> None:
    """`a`'s restart takes over `b` and `c`, whose own backoff has nobody left to start."""
    journal: list[str] = []
    strategy = RestForOne(max_restarts=10, within=100.0, backoff=Backoff(min=4.0, jitter=0))
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        await system.spawn(Supervisor, specs(journal, "a", "b", "c"), strategy, name="s")
        a, b = system.lookup("/s/a"), system.lookup("/s/b")
        assert a is not None and b is not None
        b.tell("crash")
        await clock.settle()
        a.tell("crash")  # within b's backoff: a, b and c start again after a's
        await clock.settle()
        assert clock.pending == 1
        await clock.advance(4.0)
        assert journal[-3:] == ["start a", "start b", "start c"]
