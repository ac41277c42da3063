"""A gap in a journal past the recovery's first page (the events `read` streams after it) fails
the recovery as one in the first page does, naming the one event missing: the later events
were decided on a state that held it."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from actorkit import ActorSystem
from actorkit.persistence import PersistenceError, SQLiteStore, _sql_store
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
