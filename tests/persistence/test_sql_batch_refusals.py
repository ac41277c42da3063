"""A write the database refuses on its own (a user's trigger or CHECK constraint) fails alone:
the writes that shared its batch commit, as if each had been its own transaction, and the
refused one leaves none of its rows (docs/persistence.md, "Group commit")."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3

import asyncpg
import pytest

from actorkit.persistence import (
    PersistenceConflict,
    PersistenceError,
    PostgresStore,
    SQLiteStore,
    StoredReminder,
)

from .conftest import MakeSQLStore, ShippedSQLStore

REFUSED = "bad is refused here"


async def refuse_bad(store: ShippedSQLStore) -> None:
    """Triggers of the user's, made after the store made its schema, that refuse the events
    and states of the persistence id "bad" (on SQLite appends go into the journal's tail)."""
    if isinstance(store, SQLiteStore):
        with contextlib.closing(sqlite3.connect(store.path)) as conn, conn:
            for table in ("actorkit_journal_tail", "actorkit_states"):
                conn.execute(
                    f"CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} "
                    f"WHEN NEW.persistence_id = 'bad' BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END"
                )
        return
    assert isinstance(store, PostgresStore)
    conn = await asyncpg.connect(store.dsn)
    try:
        await conn.execute(
            "CREATE FUNCTION refuse_bad() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF NEW.persistence_id = 'bad' THEN RAISE EXCEPTION '{REFUSED}'; END IF; "
            "RETURN NEW; END $$; "
            "CREATE TRIGGER refuse_journal BEFORE INSERT ON actorkit_journal "
            "FOR EACH ROW EXECUTE FUNCTION refuse_bad(); "
            "CREATE TRIGGER refuse_states BEFORE INSERT OR UPDATE ON actorkit_states "
            "FOR EACH ROW EXECUTE FUNCTION refuse_bad()"
        )
    finally:
        await conn.close()


def attempts(store: ShippedSQLStore, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of writes of each transaction the store's group commit tries, in order."""
    writes = store._commits  # noqa: SLF001 - the batches themselves are what is checked
    assert writes is not None
    run = writes._run  # noqa: SLF001
    sizes: list[int] = []

    async def counted(batch: list[object], careful: bool) -> None:
        sizes.append(len(batch))
        await run(batch, careful)  # type: ignore[arg-type]

    monkeypatch.setattr(writes, "_run", counted)
    return sizes


async def test_a_write_the_database_refuses_fails_alone_and_its_batch_commits(
    make_sql_store: MakeSQLStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with make_sql_store() as store:
        await store.append("known", 0, [b"0"])  # a journal whose latest number the store knows
        await store.save_state("s", 0, b"s1")
        await refuse_bad(store)
        tried = attempts(store, monkeypatch)
        results = await asyncio.gather(  # queued in one loop turn: one batch
            store.append("known", 1, [b"1"]),
            store.append("a", 0, [b"1", b"2"]),
            store.append("bad", 0, [b"1", b"2"]),
            store.append("stale", 3, [b"x"]),
            store.save_state("s", 1, b"s2"),
            store.save_state("bad", 0, b"state"),
            store.save_snapshot("a", 2, b"snap"),
            store.put_reminder("a", StoredReminder("r", 1.0, None, b"m")),
            return_exceptions=True,
        )
        assert tried[0] == len(results), tried  # they shared the batch the refusal failed
        assert [type(result) for result in results] == [
            float, float, PersistenceError, PersistenceConflict, int, PersistenceError,
            type(None), type(None),
        ], results  # fmt: skip
        assert REFUSED in str(results[2]) and REFUSED in str(results[5])
        for refused in (results[2], results[5]):  # the store's words, no "failed unexpectedly"
            assert str(refused).startswith(("SQLite store", "PostgreSQL store")), refused
        assert [e.payload async for e in store.read("known")] == [b"0", b"1"]
        assert [e.payload async for e in store.read("a")] == [b"1", b"2"]
        assert await store.highest_seq("bad") == 0
        assert await store.load_state("bad") is None
        state = await store.load_state("s")
        assert state is not None and (state.revision, state.payload) == (2, b"s2")
        snapshot = await store.load_snapshot("a")
        assert snapshot is not None and snapshot.payload == b"snap"
        assert [r.key for r in await store.reminders("a")] == ["r"]


async def test_a_lone_write_the_database_refuses_is_tried_once(
    make_sql_store: MakeSQLStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Alone in its batch, the refusal is the write's own: no transaction is tried again."""
    async with make_sql_store() as store:
        await refuse_bad(store)
        tried = attempts(store, monkeypatch)
        with pytest.raises(PersistenceError, match=REFUSED):
            await store.append("bad", 0, [b"1"])
        assert tried == [1]
        await store.append("good", 0, [b"1"])
        assert await store.highest_seq("good") == 1
