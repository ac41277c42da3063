"""Places that are not an actorkit store: a database holding tables of actorkit's names that
actorkit did not write (another program's, a hand-made one), a directory. Opening one is a
`PersistenceError` saying what to change, and it is left exactly as it was."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from actorkit.persistence import PersistenceError, PostgresStore, SQLiteStore

from .postgres_server import PostgresServer

FOREIGN_VERSION = [
    "CREATE TABLE actorkit_schema (version text)",
    "INSERT INTO actorkit_schema VALUES ('1.0-beta')",
]
NOT_ACTORKITS = r"actorkit_schema that is not actorkit's.*'1\.0-beta'.*another"


def _sqlite_file(path: Path, statements: list[str]) -> None:
    with sqlite3.connect(path) as conn:
        for statement in statements:
            conn.execute(statement)
    conn.close()


def _sqlite_contents(path: Path) -> tuple[object, ...]:
    conn = sqlite3.connect(path)
    try:
        return (
            conn.execute("PRAGMA journal_mode").fetchone(),
            conn.execute("SELECT name, sql FROM sqlite_master ORDER BY name").fetchall(),
        )
    finally:
        conn.close()


async def test_a_sqlite_schema_table_of_another_program_is_refused_and_left_alone(
    tmp_path: Path,
) -> None:
    path = tmp_path / "theirs.db"
    _sqlite_file(path, FOREIGN_VERSION)
    before = _sqlite_contents(path)
    with pytest.raises(PersistenceError, match=NOT_ACTORKITS):
        await SQLiteStore(path).open()
    assert _sqlite_contents(path) == before


async def test_a_sqlite_table_of_actorkits_name_is_refused_and_left_alone(
    tmp_path: Path,
) -> None:
    """No actorkit_schema, so the store would create its tables: one of them is taken."""
    path = tmp_path / "theirs.db"
    _sqlite_file(path, ["CREATE TABLE actorkit_journal (note text)"])
    before = _sqlite_contents(path)
    with pytest.raises(
        PersistenceError, match=r"holds actorkit_journal but no actorkit_schema table.*another file"
    ):
        await SQLiteStore(path).open()
    assert _sqlite_contents(path) == before  # its journal mode too: not switched to WAL


async def test_a_postgres_schema_table_of_another_program_is_refused_and_left_alone(
    postgres: PostgresServer,
) -> None:
    dsn = postgres.fresh()
    postgres.psql("; ".join(FOREIGN_VERSION), dsn)
    with pytest.raises(PersistenceError, match=NOT_ACTORKITS):
        await PostgresStore(dsn).open()
    assert postgres.psql("SELECT version FROM actorkit_schema", dsn).strip() == "1.0-beta"


async def test_an_applications_own_tables_share_the_sqlite_file(tmp_path: Path) -> None:
    """Only actorkit's own names are taken, not its prefix."""
    path = tmp_path / "app.db"
    _sqlite_file(path, ["CREATE TABLE actorkit_settings (key text)", "CREATE TABLE orders (n)"])
    async with SQLiteStore(path) as store:
        await store.append("a", 0, [b"x"])
        assert await store.highest_seq("a") == 1


async def test_a_directory_for_the_sqlite_file_says_to_pass_the_file(tmp_path: Path) -> None:
    """Not "does the directory exist, and may this process write there?": it does, and may."""
    with pytest.raises(PersistenceError, match=r"is a directory: pass the database file in it"):
        await SQLiteStore(tmp_path).open()
    assert os.listdir(tmp_path) == []
