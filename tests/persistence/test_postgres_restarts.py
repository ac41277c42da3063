"""A PostgreSQL server that restarts under a store: its pools connect again, and what the
group commit remembers of the journals' heads still fences every append."""

from __future__ import annotations

import asyncio

import pytest

from actorkit.persistence import PersistenceConflict, PersistenceError, PostgresStore

from .conftest import UVLOOP_ONLY
from .postgres_server import PostgresServer

pytestmark = [pytest.mark.timeout(120), UVLOOP_ONLY]


@pytest.mark.loses_futures(
    "asyncpg 0.32's copy_in makes a waiter, then raises before awaiting it (cannot switch to "
    "state 21) when the server goes away: its ConnectionDoesNotExistError is never retrieved"
)
async def test_appends_in_flight_at_a_restart_are_each_stored_as_reported_or_in_doubt(
    postgres: PostgresServer,
) -> None:
    """Many journals, two batches in flight, the server stopped under them: afterwards each
    journal holds every acknowledged event, nothing past an append reported failed but the
    one in doubt, and the next appends (from what the store holds) are fenced and go in."""
    dsn = postgres.fresh()
    journals = [f"j{n}" for n in range(40)]
    acked: dict[str, int] = dict.fromkeys(journals, 0)
    failed: dict[str, int] = {}
    stopping = asyncio.Event()

    async def writer(store: PostgresStore, pid: str) -> None:
        while pid not in failed:
            try:
                await store.append(pid, acked[pid], [b"%d" % (acked[pid] + 1)] * 3)
            except PersistenceError:
                failed[pid] = acked[pid]
                return
            acked[pid] += 3
            if sum(acked.values()) > 3 * 400:
                stopping.set()

    async with asyncio.timeout(90), PostgresStore(dsn, timeout=5) as store:
        writers = [asyncio.ensure_future(writer(store, pid)) for pid in journals]
        await stopping.wait()
        try:
            await asyncio.to_thread(postgres.stop)
            await asyncio.gather(*writers)
        finally:
            await asyncio.to_thread(postgres.start)
        for pid in journals:
            highest = await store.highest_seq(pid)
            assert highest in (acked[pid], acked[pid] + 3), pid
            stale = acked[pid] if highest != acked[pid] else highest + 1
            with pytest.raises(PersistenceConflict):  # a head the store remembers, in doubt
                await store.append(pid, stale, [b"x"] * 20)
            await store.append(pid, highest, [b"after"] * 20)  # by COPY once known
            await store.append(pid, highest + 20, [b"again"] * 20)
            seqs = [e.seq async for e in store.read(pid)]
            assert seqs == list(range(1, highest + 41)), pid


async def test_a_read_only_store_reads_again_after_a_restart(postgres: PostgresServer) -> None:
    dsn = postgres.fresh()
    async with asyncio.timeout(60):
        async with PostgresStore(dsn) as store:
            await store.append("a", 0, [b"1"])
        reader = PostgresStore(dsn)
        await reader.open_read_only()
        try:
            assert await reader.highest_seq("a") == 1
            await asyncio.to_thread(postgres.stop)
            try:
                with pytest.raises(PersistenceError):
                    await reader.highest_seq("a")
            finally:
                await asyncio.to_thread(postgres.start)
            assert [e.payload async for e in reader.read("a")] == [b"1"]
            with pytest.raises(PersistenceError, match="read-only"):
                await reader.append("a", 1, [b"2"])
        finally:
            await reader.close()
