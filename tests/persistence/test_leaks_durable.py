"""Memory: nothing of the persistence layer keeps a stopped durable actor alive, nor keeps
something per activation of a durable actor that a service starts and stops for weeks."""

from __future__ import annotations

import gc
import weakref
from typing import Any

import pytest

from actorkit import ActorSystem
from actorkit.persistence import DurableState, MemoryStore
from actorkit.testing import ManualClock, instance


class Reminded(DurableState):
    async def receive(self, message: Any) -> Any:
        if message == "once":
            await self.reminders.start("once", "tick", 3600.0)
        elif message == "every":
            await self.reminders.start("every", "tick", 3600.0, every=3600.0)
        elif message == "cancelled":
            await self.reminders.start("gone", "tick", 3600.0)
            await self.reminders.cancel("gone")
        return None


@pytest.mark.parametrize("reminder", ["once", "every", "cancelled"])
async def test_a_stopped_durable_actor_with_a_reminder_is_freed(reminder: str) -> None:
    """Its reminder's timer ends with it, and its entry in the timer queue waits for its due
    time (a day away, say) or a compaction: the ended entry must not keep the instance."""
    async with ActorSystem("freed", store=MemoryStore(), clock=ManualClock()) as system:
        ref = await system.spawn(Reminded, name="reminded")
        await ref.ask(reminder)
        held = weakref.ref(instance(ref))
        await ref.stop()
        gc.collect()
        assert held() is None, [type(r).__name__ for r in gc.get_referrers(held())]
