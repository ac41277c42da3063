"""A table named actorkit_schema without actorkit's `version` column (another program's) is
refused as not actorkit's, saying what to change, by a store and by a reader alike: not with
the database's own "no such column: version"."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from actorkit.persistence import PersistenceError, PostgresStore, SQLiteStore

from .postgres_server import PostgresServer

FOREIGN = "CREATE TABLE actorkit_schema (release text)"
NOT_ACTORKITS = (
    r"actorkit_schema that is not actorkit's \(it has no version column\): use another file "
    r"or database for the store, or rename that table"
)


def _foreign_file(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute(FOREIGN)
    conn.close()


async def test_a_sqlite_store_refuses_it(tmp_path: Path) -> None:
    path = tmp_path / "theirs.db"
    _foreign_file(path)
    with pytest.raises(PersistenceError, match=NOT_ACTORKITS):
        await SQLiteStore(path).open()


async def test_a_sqlite_reader_refuses_it(tmp_path: Path) -> None:
    path = tmp_path / "theirs.db"
    _foreign_file(path)
    store = SQLiteStore(path)
    try:
        with pytest.raises(PersistenceError, match=NOT_ACTORKITS):
            await store.open_read_only()
    finally:
        await store.close()


async def test_a_postgres_store_and_reader_refuse_it(postgres: PostgresServer) -> None:
    dsn = postgres.fresh()
    postgres.psql(FOREIGN, dsn)
    with pytest.raises(PersistenceError, match=NOT_ACTORKITS):
        await PostgresStore(dsn).open()
    reader = PostgresStore(dsn)
    try:
        with pytest.raises(PersistenceError, match=NOT_ACTORKITS):
            await reader.open_read_only()
    finally:
        await reader.close()
    assert "release" in postgres.psql(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'actorkit_schema'",
        dsn,
    )
