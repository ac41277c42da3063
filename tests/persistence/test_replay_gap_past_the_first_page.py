"""A gap in a journal past the recovery's first page (the events `read` streams after it) fails
the recovery as one in the first page does, naming the one event missing: the later events
were decided on a state that held it."""

from __future__ import annotations

import asyncio
import dataclasses
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from actorkit import ActorSystem
from actorkit.persistence import (
    MemoryStore,
    PersistenceError,
    SQLiteStore,
    StoredRecovery,
    _sql_store,
)
from actorkit.persistence._payload import encode

from .event_sourced_support import Summing

pytestmark = pytest.mark.timeout(60)


class Total(Summing):
    async def receive(self, message: Any) -> Any:
        return self.total


async def test_a_gap_after_the_first_page_fails_the_recovery(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_sql_store, "PAGE", 2)
    path = tmp_path / "store.db"
    async with asyncio.timeout(30):
        async with SQLiteStore(path) as store:
            await store.append("/t", 0, [encode(n) for n in range(1, 7)])
        with sqlite3.connect(path) as db:  # damage from outside the store
            for table in ("actorkit_journal", "actorkit_journal_tail"):  # the view's two
                db.execute(f"DELETE FROM {table} WHERE seq = 4")
        db.close()
        async with ActorSystem(store=SQLiteStore(path)) as system:
            with pytest.raises(PersistenceError, match="has a gap: event 5 follows 3") as failed:
                await system.spawn(Total, name="t")
    assert "and 4 are missing" in str(failed.value)


class Repeating(MemoryStore):
    """A store of a user's that hands its journal's first event twice."""

    async def load_recovery(self, persistence_id: str, journal: bool = True) -> StoredRecovery:
        loaded = await super().load_recovery(persistence_id, journal)
        return dataclasses.replace(loaded, events=[loaded.events[0], *loaded.events])


async def test_events_out_of_order_fail_the_recovery_blaming_the_store() -> None:
    """Not a gap: a store that breaks the protocol's order is told so, not sent after
    missing events ("2 to 0 are missing")."""
    store = Repeating()
    async with asyncio.timeout(30):
        await store.append("/t", 0, [encode(n) for n in range(1, 4)])
        async with ActorSystem(store=store) as system:
            with pytest.raises(PersistenceError, match="out of order: event 1 after 1") as failed:
                await system.spawn(Total, name="t")
    assert "fix the store" in str(failed.value) and "missing" not in str(failed.value)
