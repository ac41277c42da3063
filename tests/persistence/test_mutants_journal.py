"""A mutation review of the journal command's changes: it prints up to the last event
committed as it starts and stops reading there, not only printing, so a system that appends
without end cannot keep it reading (and its store busy) for as long as it runs; a refused
PostgreSQL password names every place a DSN without one takes it from."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from actorkit.persistence import SQLiteStore
from actorkit.persistence._journal import _print
from actorkit.persistence._payload import encode
from actorkit.persistence._store import StoredEvent


class Endless(SQLiteStore):
    """A journal whose reader always finds one more event: a system appending without end."""

    def read(self, persistence_id: str, from_seq: int = 1) -> AsyncIterator[StoredEvent]:
        return self._endless(super().read(persistence_id, from_seq))

    async def _endless(self, stored: AsyncIterator[StoredEvent]) -> AsyncIterator[StoredEvent]:
        last = None
        async for event in stored:
            last = event
            yield event
        assert last is not None
        seq = last.seq
        while True:
            seq += 1
            await asyncio.sleep(0)  # a turn per event, as the store's reads take
            yield StoredEvent(seq, last.time, last.payload)


async def test_the_journal_stops_reading_at_the_last_event_committed_as_it_started(
    tmp_path: Path,
) -> None:
    out = io.StringIO()
    async with Endless(str(tmp_path / "endless.db")) as store:
        await store.append("/hot", 0, [encode("a"), encode("b")])
        async with asyncio.timeout(10):
            assert await _print(store, "/hot", 1, out) == 0
    assert [row.split("\t", 1)[0] for row in out.getvalue().splitlines()] == ["1", "2"]


def test_a_refused_password_s_hint_names_the_password_file_s_variable_too() -> None:
    asyncpg = pytest.importorskip("asyncpg")
    from actorkit.persistence._postgres_hints import hint

    said = hint(asyncpg.InvalidPasswordError("password authentication failed"))
    assert said is not None
    assert "PGPASSWORD" in said
    assert "(~/.pgpass, or PGPASSFILE)" in said
