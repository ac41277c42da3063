"""The journal's rows go in with `COPY`, which PostgreSQL refuses into a table with row-level
security: such a database still takes every write."""

from __future__ import annotations

import asyncio
import uuid

from actorkit.persistence import PostgresStore
from actorkit.persistence._postgres_db import COPY_ROWS

from .postgres_server import PostgresServer


async def test_a_journal_with_row_level_security_takes_writes_by_insert(
    postgres: PostgresServer,
) -> None:
    role = "r" + uuid.uuid4().hex[:12]
    postgres.psql(f"CREATE ROLE {role} LOGIN")
    postgres.psql(f"CREATE SCHEMA {role} AUTHORIZATION {role}")
    dsn = f"postgresql://{role}@127.0.0.1:{postgres.port}/postgres?options=-csearch_path%3D{role}"
    async with asyncio.timeout(20):
        async with PostgresStore(dsn) as store:
            await store.append("a", 0, [b"1"])
        postgres.psql(
            f"ALTER TABLE {role}.actorkit_journal ENABLE ROW LEVEL SECURITY; "
            f"ALTER TABLE {role}.actorkit_journal FORCE ROW LEVEL SECURITY; "
            f"CREATE POLICY everything ON {role}.actorkit_journal USING (true)"
        )
        many = [b"%d" % n for n in range(COPY_ROWS)]
        async with PostgresStore(dsn) as store:
            await store.append("b", 0, many)  # a new journal: a plain insert from the start
            await store.append("a", 1, many)  # checked, and then known
            await store.append("a", 1 + COPY_ROWS, many)
            await asyncio.gather(
                store.append("a", 1 + 2 * COPY_ROWS, many), store.append("b", COPY_ROWS, many)
            )
            assert [e.payload async for e in store.read("a")] == [b"1"] + many * 3
            assert [e.payload async for e in store.read("b")] == many * 2
