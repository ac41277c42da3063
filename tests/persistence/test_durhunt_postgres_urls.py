"""A PostgreSQL DSN that is wrong in a way the server, not the URL's syntax, finds out: the
store's error says what to change in the DSN or on the server, not only the server's words."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from actorkit import ActorSystem
from actorkit.persistence import PersistenceError, PostgresStore

from .postgres_server import PostgresServer

pytestmark = pytest.mark.timeout(60)


async def _refusal(dsn: str) -> str:
    async with asyncio.timeout(20):
        with pytest.raises(PersistenceError) as failed:
            async with ActorSystem("urls", store=PostgresStore(dsn, timeout=5)):
                pass
    return str(failed.value)


async def test_a_libpq_query_field_asyncpg_passes_on_says_to_remove_it(
    postgres: PostgresServer,
) -> None:
    """libpq's `connect_timeout` (or a guess such as `timeout`) reaches the server as a
    setting, which it does not know."""
    for field in ("connect_timeout", "timeout"):
        said = await _refusal(f"{postgres.dsn()}?{field}=5")
        assert f'unrecognized configuration parameter "{field}"' in said
        assert "remove it from the DSN" in said and "PostgresStore(dsn, timeout=...)" in said


async def test_a_search_path_without_a_schema_says_to_create_it_or_fix_the_dsn(
    postgres: PostgresServer,
) -> None:
    said = await _refusal(f"{postgres.dsn()}?options=-csearch_path%3Dnowhere")
    assert "no schema has been selected to create in" in said
    assert "search_path" in said and "CREATE SCHEMA" in said


async def test_a_user_the_server_does_not_know_says_to_check_the_dsn_s_user(
    postgres: PostgresServer,
) -> None:
    said = await _refusal(postgres.dsn().replace("postgres@", "nobody_here@"))
    assert 'role "nobody_here" does not exist' in said
    assert "check the user in the DSN" in said


async def test_a_user_that_may_not_create_the_tables_says_what_to_grant(
    postgres: PostgresServer,
) -> None:
    role = "r" + uuid.uuid4().hex[:12]
    postgres.psql(f"CREATE ROLE {role} LOGIN")
    # owned by postgres: the role may use it, not create tables in it
    postgres.psql(f"CREATE SCHEMA {role}; GRANT USAGE ON SCHEMA {role} TO {role}")
    dsn = f"postgresql://{role}@127.0.0.1:{postgres.port}/postgres?options=-csearch_path%3D{role}"
    said = await _refusal(dsn)
    assert "permission denied" in said
    assert "GRANT" in said


async def test_a_database_that_cannot_hold_every_id_is_refused_at_start_untouched(
    postgres: PostgresServer,
) -> None:
    """PostgreSQL's `text` holds what the database's encoding holds: on a LATIN1 database a
    persistence id or reminder key outside it (`'😀'`) fails, where every other store takes
    it. The store says so when it opens, and creates nothing there."""
    name = "l" + uuid.uuid4().hex[:12]
    postgres.psql(
        f"CREATE DATABASE {name} ENCODING 'LATIN1' TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'"
    )
    said = await _refusal(postgres.dsn(name))
    assert "LATIN1" in said and "ENCODING 'UTF8'" in said
    tables = "SELECT count(*) FROM pg_tables WHERE tablename LIKE 'actorkit%'"
    assert postgres.psql(tables, postgres.dsn(name)).strip() == "0"
