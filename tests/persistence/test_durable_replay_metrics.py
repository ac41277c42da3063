"""`actorkit_events_replayed_total` counts every event a recovery passed through `apply`,
also in a recovery that failed after replaying them (a reminder it read does not decode, an
event further on could not be read): a recovery that fails again and again after replaying a long
journal loads the store and the loop each time, and the counter must show that load."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from actorkit import ActorSystem
from actorkit.persistence import (
    EventSourced,
    MemoryStore,
    PersistenceError,
    StoredEvent,
    StoredReminder,
)

from ..metrics_truth_support import sample, scraped

pytestmark = pytest.mark.timeout(30)


class BreaksWhenTold(MemoryStore):
    """Fails reading a journal past its first `events_before_failing` events, or returns a
    reminder that does not decode, once told to."""

    def __init__(self) -> None:
        super().__init__()
        self.events_before_failing: int | None = None
        self.reminders_fail = False
        self.reminders_unreadable = False

    async def read(self, persistence_id: str, from_seq: int = 1) -> AsyncIterator[StoredEvent]:
        read = 0
        async for stored in super().read(persistence_id, from_seq):
            if self.events_before_failing is not None and read == self.events_before_failing:
                raise PersistenceError("the journal could not be read on")
            read += 1
            yield stored

    async def reminders(self, persistence_id: str) -> list[Any]:
        if self.reminders_unreadable:  # read with the snapshot, before any event
            raise PersistenceError("the reminders could not be read")
        if self.reminders_fail:  # armed after the replay, where its decoding fails
            return [StoredReminder("k", 0.0, None, b"\xff not a message")]
        return await super().reminders(persistence_id)


class Counts(EventSourced):
    def __init__(self) -> None:
        self.applied = 0

    def apply(self, event: Any) -> None:
        self.applied += 1

    async def receive(self, message: Any) -> Any:
        await self.persist(*range(message))
        return self.applied


@pytest.mark.parametrize("breaks", ["reminders", "journal", "unread reminders"])
async def test_a_failed_recovery_counts_the_events_it_replayed(breaks: str) -> None:
    store = BreaksWhenTold()
    async with asyncio.timeout(10), ActorSystem(store=store) as system:
        ref = await system.spawn(Counts, name="c")
        assert await ref.ask(3) == 3
        await ref.stop()
        if breaks == "reminders":
            store.reminders_fail = True  # after all three events are replayed
        elif breaks == "unread reminders":
            store.reminders_unreadable = True  # before any
        else:
            store.events_before_failing = 2  # after two
        with pytest.raises(PersistenceError):
            await system.spawn(Counts, name="c")
        samples = scraped(system)
    replayed = sample(samples, "actorkit_events_replayed_total", actor_type="Counts")
    failed = sample(
        samples,
        "actorkit_persistence_failures_total",
        actor_type="Counts",
        operation="recovery",
        kind="error",
    )
    expected = {"reminders": 3.0, "journal": 2.0, "unread reminders": 0.0}[breaks]
    assert (replayed, failed) == (expected, 1.0)
