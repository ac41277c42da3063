"""API.md sections 10 and 11 (NATS, durable actors): the parameters the contract names, the
errors importable from both places, the persistence id a spawn gives by default, a journal
row's wall-clock time, and no snapshot unless `snapshot_every` asks for them."""

from __future__ import annotations

import inspect
import time

import actorkit
import actorkit.nats
from actorkit import ActorSystem
from actorkit.persistence import (
    DurableState,
    EventSourced,
    MemoryStore,
    PersistenceConflict,
    PersistenceError,
    PostgresStore,
    Reminders,
    SQLiteStore,
)

from ..contract_support import assert_awaited, assert_signature
from .durable_support import Deposited
from .event_sourced_support import Account


def test_the_errors_are_the_same_classes_in_both_places() -> None:
    assert PersistenceError is actorkit.PersistenceError
    assert PersistenceConflict is actorkit.PersistenceConflict
    assert issubclass(PersistenceError, actorkit.ActorError)


def test_durable_calls_take_the_contract_s_parameters() -> None:
    assert_signature(SQLiteStore, "path")
    assert_signature(PostgresStore, "dsn")
    assert_signature(MemoryStore, "")
    assert_signature(EventSourced.persist, "self, *events")
    assert_signature(DurableState.save, "self, state")
    assert_signature(Reminders.start, "self, key, message, delay, every=None")
    assert_signature(Reminders.cancel, "self, key")
    assert_signature(MemoryStore.events, "self, persistence_id, from_seq=1")
    assert_awaited(EventSourced, awaited=["persist"], plain=["apply", "snapshot", "restore"])
    assert_awaited(DurableState, awaited=["save"], plain=[])
    assert_awaited(Reminders, awaited=["start", "cancel"], plain=[])
    assert EventSourced.snapshot_every == 0


def test_nats_calls_take_the_contract_s_parameters() -> None:
    assert next(iter(inspect.signature(actorkit.nats.NatsTransport).parameters)) == "servers"
    assert_signature(ActorSystem.expose, "self, ref")
    assert_signature(ActorSystem.remote, "self, system_name, path")


async def test_the_persistence_id_is_the_path_and_rows_carry_wall_clock_times() -> None:
    """API 11: "persistence id defaults to the path"; `time` is "the write's wall-clock time in
    seconds since the epoch, a float"; `snapshot_every` 0 (the default) takes none."""
    store = MemoryStore()
    async with ActorSystem("bank", store=store) as system:
        account = await system.spawn(Account, name="acct-42")
        before = time.time()
        for amount in (5, 7):
            await account.ask(amount)
        after = time.time()
        rows = [row async for row in store.events("/acct-42")]
        assert [(seq, event) for seq, _, event in rows] == [(1, Deposited(5)), (2, Deposited(7))]
        assert all(isinstance(at, float) and before <= at <= after for _, at, _ in rows)
        assert await store.load_snapshot("/acct-42") is None
