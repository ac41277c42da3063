"""User objects a durable actor hands the runtime whose own `__repr__` or `__str__` raises, where
the runtime only meant to describe them: a store object, an error of a `snapshot()` hook or of
a store, a dict key of an event and a factory spawned with a persistence id. None may cost the
system its start or its store's close, a log line its text, or a refusal the words that say
what to change."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from actorkit import ActorSystem
from actorkit.persistence import MemoryStore, PersistenceError

from ..hardening_support import BOUND
from ..hostile_objects_support import Unprintable
from .durable_bad_input_support import Ledger
from .durable_support import Deposited, journal

pytestmark = pytest.mark.timeout(30)


class UnprintableStore(MemoryStore):
    """A store of the user's own whose `__repr__` raises (it reads a connection that is only
    there while the store is open, say)."""

    closes = 0

    def __repr__(self) -> str:
        raise RuntimeError("__repr__ of UnprintableStore")

    async def close(self) -> None:
        self.closes += 1
        await super().close()


async def test_a_store_whose_repr_raises_is_opened_used_and_closed() -> None:
    """Its repr was taken for the words of a failure that had not happened: the system's start
    failed with the repr's error, the store's `open()` coroutine never awaited."""
    store = UnprintableStore()
    async with asyncio.timeout(BOUND):
        async with ActorSystem(metrics=False, store=store) as system:
            ledger = await system.spawn(Ledger, name="ledger")
            assert await ledger.ask(Deposited(2)) == 2
            assert await journal(store, "/ledger") == [Deposited(2)]
    assert store.closes == 1
    with pytest.raises(PersistenceError, match=r"^<UnprintableStore instance> is closed: "):
        await journal(store, "/ledger")


class UnprintableSnapshot(Ledger):
    snapshot_every = 2

    def snapshot(self) -> object:
        raise Unprintable

    def restore(self, snapshot: Any) -> None:  # pragma: no cover - never taken
        self.total = snapshot


async def snapshot_logged(
    store: MemoryStore, cls: type[Ledger], caplog: pytest.LogCaptureFixture
) -> logging.LogRecord:
    """The one record of a snapshot's failure, after two deposits at `/ledger` whose second
    persist crosses the cadence: it returns all the same, its events stored."""
    async with asyncio.timeout(BOUND):
        async with ActorSystem(metrics=False, store=store) as system:
            ledger = await system.spawn(cls, name="ledger")
            await ledger.ask(Deposited(1))
            assert await ledger.ask(Deposited(2)) == 3  # the persist returned
    [record] = [r for r in caplog.records if r.msg.startswith("snapshot of")]
    return record


async def test_a_snapshot_hook_raising_an_unprintable_error_is_logged_in_words(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Formatted with its own `__str__`, the record raised in logging, which printed
    "--- Logging error ---" instead of the line."""
    caplog.set_level(logging.ERROR, logger="actorkit")
    record = await snapshot_logged(MemoryStore(), UnprintableSnapshot, caplog)
    assert record.getMessage() == (
        "snapshot of /ledger at 2 not taken (the persist's events are stored): "
        "<Unprintable instance>"
    )
    assert record.exc_info is not None and type(record.exc_info[1]) is Unprintable


class Snapshots(Ledger):
    snapshot_every = 2


class SnapshotsFailUnprintably(MemoryStore):
    """A store of the user's own that fails a snapshot's save with a `PersistenceError` holding
    what cannot be printed (its driver's own error object, say)."""

    async def save_snapshot(self, persistence_id: str, seq: int, payload: bytes) -> None:
        raise PersistenceError(Unprintable())


async def test_a_snapshot_not_saved_for_an_unprintable_error_is_logged_in_words(
    caplog: pytest.LogCaptureFixture,
) -> None:
    record = await snapshot_logged(SnapshotsFailUnprintably(), Snapshots, caplog)
    assert record.getMessage() == "snapshot of /ledger at 2 not saved: <PersistenceError instance>"


class Key:
    """A dict key no store can keep, whose `__repr__` raises."""

    def __repr__(self) -> str:
        raise RuntimeError("__repr__ of Key")


@pytest.mark.parametrize("event", [{Key(): 1}, {"a": 1, Key(): 2}, [{"a": {Key(): 1}}]])
async def test_an_event_keyed_by_an_unprintable_key_is_refused_saying_what_to_change(
    event: object,
) -> None:
    """The walk that finds the value which may not cross named each key it passed by its repr,
    so the persist raised the key's `RuntimeError` instead of the `TypeError` that says what
    a key may be."""
    async with asyncio.timeout(BOUND):
        async with ActorSystem(metrics=False, store=(store := MemoryStore())) as system:
            ledger = await system.spawn(Ledger, name="ledger")
            with pytest.raises(TypeError, match=r"cannot encode a dict keyed by .*\.Key"):
                await ledger.ask(event)
            assert await journal(store, "/ledger") == []


class MakesLedgers:
    """A factory object whose `__repr__` raises."""

    def __call__(self) -> Ledger:  # pragma: no cover - refused before it is called
        return Ledger()

    def __repr__(self) -> str:
        raise RuntimeError("__repr__ of MakesLedgers")


async def test_a_persistence_id_for_a_factory_whose_repr_raises_is_refused_naming_it() -> None:
    """The refusal quoted the factory by its repr, and raised the repr's error instead."""
    async with asyncio.timeout(BOUND):
        async with ActorSystem(metrics=False, store=MemoryStore()) as system:
            with pytest.raises(
                ValueError,
                match=r"^persistence_id is for durable actors: <MakesLedgers instance> is not ",
            ):
                await system.spawn(MakesLedgers(), persistence_id="x")
