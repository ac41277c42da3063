"""`actorkit_persistence_failures_total{actor_type, operation, kind}`: every store failure of a
durable actor is counted where it happens, by operation (`persist`, `save`, `snapshot`,
`recovery`, `reminder`) and kind (`conflict` for `PersistenceConflict`, else `error`). Before,
nothing counted them: a snapshot write that failed was only logged, a recovery that failed at
spawn raised to the spawner and was counted nowhere, and a `PersistenceError` a handler caught
left no trace. Failures of the actor's own code (its `apply`) are not store failures."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest

from actorkit import ActorSystem, OneForOne
from actorkit.persistence import (
    DurableState,
    EventSourced,
    PersistenceConflict,
    PersistenceError,
    StoredEvent,
    StoredReminder,
)
from actorkit.persistence._payload import encode

from .durable_support import Deposited, FlakyStore

pytestmark = pytest.mark.timeout(30)

FAILURES = "actorkit_persistence_failures_total"
KNOWN = {
    ("persist", "error"),
    ("persist", "conflict"),
    ("save", "error"),
    ("save", "conflict"),
    ("snapshot", "error"),
    ("recovery", "error"),
    ("reminder", "error"),
}


class Ledger(EventSourced):
    snapshot_every = 2

    def __init__(self) -> None:
        self.total = 0

    def apply(self, event: Any) -> None:
        self.total += event.amount

    def snapshot(self) -> object:
        return self.total

    def restore(self, snapshot: Any) -> None:
        self.total = snapshot

    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise ValueError("crash on purpose")
        if message == "remind":
            await self.reminders.start("r", "tick", 60.0)
        elif message == "caught":
            try:
                await self.persist(Deposited(1))
            except PersistenceError as error:
                return type(error).__name__
        elif isinstance(message, int):
            await self.persist(Deposited(message))
        return self.total


class Note(DurableState):
    async def receive(self, message: Any) -> Any:
        await self.save(message)
        return message


class FailingApply(EventSourced):
    def apply(self, event: Any) -> None:
        raise LookupError("the actor's own failure")

    async def receive(self, message: Any) -> Any:
        return message


class BrokenStore(FlakyStore):
    """Fails the next `failing[operation]` calls of each operation with a driver's own error."""

    def __init__(self) -> None:
        super().__init__()
        self.failing: dict[str, int] = {}

    def check(self, operation: str) -> None:
        left = self.failing.get(operation, 0)
        if left:
            self.failing[operation] = left - 1
            raise OSError(f"{operation}: connection reset")

    async def save_snapshot(self, persistence_id: str, seq: int, payload: bytes) -> None:
        self.check("save_snapshot")
        await super().save_snapshot(persistence_id, seq, payload)

    async def save_state(self, persistence_id: str, expected_revision: int, payload: bytes) -> int:
        self.check("save_state")
        return await super().save_state(persistence_id, expected_revision, payload)

    async def put_reminder(self, persistence_id: str, reminder: StoredReminder) -> None:
        self.check("put_reminder")
        await super().put_reminder(persistence_id, reminder)

    async def read(self, persistence_id: str, from_seq: int = 1) -> AsyncIterator[StoredEvent]:
        self.check("read")
        async for stored in super().read(persistence_id, from_seq):
            yield stored


def failures(system: ActorSystem, actor_type: str) -> dict[tuple[str, str], float]:
    """Every series of the family for `actor_type`, by (operation, kind)."""
    found: dict[tuple[str, str], float] = {}
    for family in system.metrics.registry.collect():
        for sample in family.samples:
            if sample.name == FAILURES and sample.labels["actor_type"] == actor_type:
                found[(sample.labels["operation"], sample.labels["kind"])] = sample.value
    return found


def counted(system: ActorSystem, actor_type: str) -> dict[tuple[str, str], float]:
    return {key: value for key, value in failures(system, actor_type).items() if value}


async def test_every_known_operation_and_kind_is_exported_at_zero_and_success_counts_none() -> None:
    async with ActorSystem("zero", store=FlakyStore()) as system:
        ledger = await system.spawn(Ledger, name="ledger")
        note = await system.spawn(Note, name="note")
        assert await ledger.ask(3) == 3
        assert await ledger.ask(4) == 7  # a snapshot written too
        assert await ledger.ask("remind") == 7
        assert await note.ask("v1") == "v1"
        assert failures(system, "Ledger") == dict.fromkeys(KNOWN, 0.0)
        assert failures(system, "Note") == dict.fromkeys(KNOWN, 0.0)


async def test_a_failed_persist_is_counted_even_when_the_handler_catches_it() -> None:
    store = FlakyStore()
    async with ActorSystem("persist", store=store) as system:
        ledger = await system.spawn(Ledger, name="ledger")
        store.down = True
        assert await ledger.ask("caught") == "PersistenceError"  # no actor failure to count
        store.down = False
        store.broken = OSError("connection reset")  # a driver's own error
        with pytest.raises(PersistenceError):
            await ledger.ask(1)
        assert counted(system, "Ledger") == {("persist", "error"): 2}


async def test_a_conflict_is_counted_as_its_own_kind() -> None:
    store = FlakyStore()
    async with ActorSystem("conflict", store=store) as system:
        ledger = await system.spawn(Ledger, name="ledger")
        await store.append("/ledger", 0, [encode(Deposited(1))])  # another writer first
        with pytest.raises(PersistenceConflict):
            await ledger.ask(1)
        assert counted(system, "Ledger") == {("persist", "conflict"): 1}


async def test_a_failed_save_is_counted() -> None:
    store = BrokenStore()
    async with ActorSystem("save", store=store) as system:
        note = await system.spawn(Note, name="note")
        store.failing = {"save_state": 1}
        with pytest.raises(PersistenceError):
            await note.ask("v1")
        assert counted(system, "Note") == {("save", "error"): 1}


async def test_a_snapshot_that_was_not_written_is_counted_not_only_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = BrokenStore()
    store.failing = {"save_snapshot": 1}
    async with ActorSystem("snapshot", store=store) as system:
        ledger = await system.spawn(Ledger, name="ledger")
        assert await ledger.ask(1) == 1
        with caplog.at_level(logging.WARNING, logger="actorkit"):
            assert await ledger.ask(1) == 2  # the events are durable: the persist succeeds
        assert counted(system, "Ledger") == {("snapshot", "error"): 1}
    assert any("snapshot of /ledger at 2 not saved" in r.getMessage() for r in caplog.records)


async def test_a_failed_reminder_write_is_counted() -> None:
    store = BrokenStore()
    store.failing = {"put_reminder": 1}
    async with ActorSystem("reminder", store=store) as system:
        ledger = await system.spawn(Ledger, name="ledger")
        with pytest.raises(PersistenceError):
            await ledger.ask("remind")
        assert counted(system, "Ledger") == {("reminder", "error"): 1}


async def test_a_recovery_that_fails_is_counted_at_spawn_and_at_restart() -> None:
    store = BrokenStore()
    strategy = OneForOne(max_restarts=10, within=60.0)
    async with ActorSystem("recovery", store=store, supervisor=strategy) as system:
        store.failing = {"read": 1}
        with pytest.raises(PersistenceError, match="reading the journal"):
            await system.spawn(Ledger, name="first")
        assert counted(system, "Ledger") == {("recovery", "error"): 1}
        ledger = await system.spawn(Ledger, name="ledger")
        await ledger.ask(1)
        store.failing = {"read": 1}
        with pytest.raises(ValueError):
            await ledger.ask("crash")
        assert await ledger.ask(0) == 1  # its restart's recovery failed once, the next one not
        assert counted(system, "Ledger") == {("recovery", "error"): 2}


async def test_a_failure_of_the_actor_s_own_apply_is_not_a_store_failure() -> None:
    store = FlakyStore()
    await store.append("/bad", 0, [encode(Deposited(1))])
    async with ActorSystem("apply", store=store) as system:
        with pytest.raises(LookupError):
            await system.spawn(FailingApply, name="bad")
        assert counted(system, "FailingApply") == {}
