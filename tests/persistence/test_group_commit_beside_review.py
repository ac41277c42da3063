"""Two batches in flight on PostgreSQL, where they meet the server's limits and the other
writers of the same journals."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from actorkit.persistence import PersistenceError, PostgresStore

from .postgres_server import PostgresServer


async def test_open_fails_when_a_writer_cannot_connect_and_closes_the_pool(
    postgres: PostgresServer,
) -> None:
    """`open` holds one connection per batch in flight: when the server refuses the second, the
    first goes back before the pool closes (which waits for every connection out)."""
    role = "r" + uuid.uuid4().hex[:12]
    postgres.psql(f"CREATE ROLE {role} LOGIN CONNECTION LIMIT 1")
    postgres.psql(f"CREATE SCHEMA {role} AUTHORIZATION {role}")
    dsn = f"postgresql://{role}@127.0.0.1:{postgres.port}/postgres?options=-csearch_path%3D{role}"
    async with asyncio.timeout(10):
        with pytest.raises(
            PersistenceError, match=r"connecting the writers failed: .*too many connections"
        ):
            await PostgresStore(dsn, timeout=2).open()
