"""A batch is one transaction on every SQL store: when its last statement fails, the rows of
its earlier statements are not kept, so its writes, retried one transaction each, go in once
(docs/persistence.md, "Group commit")."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3

import asyncpg
import pytest

from actorkit.persistence import PersistenceError, PostgresStore, SQLiteStore

from .conftest import MakeSQLStore, ShippedSQLStore
from .test_sql_batch_refusals import attempts


async def refuse_states(store: ShippedSQLStore) -> None:
    """Makes the database refuse any new state row, as a failing disk would."""
    if isinstance(store, SQLiteStore):
        with contextlib.closing(sqlite3.connect(store.path)) as conn, conn:
            conn.execute(
                "CREATE TRIGGER refuse BEFORE INSERT ON actorkit_states "
                "BEGIN SELECT RAISE(ABORT, 'no room for this row'); END"
            )
        return
    assert isinstance(store, PostgresStore)
    conn = await asyncpg.connect(store.dsn)
    try:
        await conn.execute(
            "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'no room for this row'; END $$; "
            "CREATE TRIGGER refuse BEFORE INSERT ON actorkit_states "
            "FOR EACH ROW EXECUTE FUNCTION refuse()"
        )
    finally:
        await conn.close()


async def test_a_batch_whose_state_row_fails_keeps_none_of_its_rows(
    make_sql_store: MakeSQLStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The append's rows went in before the state's statement failed. Kept, they would
    refuse the append's retry (its sequence numbers taken) and stand without the batch."""
    async with make_sql_store() as store:
        await refuse_states(store)
        tried = attempts(store, monkeypatch)
        appended, saved = await asyncio.gather(  # queued in one loop turn: one batch
            store.append("a", 0, [b"1", b"2"]),
            store.save_state("s", 0, b"state"),
            return_exceptions=True,
        )
        assert tried[0] == 2, tried
        assert isinstance(appended, float), appended  # retried alone, and written once
        assert isinstance(saved, PersistenceError), saved
        assert [e.payload async for e in store.read("a")] == [b"1", b"2"]
        assert await store.load_state("s") is None
        await store.append("a", 2, [b"3"])  # the store goes on
        assert await store.highest_seq("a") == 3
