"""A `SQLiteStore` on a path that is no regular file (a FIFO, a device such as /dev/null):
refused at `open` as such, as the journal command refuses it, instead of SQLite's "disk I/O
error", which the store explains as a disk that is full, gone or failing and so sends the
user after the disk (docs/persistence.md, Stores: "Failures are `PersistenceError` with a
message that says what failed")."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from actorkit import ActorSystem
from actorkit.persistence import PersistenceError, SQLiteStore

pytestmark = pytest.mark.timeout(30)


@pytest.mark.parametrize("kind", ["fifo", "device"])
async def test_a_path_that_is_no_regular_file_is_refused_as_such(tmp_path: Path, kind: str) -> None:
    if kind == "fifo":
        path = tmp_path / "store.db"
        os.mkfifo(path)
    else:
        path = Path(os.devnull)
    with pytest.raises(PersistenceError) as raised:
        async with ActorSystem("s", store=SQLiteStore(path)):
            pass
    assert str(raised.value) == (
        f"SQLite store {path} is not a regular file: pass a database file (one that does not "
        "exist yet is created)"
    )
    assert sorted(os.listdir(tmp_path)) == (["store.db"] if kind == "fifo" else [])


async def test_a_link_to_a_database_file_is_a_store(tmp_path: Path) -> None:
    async with SQLiteStore(tmp_path / "real.db") as store:
        await store.append("/a", 0, [b"\x90"])
    os.symlink(tmp_path / "real.db", tmp_path / "link.db")
    async with SQLiteStore(tmp_path / "link.db") as store:
        assert await store.highest_seq("/a") == 1
