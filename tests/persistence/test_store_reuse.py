"""A store object serves one system, which closes it at its shutdown: handing it to a second
system (or to the same one started again) is refused saying what to change, not just that it
is closed."""

from __future__ import annotations

from pathlib import Path

import pytest

from actorkit import ActorSystem
from actorkit.persistence import MemoryStore, PersistenceError, SQLiteStore, Store

from .test_sqlite_tail import schema_version, version_1_file

WHAT_TO_CHANGE = r"is closed: a store object serves one system.*new store object.*SQLiteStore on a"


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
async def test_a_store_given_to_a_second_system_says_to_make_a_new_one(
    kind: str, tmp_path: Path
) -> None:
    store: Store = MemoryStore() if kind == "memory" else SQLiteStore(tmp_path / "x.db")
    async with ActorSystem("first", store=store):
        pass
    with pytest.raises(PersistenceError, match=WHAT_TO_CHANGE):
        async with ActorSystem("second", store=store):
            pass


async def test_a_closed_sqlite_store_refuses_writes_with_the_same_advice(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "x.db")
    async with store:
        pass
    with pytest.raises(PersistenceError, match=WHAT_TO_CHANGE):
        await store.append("a", 0, [b"x"])
    with pytest.raises(PersistenceError, match=WHAT_TO_CHANGE):
        await store.open_read_only()


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
async def test_a_store_serving_a_running_system_is_refused_to_a_second_one(
    kind: str, tmp_path: Path
) -> None:
    """The second system's shutdown would close the store under the first, whose next
    persist would fail: it is refused at its start, and leaves the store to the first."""
    store: Store = MemoryStore() if kind == "memory" else SQLiteStore(tmp_path / "x.db")
    async with ActorSystem("first", store=store):
        second = ActorSystem("second", store=store)
        with pytest.raises(PersistenceError, match="serves the running system 'first'"):
            await second.start()
        await second.shutdown()  # a caller's cleanup after the refusal: nothing of the first's
        await store.append("still-open", 0, [b"x"])
        assert await store.highest_seq("still-open") == 1
    async with ActorSystem("third", store=MemoryStore()):
        pass  # the first's refusal held nothing else back


async def test_a_store_open_read_only_refuses_to_open_for_writing(tmp_path: Path) -> None:
    """Opened for writing after a read-only open, the store kept reading as the read-only one
    did: a file of version 1 was upgraded, its new events went into the tail, and the store
    read the journal alone (an acknowledged event missing, the head one behind)."""
    path = tmp_path / "old.db"
    version_1_file(path, [("a", 1, b"one")])
    store = SQLiteStore(path)
    await store.open_read_only()
    try:
        with pytest.raises(PersistenceError, match=r"is open read-only: .*a new store object"):
            await store.open()
        assert [event.payload async for event in store.read("a")] == [b"one"]
        with pytest.raises(PersistenceError, match="is open read-only"):
            await store.append("a", 1, [b"two"])
    finally:
        await store.close()
    assert schema_version(path) == 1
