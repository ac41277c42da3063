"""A deploy that switches an actor's class between `EventSourced` and `DurableState` on the
same persistence id: the two kinds keep their history in different tables, so the new kind
would find nothing of its own and start empty, the old history silently lost. Recovery
refuses instead, saying what to change."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from actorkit import ActorSystem
from actorkit.persistence import DurableState, PersistenceError, Store
from actorkit.persistence._binding import encode

from .conftest import MakeStore
from .durable_support import SharedMemoryStore, ShippedStore
from .event_sourced_support import Summing
from .test_conformance_recovery import OnlyTheProtocol

pytestmark = pytest.mark.timeout(60)

PID = "account-7"


class Ledger(Summing):
    async def receive(self, message: Any) -> Any:
        if isinstance(message, int):
            await self.persist(message)
        return self.total


class LedgerAsState(DurableState):
    async def receive(self, message: Any) -> Any:
        if isinstance(message, int):
            await self.save((self.state or 0) + message)
        return self.state


class SnapshotOnly(Ledger):
    snapshot_every = 1


async def _write(store: Any, cls: type[Ledger | LedgerAsState]) -> None:
    async with ActorSystem(store=store) as system:
        ref = await system.spawn(cls, name="a", persistence_id=PID)
        assert await ref.ask(5) == 5


async def _recover(store: Any, cls: type[Ledger | LedgerAsState]) -> PersistenceError:
    async with ActorSystem(store=store) as system:
        with pytest.raises(PersistenceError) as caught:
            await system.spawn(cls, name="a", persistence_id=PID)
    return caught.value


async def test_an_event_sourced_actor_on_a_durable_state_refuses_to_recover(
    make: Callable[[], Store],
) -> None:
    async with asyncio.timeout(30):
        await _write(make(), LedgerAsState)
        error = await _recover(make(), Ledger)
    text = str(error)
    assert PID in text and "DurableState" in text and "Ledger" in text
    assert "persistence_id" in text  # what to change


async def test_a_durable_state_actor_on_a_journal_refuses_to_recover(
    make: Callable[[], Store],
) -> None:
    async with asyncio.timeout(30):
        await _write(make(), Ledger)
        error = await _recover(make(), LedgerAsState)
    text = str(error)
    assert PID in text and "EventSourced" in text and "LedgerAsState" in text
    assert "persistence_id" in text


async def test_a_durable_state_actor_on_a_snapshot_alone_refuses_to_recover(
    make: Callable[[], ShippedStore],
) -> None:
    store = make()
    async with asyncio.timeout(30), store:
        await store.save_snapshot(PID, 3, b"\x03")  # the journal before it trimmed away
    async with asyncio.timeout(30):
        error = await _recover(make(), LedgerAsState)
    assert "EventSourced" in str(error)


async def test_each_kind_still_recovers_its_own_history(make: Callable[[], Store]) -> None:
    async with asyncio.timeout(30):
        await _write(make(), SnapshotOnly)
        async with ActorSystem(store=make()) as system:
            ref = await system.spawn(SnapshotOnly, name="a", persistence_id=PID)
            assert await ref.ask("total") == 5
        async with ActorSystem(store=make()) as system:
            ref = await system.spawn(LedgerAsState, name="b", persistence_id="other")
            assert await ref.ask(2) == 2


async def test_every_store_says_whether_the_other_kind_is_stored(make_store: MakeStore) -> None:
    async with asyncio.timeout(30), make_store() as store:
        await store.append("events", 0, [b"1"])
        await store.save_snapshot("snapshot", 2, b"2")
        await store.save_state("state", 0, b"3")
        for pid, journal, other in [
            ("events", False, True),
            ("snapshot", False, True),
            ("state", False, False),
            ("state", True, True),
            ("events", True, False),
            ("nobody", True, False),
            ("nobody", False, False),
        ]:
            assert (await store.load_recovery(pid, journal)).other_kind is other, (pid, journal)


@pytest.mark.parametrize("first", [Ledger, LedgerAsState])
async def test_a_store_without_load_recovery_is_asked_with_its_reads(
    first: type[Ledger | LedgerAsState],
) -> None:
    store = OnlyTheProtocol()
    store._store = SharedMemoryStore()  # noqa: SLF001 - kept open for the second system
    then = LedgerAsState if first is Ledger else Ledger
    async with asyncio.timeout(10):
        await _write(store, first)
        error = await _recover(store, then)
    assert then.__qualname__ in str(error) and PID in str(error)


@pytest.mark.parametrize("cls", [Ledger, LedgerAsState])
async def test_an_id_holding_both_kinds_recovers_the_actor_s_own_history(
    make: Callable[[], ShippedStore], cls: type[Ledger | LedgerAsState]
) -> None:
    """An actor with history of its own does not start empty, so nothing is refused,
    whatever else the id holds (a switch made before recoveries refused it): every store
    alike, the SQL ones saying what else the id holds in the recovery's one query."""
    async with asyncio.timeout(30):
        await _write(make(), Ledger)
        store = make()
        async with store:
            await store.save_state(PID, 0, encode(5, "state"))
        async with ActorSystem(store=make()) as system:
            ref = await system.spawn(cls, name="a", persistence_id=PID)
            assert await ref.ask(1) == 6
