"""An outside hunt over reminders: re-registered under the same key from their own handler and
in one burst, falling due while their owner waits out a restart's backoff or while its whole
system is gone, and started by a failing instance's `on_stop` (API.md §11 "Reminders",
docs/persistence.md "Reminders"). Time is a `ManualClock`'s, read by the handler itself."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from actorkit import ActorSystem, Backoff, OneForOne
from actorkit.persistence import DurableState, StoredReminder
from actorkit.testing import ManualClock

from .durable_support import MakeStore, store_maker

pytestmark = pytest.mark.timeout(30)


@pytest.fixture(params=["memory", "sqlite"])
def make(request: pytest.FixtureRequest, tmp_path: Path) -> MakeStore:
    return store_maker(request, tmp_path)


class Owner(DurableState):
    """Records `(message, time)` for every message but its commands; `clock` is the clock of
    the system it runs in, set by the test."""

    clock: ManualClock

    def __init__(self) -> None:
        self.got: list[tuple[object, float]] = []

    async def on_stop(self) -> None:
        if self.got and self.got[-1][0] == "crash":
            await self.reminders.start("late", "from on_stop", 5.0)

    async def receive(self, message: Any) -> Any:
        if message == "got":
            return self.got
        if isinstance(message, tuple) and message[0] == "start":
            return await self.reminders.start(*message[1:])
        if message == "burst":
            await asyncio.gather(
                self.reminders.start("k", "first", 1.0),
                self.reminders.cancel("k"),
                self.reminders.start("k", "last", 2.0, 2.0),
            )
            return None
        self.got.append((message, Owner.clock.now()))
        if message in ("crash", "boom"):
            raise RuntimeError(message)
        if message == "swap":  # its own reminder, replaced from its handler
            assert await self.reminders.cancel("k")
            await self.reminders.start("k", "swapped", 3.0)
        return None


async def _stored(make: MakeStore, persistence_id: str) -> list[StoredReminder]:
    async with make() as store:
        return await store.reminders(persistence_id)


async def test_a_reminder_cancelled_and_started_again_from_its_own_handler(
    make: MakeStore,
) -> None:
    Owner.clock = clock = ManualClock()
    async with ActorSystem("r", store=make(), clock=clock) as system:
        owner = await system.spawn(Owner, name="o")
        await owner.ask(("start", "k", "swap", 5.0, 1.0))
        await clock.advance(5.0)
        await clock.advance(10.0)  # the period of the old one would have fired ten times
        assert await owner.ask("got") == [("swap", 5.0), ("swapped", 8.0)]
    [kept] = await _stored(make, "/o")
    assert (kept.key, kept.due, kept.every) == ("k", 8.0, None)


async def test_a_burst_of_starts_and_cancels_of_one_key_leaves_the_last(make: MakeStore) -> None:
    Owner.clock = clock = ManualClock()
    async with ActorSystem("r", store=make(), clock=clock) as system:
        owner = await system.spawn(Owner, name="o")
        await owner.ask("burst")
        await clock.advance(5.0)
        assert await owner.ask("got") == [("last", 2.0), ("last", 4.0)]
    [kept] = await _stored(make, "/o")
    assert (kept.key, kept.due, kept.every) == ("k", 2.0, 2.0)


async def test_a_whole_system_restart_fires_the_missed_points_once_then_keeps_the_grid(
    make: MakeStore,
) -> None:
    """The first system's clock passes 10 and 20; the next starts at 47 on its own clock
    (a ManualClock's time is its wall-clock time): the points 30 and 40, missed while no
    system ran, fire once, then 50 and 60 on the grid."""
    Owner.clock = clock = ManualClock()
    async with ActorSystem("r", store=make(), clock=clock) as system:
        owner = await system.spawn(Owner, name="o")
        await owner.ask(("start", "p", "tick", 10.0, 10.0))
        await clock.advance(25.0)
        assert await owner.ask("got") == [("tick", 10.0), ("tick", 20.0)]
    Owner.clock = later = ManualClock(start=47.0)
    async with ActorSystem("r", store=make(), clock=later) as system:
        owner = await system.spawn(Owner, name="o")
        await later.advance(0.0)
        assert await owner.ask("got") == [("tick", 47.0)]
        await later.advance(13.5)
        assert await owner.ask("got") == [("tick", 47.0), ("tick", 50.0), ("tick", 60.0)]


async def test_points_passed_in_a_restart_backoff_fire_once_after_recovery(
    make: MakeStore,
) -> None:
    Owner.clock = clock = ManualClock()
    strategy = OneForOne(
        max_restarts=5, within=100.0, backoff=Backoff(min=4.5, max=4.5, jitter=0.0)
    )
    async with ActorSystem("r", store=make(), clock=clock, supervisor=strategy) as system:
        owner = await system.spawn(Owner, name="o")
        await owner.ask(("start", "p", "tick", 2.0, 2.0))
        await clock.advance(1.0)
        owner.tell("boom")  # the restart comes at 5.5: the points 2 and 4 passed meanwhile
        await clock.advance(7.0)
        assert await owner.ask("got") == [("tick", 5.5), ("tick", 6.0), ("tick", 8.0)]


async def test_a_reminder_started_by_the_failing_instance_s_on_stop_fires_once(
    make: MakeStore,
) -> None:
    Owner.clock = clock = ManualClock()
    async with ActorSystem("r", store=make(), clock=clock) as system:
        owner = await system.spawn(Owner, name="o")
        owner.tell("crash")
        await clock.advance(0.0)
        await clock.advance(20.0)
        assert await owner.ask("got") == [("from on_stop", 5.0)]  # the crash was the old one's
    [kept] = await _stored(make, "/o")
    assert (kept.key, kept.due) == ("late", 5.0)  # at least once: kept until cancelled
