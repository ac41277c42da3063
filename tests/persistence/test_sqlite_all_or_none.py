"""SQLiteStore keeps an append of several events all or none however it writes it: a write
alone in its batch skips `BEGIN` only when it is one row, which is atomic by itself."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import pytest

from actorkit.persistence import PersistenceError, SQLiteStore


def fail_on_row(path: Path, seq: int) -> None:
    """Makes the database refuse the journal row `seq`, as a full disk would midway."""
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        conn.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON actorkit_journal_tail "
            f"WHEN NEW.seq = {seq} BEGIN SELECT RAISE(ABORT, 'no room for this row'); END"
        )


@pytest.mark.parametrize("events", [2, 3])
async def test_a_lone_append_that_fails_on_a_later_row_leaves_none_of_its_rows(
    tmp_path: Path, events: int
) -> None:
    path = tmp_path / "store.db"
    async with SQLiteStore(path) as store:
        await store.append("a", 0, [b"0"])
        fail_on_row(path, 1 + events)
        with pytest.raises(PersistenceError, match="no room for this row"):
            await store.append("a", 1, [b"x"] * events)
        assert await store.highest_seq("a") == 1
        assert [stored.seq async for stored in store.read("a")] == [1]
