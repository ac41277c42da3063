"""The kind switch, further: the refusal says which kind the actor is and which kind's history
the id holds, not the reverse; and over a store of a user's, which does not say what else it
holds (`other_kind` None), the recovery asks the protocol's reads only when it found nothing
of its own, so an actor with history pays no read more, while a journal trimmed down to its
snapshot (`highest_seq` 0) is still found by asking for that snapshot."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from actorkit import ActorSystem
from actorkit.persistence import SQLiteStore, Store, StoredRecovery

from .durable_support import SharedMemoryStore
from .test_conformance_recovery import OnlyTheProtocol
from .test_durable_kind_switch import PID, Ledger, LedgerAsState, _recover, _write
from .test_sqlite_tail import version_1_file

pytestmark = pytest.mark.timeout(60)


def _own_store(cls: type[OnlyTheProtocol] = OnlyTheProtocol) -> Any:
    """A store of a user's (its methods set on the class, unseen by mypy) on shared data."""
    store = cls()
    store._store = SharedMemoryStore()  # kept open from system to system
    return store


@pytest.mark.parametrize(
    ("first", "then", "said"),
    [
        (
            LedgerAsState,
            Ledger,
            "Ledger is an EventSourced actor, but persistence id "
            f"{PID!r} holds a state that a DurableState actor saved",
        ),
        (
            Ledger,
            LedgerAsState,
            "LedgerAsState is a DurableState actor, but persistence id "
            f"{PID!r} holds the journal (events or a snapshot) of an EventSourced actor",
        ),
    ],
    ids=["to-event-sourced", "to-durable-state"],
)
async def test_the_refusal_says_which_kind_is_which(
    make: Callable[[], Store], first: Any, then: Any, said: str
) -> None:
    async with asyncio.timeout(30):
        await _write(make(), first)
        error = await _recover(make(), then)
    assert str(error).startswith(said)


async def test_a_durable_state_actor_on_a_snapshot_alone_of_an_own_store_refuses() -> None:
    store = _own_store()
    async with asyncio.timeout(10):
        await store.save_snapshot(PID, 3, b"\x03")
        assert await store.highest_seq(PID) == 0  # nothing but the snapshot to find
        error = await _recover(store, LedgerAsState)
    assert "EventSourced" in str(error) and PID in str(error)


@pytest.mark.parametrize(
    ("cls", "reads"),
    [
        (Ledger, ["load_snapshot", "reminders", "read"]),
        (LedgerAsState, ["load_state", "reminders"]),
    ],
    ids=["event-sourced", "durable-state"],
)
async def test_an_actor_with_history_on_an_own_store_pays_no_read_more(
    cls: type[Ledger | LedgerAsState], reads: list[str]
) -> None:
    store = _own_store()
    async with asyncio.timeout(10):
        await _write(store, cls)  # events without a snapshot, or a state
        store.reads.clear()
        async with ActorSystem(store=store) as system:
            ref: Any = await system.spawn(cls, name="a", persistence_id=PID)
            assert await ref.ask("total") == 5
    assert store.reads == reads


class RecoversItself(OnlyTheProtocol):
    """A store of a user's with its own `load_recovery`, which says nothing of the other kind
    (`other_kind` None) and returns a short journal whole (`more` False)."""

    async def load_recovery(self, persistence_id: str, journal: bool) -> StoredRecovery:
        loaded = await self._store.load_recovery(persistence_id, journal)
        return dataclasses.replace(loaded, other_kind=None)


async def test_events_a_store_returned_whole_cost_no_read_of_the_other_kind() -> None:
    store = _own_store(RecoversItself)
    async with asyncio.timeout(10):
        await _write(store, Ledger)
        store.reads.clear()
        async with ActorSystem(store=store) as system:
            ref = await system.spawn(Ledger, name="a", persistence_id=PID)
            assert await ref.ask("total") == 5
    assert store.reads == []


async def test_a_version_1_file_read_as_it_is_says_the_other_kind_is_stored(
    tmp_path: Path,
) -> None:
    """A file of schema version 1 opened read-only has no `actorkit_events` view: each
    recovery query reads its journal table."""
    path = tmp_path / "old.db"
    version_1_file(path, [("a", 1, b"one")])
    reader = SQLiteStore(path)
    await reader.open_read_only()
    try:
        async with asyncio.timeout(10):
            assert (await reader.load_recovery("a", False)).other_kind is True
            assert (await reader.load_recovery("b", False)).other_kind is False
            loaded = await reader.load_recovery("a", True)
            assert [stored.payload for stored in loaded.events] == [b"one"]
    finally:
        await reader.close()
