"""SQLiteStore's journal tail against writers that go around it: a process of schema version 1
that opened the file before the upgrade writes straight into `actorkit_journal`, and the
triggers are all that keeps its events out of a journal the tail continues."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import pytest

from actorkit.persistence import PersistenceConflict, SQLiteStore

from .test_sqlite_tail import events, where


@pytest.mark.usefixtures("merge_often")
async def test_a_version_1_write_of_a_number_the_tail_holds_is_refused(tmp_path: Path) -> None:
    """The old process appends event 2 over the head it knows (1, in the journal) while a
    writer of version 2 put its own event 2 in the tail: a second event 2 would bypass the
    fencing, and make every later move of the tail fail on the journal's key."""
    path = tmp_path / "store.db"
    async with SQLiteStore(path) as store:
        await store.append("x", 0, [b"one", b"two", b"three"])  # moved: in the journal
        await store.append("x", 3, [b"four"])  # in the tail
        assert where(path) == (3, 1)
        with (
            contextlib.closing(sqlite3.connect(path)) as conn,
            pytest.raises(sqlite3.IntegrityError, match="upgrade actorkit in every process"),
        ):
            conn.execute("INSERT INTO actorkit_journal VALUES ('x', 4, 0.0, x'00')")
        await store.append("x", 4, [b"five", b"six"])  # moves the tail
        with pytest.raises(PersistenceConflict):
            await store.append("x", 4, [b"stale"])
        assert await events(store, "x") == list(
            enumerate([b"one", b"two", b"three", b"four", b"five", b"six"], 1)
        )
        assert where(path) == (6, 0)
