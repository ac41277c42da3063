"""A reminder its owner's timers cannot take: a period outside 1e-9 to 1e9 seconds is refused
by every store's `put_reminder`, as `reminders.start` refuses it; one due further ahead than
the longest timer is stored, and its owner starts all the same, leaving it to a later start.
Both failed every start of the owner, for good, with a ValueError about a timer's interval
or delay."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from actorkit import ActorSystem
from actorkit.persistence import DurableState, MemoryStore, StoredReminder
from actorkit.persistence._binding import encode
from actorkit.testing import ManualClock, pending_timers

from ..hostile_values import Hostile, RaisingFloat
from .durable_support import MakeStore

pytestmark = pytest.mark.timeout(30)


class Owner(DurableState):
    async def receive(self, message: Any) -> Any:
        if message == "start":
            await self.reminders.start("k", "tick", 1.0, every=RaisingFloat(1e-12))
        return message


@pytest.mark.parametrize("every", [1e-12, 1e9, 1e300, 0.0])
async def test_a_period_no_timer_takes_is_refused_by_the_store(
    make_store: MakeStore, every: float
) -> None:
    async with asyncio.timeout(20), make_store() as store:
        reminder = StoredReminder("k", time.time(), every, encode("tick", "message"))
        with pytest.raises(ValueError, match=r"a reminder's every must be None \(once\) or"):
            await store.put_reminder("/owner", reminder)
        assert await store.reminders("/owner") == []


async def test_a_reminder_due_past_the_longest_timer_leaves_its_owner_starting() -> None:
    far = StoredReminder("far", 2e9, None, encode("tick", "message"))
    near = StoredReminder("near", 5.0, 10.0, encode("tick", "message"))
    async with asyncio.timeout(10):
        async with ActorSystem("far", store=MemoryStore(), clock=ManualClock()) as system:
            store = system.store
            assert store is not None
            await store.put_reminder("/owner", far)
            await store.put_reminder("/owner", near)
            owner = await system.spawn(Owner, name="owner")
            assert await owner.ask("hi") == "hi"
            assert pending_timers(system) == 1  # the near one; the far one stays stored
            assert [r.key for r in await store.reminders("/owner")] == ["far", "near"]


async def test_a_period_too_short_given_as_a_float_subclass_is_refused_without_its_methods() -> (
    None
):
    async with asyncio.timeout(10):
        async with ActorSystem("short", store=(store := MemoryStore())) as system:
            owner = await system.spawn(Owner, name="owner")
            with pytest.raises(ValueError, match=r"every must be at least 1e-09") as refused:
                await owner.ask("start")
            assert not isinstance(refused.value.__context__, Hostile)
            assert await store.reminders("/owner") == []
