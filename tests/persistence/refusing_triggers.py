"""A user's triggers that make the database refuse rows, made after the store made its
schema, and the sizes of the transactions a store's group commit tries: what the tests of a
refused write in a batch need."""

from __future__ import annotations

import contextlib
import sqlite3

import asyncpg
import pytest

from actorkit.persistence import PostgresStore, SQLiteStore

from .conftest import ShippedSQLStore


async def refuse_rows(
    store: ShippedSQLStore,
    message: str,
    *,
    only: str | None = None,
    events: bool = True,
    code: str = "P0001",
) -> None:
    """Refuse new state rows and, with `events`, event rows (on SQLite appends go into the
    journal's tail), with `message`: those of the persistence id `only`, or every one. On
    PostgreSQL the error has the SQLSTATE `code` (a plain `RAISE`'s by default)."""
    if isinstance(store, SQLiteStore):
        when = f"WHEN NEW.persistence_id = '{only}' " if only else ""
        tables = ("actorkit_journal_tail",) * events + ("actorkit_states",)
        with contextlib.closing(sqlite3.connect(store.path)) as conn, conn:
            for table in tables:
                conn.execute(
                    f"CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} "
                    f"{when}BEGIN SELECT RAISE(ABORT, '{message}'); END"
                )
        return
    assert isinstance(store, PostgresStore)
    raised = f"RAISE EXCEPTION '{message}' USING ERRCODE = '{code}';"
    body = f"IF NEW.persistence_id = '{only}' THEN {raised} END IF;" if only else raised
    tables = ("actorkit_journal",) * events + ("actorkit_states",)
    conn = await asyncpg.connect(store.dsn)
    try:
        await conn.execute(
            "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN {body} RETURN NEW; END $$; "
            + "; ".join(
                f"CREATE TRIGGER refuse_{table} BEFORE INSERT OR UPDATE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION refuse()"
                for table in tables
            )
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
