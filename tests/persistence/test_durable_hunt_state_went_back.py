"""A state whose revision went back under its writer (its row restored from an older backup,
or deleted, while the writer ran) refuses the writer's save as a journal that went back
refuses an append: saying that it went back and what to do, not that another writer got
there first, which no writer can make a revision go down by."""

from __future__ import annotations

import asyncio
import sqlite3

import asyncpg
import pytest

from actorkit.persistence import (
    MemoryStore,
    PersistenceConflict,
    PostgresStore,
    SQLiteStore,
    StoredState,
)

from .conftest import MakeSQLStore

pytestmark = pytest.mark.timeout(60)


def _in_place(path: str, sql: str) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute(sql)
    conn.close()


async def _behind(store: SQLiteStore | PostgresStore, sql: str) -> None:
    """The state's row as `sql` leaves it, written by another client of the database."""
    if isinstance(store, SQLiteStore):
        await asyncio.to_thread(_in_place, store.path, sql)
        return
    conn = await asyncpg.connect(store.dsn)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.mark.parametrize(
    ("sql", "now"),
    [
        ("UPDATE actorkit_states SET revision = 1", 1),
        ("DELETE FROM actorkit_states", 0),
    ],
)
async def test_a_save_after_the_revision_went_back_says_so(
    make_sql_store: MakeSQLStore, sql: str, now: int
) -> None:
    async with asyncio.timeout(30), make_sql_store() as store:
        for revision in range(3):
            await store.save_state("p", revision, b"\x01")
        await _behind(store, sql)
        with pytest.raises(PersistenceConflict) as refused:
            await store.save_state("p", 3, b"\x02")
        said = str(refused.value)
        assert f"expected state revision 3, the store has {now}: it went back" in said
        assert "another writer" not in said
        assert "A restarted actor recovers from the state as it is now" in said
        loaded = await store.load_state("p")
        assert (0 if loaded is None else loaded.revision) == now  # nothing written


async def test_memory_store_says_the_same() -> None:
    async with MemoryStore() as store:
        for revision in range(3):
            await store.save_state("p", revision, b"\x01")
        states = store._states  # noqa: SLF001  (no API lowers a revision: a restore does)
        states["p"] = StoredState(1, b"\x01")
        with pytest.raises(PersistenceConflict, match="the store has 1: it went back"):
            await store.save_state("p", 3, b"\x02")


async def test_a_save_behind_another_writers_still_says_another_writer() -> None:
    async with MemoryStore() as store:
        await store.save_state("p", 0, b"\x01")
        await store.save_state("p", 1, b"\x01")
        with pytest.raises(PersistenceConflict, match=r"has 2 \(another writer"):
            await store.save_state("p", 1, b"\x02")


async def test_an_append_after_the_journal_went_back_names_the_journal() -> None:
    async with MemoryStore() as store:
        await store.append("p", 0, [b"\x01", b"\x01", b"\x01"])
        journals = store._journals  # noqa: SLF001  (no API shortens a journal: a restore does)
        del journals["p"][1:]
        with pytest.raises(PersistenceConflict) as refused:
            await store.append("p", 3, [b"\x02"])
        said = str(refused.value)
        assert "expected sequence number 3, the journal is at 1: it went back" in said
        assert "A restarted actor recovers from the journal as it is now" in said
