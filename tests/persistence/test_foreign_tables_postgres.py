"""PostgreSQL's twin of SQLite's refusal of a database holding a table of actorkit's names
that actorkit did not make (no actorkit_schema): said so, with what to change, not only the
server's 'relation "actorkit_journal" already exists'."""

from __future__ import annotations

import pytest

from actorkit.persistence import PersistenceError, PostgresStore

from .postgres_server import PostgresServer


async def test_a_postgres_table_of_actorkits_name_is_refused_and_left_alone(
    postgres: PostgresServer,
) -> None:
    dsn = postgres.fresh()
    postgres.psql("CREATE TABLE actorkit_journal (note text)", dsn)
    with pytest.raises(
        PersistenceError,
        match=r"holds actorkit_journal but no actorkit_schema table.*another database",
    ):
        await PostgresStore(dsn).open()
    tables = (
        "SELECT string_agg(tablename, ',') FROM pg_tables "
        "WHERE schemaname = current_schema() AND tablename LIKE 'actorkit%'"
    )
    assert postgres.psql(tables, dsn).strip() == "actorkit_journal"
