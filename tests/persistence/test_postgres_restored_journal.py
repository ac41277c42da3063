"""An operator restores an older PostgreSQL journal while a store runs on it. A restore of the
server (a base backup, point-in-time recovery) restarts it, which ends every session: the
store then forgets the latest sequence numbers it remembered, so its next write to such a
journal checks the journal, finds it went back, and is refused with `PersistenceConflict`
instead of writing after a gap. A restore inside a running server (`pg_restore --clean`, a
`DELETE`) ends no session and is not seen by the writes (docs/persistence.md: stop every
system on the store first); its gap fails the next recovery."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest

from actorkit import ActorSystem
from actorkit.persistence import PersistenceConflict, PersistenceError, PostgresStore

from .conftest import UVLOOP_ONLY
from .event_sourced_support import Summing
from .postgres_server import PostgresServer

pytestmark = [pytest.mark.timeout(60), UVLOOP_ONLY]


async def _restore_older(dsn: str, keep: int) -> None:
    """The journal as an older backup held it, and the store's sessions ended (waited for),
    as a restore of the server, which restarts it, ends them."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("DELETE FROM actorkit_journal WHERE seq > $1", keep)
        await conn.execute(
            "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await conn.close()


async def test_a_write_after_a_restored_older_journal_is_refused(postgres: PostgresServer) -> None:
    dsn = postgres.fresh()
    async with asyncio.timeout(30), PostgresStore(dsn) as store:
        for seq in range(5):
            await store.append("a", seq, [bytes([seq + 1])])
        await _restore_older(dsn, keep=3)
        refused: PersistenceConflict | None = None
        for _ in range(3):  # a write on a session found ended fails as such: the next goes on
            try:
                await store.append("a", 5, [b"\x06"])
            except PersistenceConflict as error:
                refused = error
                break
            except PersistenceError:
                continue
            pytest.fail("written after the gap the restore left")
        assert refused is not None and "went back" in str(refused)
        assert "expected sequence number 5, the journal is at 3" in str(refused)
        assert [stored.seq async for stored in store.read("a")] == [1, 2, 3]
        await store.append("a", 3, [b"\x04"])  # a writer that read the restored journal
        assert [stored.seq async for stored in store.read("a")] == [1, 2, 3, 4]


class Total(Summing):
    async def receive(self, message: Any) -> Any:
        if isinstance(message, int):
            await self.persist(message)
        return self.total


async def test_a_restore_inside_the_running_server_fails_the_next_recovery(
    postgres: PostgresServer,
) -> None:
    dsn = postgres.fresh()
    async with asyncio.timeout(30):
        async with ActorSystem(store=PostgresStore(dsn)) as system:
            ref = await system.spawn(Total, name="t")
            for amount in (1, 2, 3):
                await ref.ask(amount)
            conn = await asyncpg.connect(dsn)
            try:  # no session ends: the store writes on after the gap, unseen
                await conn.execute("DELETE FROM actorkit_journal WHERE seq > 1")
            finally:
                await conn.close()
            assert await ref.ask(4) == 10
        async with ActorSystem(store=PostgresStore(dsn)) as system:
            with pytest.raises(PersistenceError, match="has a gap: event 4 follows 1") as failed:
                await system.spawn(Total, name="t")
    assert "2 to 3 are missing" in str(failed.value)
