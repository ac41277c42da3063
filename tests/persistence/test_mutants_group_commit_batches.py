"""The SQL stores' group commit where its tests did not look (found by a mutation review of
`_group_commit` and `_optimistic`)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from actorkit.persistence import PersistenceConflict, PersistenceError, SQLiteStore

from .refusing_triggers import attempts, refuse_rows

pytestmark = pytest.mark.timeout(30)


async def test_an_append_ahead_of_its_journal_fails_alone_beside_one_that_goes_in(
    tmp_path: Path,
) -> None:
    """Journals this store object never wrote (another process's, or the last run's) are
    checked row by row in the batch's first try: the append expecting an event its journal
    does not hold is refused, though another append of the batch went in, never reported
    durable with nothing written."""
    path = tmp_path / "store.db"
    async with asyncio.timeout(20):
        async with SQLiteStore(path) as earlier:
            await earlier.append("a", 0, [b"a1"])
            await earlier.append("b", 0, [b"b1"])
        async with SQLiteStore(path) as store:
            went, ahead = await asyncio.gather(
                store.append("a", 1, [b"a2"]),
                store.append("b", 5, [b"b6"]),
                return_exceptions=True,
            )
            assert isinstance(went, float)
            assert isinstance(ahead, PersistenceConflict)
            assert "went back" in str(ahead)
            assert [e.payload async for e in store.read("a")] == [b"a1", b"a2"]
            assert [e.payload async for e in store.read("b")] == [b"b1"]


async def test_a_one_row_append_shares_its_batchs_transaction_with_a_refused_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One row alone would be its own transaction; in a batch with a state, its row is kept
    only if the batch commits. Committed ahead of the refused state, it would refuse its own
    retry, and its caller would be told of a conflict for an event that is stored."""
    async with asyncio.timeout(20), SQLiteStore(tmp_path / "store.db") as store:
        await refuse_rows(store, "no room for this row", events=False)
        tried = attempts(store, monkeypatch)
        appended, saved = await asyncio.gather(  # queued in one loop turn: one batch
            store.append("a", 0, [b"1"]),
            store.save_state("s", 0, b"state"),
            return_exceptions=True,
        )
        assert tried[0] == 2, tried
        assert isinstance(appended, float), appended
        assert isinstance(saved, PersistenceError), saved
        assert [e.payload async for e in store.read("a")] == [b"1"]
        assert await store.load_state("s") is None
