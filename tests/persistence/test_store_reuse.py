"""A store object serves one system, which closes it at its shutdown: handing it to a second
system (or to the same one started again) is refused saying what to change, not just that it
is closed."""

from __future__ import annotations

from pathlib import Path

import pytest

from actorkit import ActorSystem
from actorkit.persistence import MemoryStore, PersistenceError, SQLiteStore, Store

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
