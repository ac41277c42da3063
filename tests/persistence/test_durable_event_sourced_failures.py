"""Store and driver failures reach an EventSourced handler or recovery as PersistenceError."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from actorkit import ActorSystem, OneForOne
from actorkit.persistence import EventSourced, PersistenceError, StoredEvent
from actorkit.persistence._payload import encode

from .durable_support import Deposited, FlakyStore
from .event_sourced_support import Account

pytestmark = pytest.mark.timeout(30)


async def test_a_store_failure_raises_in_the_handler_and_the_actor_recovers_after() -> None:
    store = FlakyStore()
    strategy = OneForOne(max_restarts=10, within=60.0)
    async with ActorSystem("flaky", store=store, supervisor=strategy) as system:
        acct = await system.spawn(Account, name="acct")
        await acct.ask(2)
        store.down = True
        with pytest.raises(PersistenceError, match="the database is gone"):
            await acct.ask(3)
        store.down = False
        assert await acct.ask("started_with") == 2  # restarted by its supervisor, recovered
        assert await acct.ask(3) == 5
        assert system.lookup("/acct") is not None


async def test_a_driver_error_from_a_store_still_reaches_the_handler_as_persistence_error() -> None:
    store = FlakyStore()
    async with ActorSystem("broken", store=store) as system:
        acct = await system.spawn(Account, name="acct")
        store.broken = OSError("disk on fire")
        with pytest.raises(PersistenceError, match=r"persisting 1 event\(s\) of '/acct' failed"):
            await acct.ask(3)
        store.broken = None
        assert await acct.ask(3) == 3


class DriverErrorOnRead(FlakyStore):
    """Its journal reads fail with a driver's own error, as a store that breaks the contract."""

    async def read(self, persistence_id: str, from_seq: int = 1) -> AsyncIterator[StoredEvent]:
        raise OSError("connection reset")
        yield  # type: ignore[unreachable]  # pragma: no cover - makes this an async generator


class FailingApply(EventSourced):
    def apply(self, event: Any) -> None:
        raise LookupError(f"no such account: {event!r}")

    async def receive(self, message: Any) -> Any:
        return message


async def test_a_driver_error_in_recovery_is_a_persistence_error_apply_s_stays_its_own() -> None:
    async with asyncio.timeout(10):
        async with ActorSystem("broken", store=DriverErrorOnRead()) as system:
            with pytest.raises(PersistenceError, match=r"reading the journal of '/acct' failed"):
                await system.spawn(Account, name="acct")
        store = FlakyStore()
        await store.append("/bad", 0, [encode(Deposited(1))])
        async with ActorSystem("apply", store=store) as system:
            with pytest.raises(LookupError, match="no such account"):
                await system.spawn(FailingApply, name="bad")
