"""A `SQLiteStore`'s file deleted (or replaced) while the store has it open: SQLite goes on
writing to the deleted file through its open descriptors, so a write acknowledged then would
be gone once the store closes, and the next process would open a new, empty file. The store
refuses to write there instead, saying why, and writes again once the file is back
(docs/persistence.md, Stores: "Failures are `PersistenceError`")."""

from __future__ import annotations

import asyncio
import glob
import os
from pathlib import Path
from typing import Any

import pytest

from actorkit import ActorSystem
from actorkit.persistence import EventSourced, PersistenceError, SQLiteStore

pytestmark = pytest.mark.timeout(30)


class Counter(EventSourced):
    def __init__(self) -> None:
        self.n = 0

    def apply(self, event: Any) -> None:
        self.n += event

    async def receive(self, message: Any) -> Any:
        if message != "now":
            await self.persist(message)
        return self.n


async def test_a_write_to_a_deleted_file_fails_and_no_acknowledged_event_is_lost(
    tmp_path: Path,
) -> None:
    path = tmp_path / "store.db"
    async with asyncio.timeout(20):
        async with ActorSystem("s", store=SQLiteStore(path)) as system:
            counter = await system.spawn(Counter, name="c")
            assert await counter.ask(1) == 1
            for name in glob.glob(f"{path}*"):  # `rm store.db*`
                os.unlink(name)
            with pytest.raises(PersistenceError) as raised:
                await counter.ask(2)
            said = str(raised.value)
            assert f"SQLite store {path}" in said
            assert "deleted or replaced" in said, said
        async with ActorSystem("s", store=SQLiteStore(path)) as system:
            counter = await system.spawn(Counter, name="c")
            assert await counter.ask("now") == 0  # a new file: nothing was acknowledged in it


async def test_a_file_replaced_is_refused_and_the_file_put_back_is_written_again(
    tmp_path: Path,
) -> None:
    path = tmp_path / "store.db"
    kept = tmp_path / "kept.db"
    async with asyncio.timeout(20), SQLiteStore(path) as store:
        await store.append("/a", 0, [b"\x01"])
        os.link(path, kept)
        (tmp_path / "other.db").write_bytes(b"")
        os.replace(tmp_path / "other.db", path)  # a backup restored over it, say
        with pytest.raises(PersistenceError, match="deleted or replaced"):
            await store.append("/a", 1, [b"\x02"])
        os.replace(kept, path)  # the same file back
        await store.append("/a", 1, [b"\x02"])
    async with SQLiteStore(path) as store:
        assert [event.seq async for event in store.read("/a", 1)] == [1, 2]


@pytest.mark.parametrize("suffix", ["-wal", "-shm"])
async def test_a_write_after_the_log_or_its_index_was_deleted_fails(
    tmp_path: Path, suffix: str
) -> None:
    """The commits not yet copied into the file are in the log (`-wal`): SQLite appends to
    the deleted one, and a crash loses them all. Its index (`-shm`) is where processes on the
    file see each other's locks: a process opening the file next makes a new one, and two
    writers that cannot see each other write the log at once."""
    path = tmp_path / "store.db"
    async with asyncio.timeout(20), SQLiteStore(path) as store:
        await store.append("/a", 0, [b"\x01"])
        os.unlink(f"{path}{suffix}")
        with pytest.raises(PersistenceError, match=f"{path}{suffix} was deleted or replaced"):
            await store.append("/a", 1, [b"\x02"])


async def test_a_relative_path_is_the_file_it_named_when_the_store_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A daemon that changes its working directory after the system started keeps writing
    to its file: the path is the one SQLite opened, not what it names from elsewhere."""
    monkeypatch.chdir(tmp_path)
    async with asyncio.timeout(20), SQLiteStore("store.db") as store:
        await store.append("/a", 0, [b"\x01"])
        (tmp_path / "elsewhere").mkdir()
        monkeypatch.chdir(tmp_path / "elsewhere")
        await store.append("/a", 1, [b"\x02"])
    assert os.listdir(tmp_path / "elsewhere") == []


async def test_an_absolute_path_opens_from_a_working_directory_that_is_gone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    async with asyncio.timeout(20), SQLiteStore(tmp_path / "store.db") as store:
        await store.append("/a", 0, [b"\x01"])
        await store.append("/a", 1, [b"\x02"])
