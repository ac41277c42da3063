"""A live owner's armed reminders are what the store holds: after a write whose commit is in
doubt, and after a restart that lands on a periodic reminder's grid."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import ActorSystem
from actorkit.persistence import DurableState, PersistenceError, StoredReminder
from actorkit.testing import ManualClock

from .durable_support import InDoubt, SharedMemoryStore

pytestmark = pytest.mark.timeout(30)


class Owner(DurableState):
    """Notes what it gets; starts and cancels reminders, and goes on after a store failure,
    as a handler that only logs it would."""

    def __init__(self) -> None:
        self.got: list[Any] = []

    async def receive(self, message: Any) -> Any:
        if message == "got":
            return self.got
        try:
            if isinstance(message, tuple) and message[0] == "start":
                return await self.reminders.start(*message[1:])
            if isinstance(message, tuple) and message[0] == "cancel":
                return await self.reminders.cancel(message[1])
        except PersistenceError:
            return "failed"
        self.got.append(message)
        return None


async def test_a_start_whose_commit_is_in_doubt_is_armed_when_the_store_holds_it() -> None:
    store = InDoubt()
    clock = ManualClock()
    async with asyncio.timeout(10):
        async with ActorSystem("r", store=store, clock=clock) as system:
            owner = await system.spawn(Owner, name="owner")
            store.doubt = True
            assert await owner.ask(("start", "tick", "tick", 1.0, 1.0)) == "failed"
            store.doubt = False
            assert [r.key for r in await store.reminders("/owner")] == ["tick"]
            await clock.advance(1.0)
            assert await owner.ask("got") == ["tick"]


async def test_a_cancel_whose_commit_is_in_doubt_is_disarmed_when_the_store_lost_it() -> None:
    store = InDoubt()
    clock = ManualClock()
    async with asyncio.timeout(10):
        async with ActorSystem("r", store=store, clock=clock) as system:
            owner = await system.spawn(Owner, name="owner")
            await owner.ask(("start", "tick", "tick", 1.0, 1.0))
            await clock.advance(1.0)
            store.doubt = True
            assert await owner.ask(("cancel", "tick")) == "failed"
            store.doubt = False
            assert await store.reminders("/owner") == []
            await clock.advance(5.0)
            assert await owner.ask("got") == ["tick"]  # nothing after the cancel


async def test_a_start_that_failed_outright_leaves_the_old_reminder_armed() -> None:
    """Nothing stored, nothing changed: the reminder the store still holds keeps firing."""
    store = InDoubt()
    clock = ManualClock()
    async with asyncio.timeout(10):
        async with ActorSystem("r", store=store, clock=clock) as system:
            owner = await system.spawn(Owner, name="owner")
            await owner.ask(("start", "tick", "old", 1.0, 1.0))
            store.put_reminder = _refused  # type: ignore[method-assign]
            assert await owner.ask(("start", "tick", "new", 5.0, 5.0)) == "failed"
            await clock.advance(2.0)
            assert await owner.ask("got") == ["old", "old"]


async def _refused(persistence_id: str, reminder: StoredReminder) -> None:
    raise PersistenceError("the database is gone")


@pytest.mark.parametrize(
    ("due", "every", "periods"),
    [(15.832, 0.7, 12), (580.838, 1.1, 18), (207.274, 0.3, 29), (9e8 + 0.25, 0.1, 37)],
)
async def test_a_restart_on_the_grid_fires_an_overdue_periodic_reminder_once(
    due: float, every: float, periods: int
) -> None:
    """The grid point the restart lands on is the one the overdue fire stands for; the next
    is a whole period later, not a rounding error later."""
    store = SharedMemoryStore()
    async with ActorSystem("first", store=store.another(), clock=ManualClock(due)) as system:
        owner = await system.spawn(Owner, name="owner")
        await owner.ask(("start", "tick", "tick", 0.0, every))
    clock = ManualClock(due + periods * every)
    async with ActorSystem("second", store=store.another(), clock=clock) as system:
        owner = await system.spawn(Owner, name="owner")
        await clock.advance(0.0)
        assert await owner.ask("got") == ["tick"]
        await clock.advance(every * 0.9)
        assert await owner.ask("got") == ["tick"]
        await clock.advance(every * 0.2)
        assert await owner.ask("got") == ["tick", "tick"]
