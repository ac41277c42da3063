"""The bad-input table of durable actors, what they write: an event or a state the store could
not keep or recovery could not read back is refused at once, before anything is written, with
an error that says what to change; a snapshot that cannot be encoded or whose hook raises is
logged and the persist returns."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

import actorkit
from actorkit import ActorSystem
from actorkit.persistence import (
    DurableState,
    EventSourced,
    MemoryStore,
    PersistenceError,
    SQLiteStore,
)

from .durable_bad_input_support import Ledger
from .durable_support import Deposited, Unregistered, journal

pytestmark = pytest.mark.timeout(30)


class BadSnapshot(Ledger):
    snapshot_every = 2

    def snapshot(self) -> object:
        return Unregistered(self.total)

    def restore(self, snapshot: Any) -> None:  # pragma: no cover - never stored
        self.total = snapshot


async def test_an_unregistered_event_type_is_a_type_error_and_nothing_is_written() -> None:
    async with ActorSystem("bad", store=(store := MemoryStore())) as system:
        ledger = await system.spawn(Ledger, name="ledger")
        with pytest.raises(TypeError, match=r"event cannot be stored: .*@actorkit.message"):
            await ledger.ask(Unregistered(1))
        assert await journal(store, "/ledger") == []


async def test_an_int_too_big_to_store_in_an_event_is_a_type_error_and_nothing_is_written() -> None:
    async with ActorSystem("bad", store=(store := MemoryStore())) as system:
        ledger = await system.spawn(Ledger, name="ledger")
        await ledger.ask(Deposited(1))
        with pytest.raises(TypeError, match=r"event cannot be stored: .*does not fit in 64 bits"):
            await ledger.ask(Deposited(2**64))
        assert await journal(store, "/ledger") == [Deposited(1)]


@actorkit.message
@dataclasses.dataclass(frozen=True)
class Entry:
    amount: int


@actorkit.message
@dataclasses.dataclass(frozen=True)
class Annotated:
    entry: Entry


@actorkit.message
@dataclasses.dataclass(frozen=True)
class Refund(Entry):
    reason: str = ""


class Entries(EventSourced):
    def __init__(self) -> None:
        self.seen: list[object] = []

    def apply(self, event: Any) -> None:
        self.seen.append(event)

    async def receive(self, message: Any) -> Any:
        await self.persist(*message)
        return len(self.seen)


@pytest.mark.parametrize(
    "event",
    [Entry(True), Entry(1.5), Annotated(Refund(1, "late"))],  # type: ignore[arg-type]
    ids=["bool-in-int", "float-in-int", "subclass-in-base-field"],
)
async def test_an_event_recovery_could_not_read_back_is_a_type_error_and_nothing_is_written(
    event: object, tmp_path: Path
) -> None:
    """It encodes, but its class's annotations refuse it on the way back: written, it would
    fail every later recovery of the actor, for good."""
    async with ActorSystem("bad", store=(store := SQLiteStore(tmp_path / "j.db"))) as system:
        entries = await system.spawn(Entries, name="entries")
        await entries.ask([Entry(1)])
        with pytest.raises(TypeError, match=r"event cannot be stored: it would not be read back"):
            await entries.ask([Entry(2), event])  # all or none: Entry(2) is not written either
        assert await journal(store, "/entries") == [Entry(1)]
    async with ActorSystem("bad", store=SQLiteStore(tmp_path / "j.db")) as system:  # recovers
        entries = await system.spawn(Entries, name="entries")
        assert await entries.ask([Annotated(Entry(3))]) == 2


async def test_a_snapshot_that_cannot_be_encoded_is_logged_and_the_persist_returns(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Its events are stored and applied: the persist succeeded (Akka fails no persist for a
    snapshot), so its asker does not send the command again to store them twice."""
    async with ActorSystem("bad", store=(store := MemoryStore())) as system:
        ledger = await system.spawn(BadSnapshot, name="ledger")
        await ledger.ask(Deposited(1))
        assert await ledger.ask(Deposited(2)) == 3
        assert len(await journal(store, "/ledger")) == 2
        assert await store.load_snapshot("/ledger") is None
    assert "snapshot() of BadSnapshot cannot be stored" in caplog.text


class RaisingSnapshot(Ledger):
    snapshot_every = 2

    def snapshot(self) -> object:
        raise RuntimeError("no snapshot today")

    def restore(self, snapshot: Any) -> None:  # pragma: no cover - never stored
        self.total = snapshot


async def test_a_snapshot_hook_that_raises_is_logged_and_the_persist_returns(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with ActorSystem("bad", store=(store := MemoryStore())) as system:
        ledger = await system.spawn(RaisingSnapshot, name="ledger")
        await ledger.ask(Deposited(1))
        assert await ledger.ask(Deposited(2)) == 3
        assert await ledger.ask(Deposited(4)) == 7  # the same instance: nothing failed
        assert len(await journal(store, "/ledger")) == 3
    assert "no snapshot today" in caplog.text


class Notes(DurableState):
    async def receive(self, message: Any) -> Any:
        await self.save(message)
        return self.state


async def test_a_state_over_the_stores_max_payload_is_refused_with_its_size() -> None:
    """The store's `ValueError`, which the handler sees as the `PersistenceError` of a save."""
    store = MemoryStore()
    store.max_payload = 100
    async with ActorSystem("big", store=store) as system:
        notes = await system.spawn(Notes, name="notes")
        with pytest.raises(
            PersistenceError,
            match=r"'/notes': a state is too large to store: 20\d bytes encoded, over the "
            "store's max_payload of 100",
        ):
            await notes.ask("x" * 200)
        assert await store.load_state("/notes") is None
        assert await notes.ask("fits") == "fits"
