"""A recovery's replay past its first read, where the replay tests did not look (found by a
mutation review of `_replay`)."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import pytest

from actorkit import ActorSystem
from actorkit.persistence import MemoryStore, PersistenceError, StoredEvent, StoredRecovery
from actorkit.persistence._payload import encode

from .event_sourced_support import Summing

pytestmark = pytest.mark.timeout(30)

OUTAGE = "the replica holding '/t' is unreachable: retry once it is back"


class Total(Summing):
    async def receive(self, message: Any) -> Any:
        return self.total


class FirstEventOnly(MemoryStore):
    """A store of a user's whose recovery read returns the first event and says there are
    more; reading on fails with its own `PersistenceError`."""

    async def load_recovery(self, persistence_id: str, journal: bool = True) -> StoredRecovery:
        loaded = await super().load_recovery(persistence_id, journal)
        return dataclasses.replace(loaded, events=loaded.events[:1], more=True)

    def read(self, persistence_id: str, from_seq: int = 1) -> AsyncIterator[StoredEvent]:
        return _Unreachable()


class _Unreachable:
    """A read whose first step fails."""

    def __aiter__(self) -> _Unreachable:
        return self

    async def __anext__(self) -> StoredEvent:
        raise PersistenceError(OUTAGE)


async def test_a_stores_own_persistence_error_past_the_first_read_reaches_the_spawn_as_it_is() -> (
    None
):
    """Its words say what to do; wrapped as a failure of the read, they would be said twice
    and its class's own type would be lost."""
    store = FirstEventOnly()
    async with asyncio.timeout(10):
        await store.append("/t", 0, [encode(n) for n in range(1, 4)])
        async with ActorSystem(store=store) as system:
            with pytest.raises(PersistenceError) as failed:
                await system.spawn(Total, name="t")
    assert str(failed.value) == OUTAGE


class RepeatingPastFirst(MemoryStore):
    """A store of a user's whose recovery read returns the first event and says there are
    more, and whose `read` hands that event again before the rest."""

    async def load_recovery(self, persistence_id: str, journal: bool = True) -> StoredRecovery:
        loaded = await super().load_recovery(persistence_id, journal)
        return dataclasses.replace(loaded, events=loaded.events[:1], more=True)

    def read(self, persistence_id: str, from_seq: int = 1) -> AsyncIterator[StoredEvent]:
        return super().read(persistence_id, from_seq - 1)


async def test_events_out_of_order_past_the_first_read_fail_the_recovery_blaming_the_store() -> (
    None
):
    store = RepeatingPastFirst()
    async with asyncio.timeout(10):
        await store.append("/t", 0, [encode(n) for n in range(1, 4)])
        async with ActorSystem(store=store) as system:
            with pytest.raises(PersistenceError, match="out of order: event 1 after 1"):
                await system.spawn(Total, name="t")
