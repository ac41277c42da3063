"""A write the database refuses on its own (a user's trigger or CHECK constraint) fails alone:
the writes that shared its batch commit, as if each had been its own transaction, and the
refused one leaves none of its rows (docs/persistence.md, "Group commit")."""

from __future__ import annotations

import asyncio

import pytest

from actorkit.persistence import (
    PersistenceConflict,
    PersistenceError,
    StoredReminder,
)

from .conftest import MakeSQLStore
from .refusing_triggers import attempts, refuse_rows

REFUSED = "bad is refused here"


async def test_a_write_the_database_refuses_fails_alone_and_its_batch_commits(
    make_sql_store: MakeSQLStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with make_sql_store() as store:
        await store.append("known", 0, [b"0"])  # a journal whose latest number the store knows
        await store.save_state("s", 0, b"s1")
        await refuse_rows(store, REFUSED, only="bad")
        tried = attempts(store, monkeypatch)
        results = await asyncio.gather(  # queued in one loop turn: one batch
            store.append("known", 1, [b"1"]),
            store.append("a", 0, [b"1", b"2"]),
            store.append("bad", 0, [b"1", b"2"]),
            store.append("stale", 3, [b"x"]),
            store.save_state("s", 1, b"s2"),
            store.save_state("bad", 0, b"state"),
            store.save_snapshot("a", 2, b"snap"),
            store.put_reminder("a", StoredReminder("r", 1.0, None, b"m")),
            return_exceptions=True,
        )
        assert tried[0] == len(results), tried  # they shared the batch the refusal failed
        assert [type(result) for result in results] == [
            float, float, PersistenceError, PersistenceConflict, int, PersistenceError,
            type(None), type(None),
        ], results  # fmt: skip
        assert REFUSED in str(results[2]) and REFUSED in str(results[5])
        for refused in (results[2], results[5]):  # the store's words, no "failed unexpectedly"
            assert str(refused).startswith(("SQLite store", "PostgreSQL store")), refused
        assert [e.payload async for e in store.read("known")] == [b"0", b"1"]
        assert [e.payload async for e in store.read("a")] == [b"1", b"2"]
        assert await store.highest_seq("bad") == 0
        assert await store.load_state("bad") is None
        state = await store.load_state("s")
        assert state is not None and (state.revision, state.payload) == (2, b"s2")
        snapshot = await store.load_snapshot("a")
        assert snapshot is not None and snapshot.payload == b"snap"
        assert [r.key for r in await store.reminders("a")] == ["r"]


async def test_a_lone_write_the_database_refuses_is_tried_once(
    make_sql_store: MakeSQLStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Alone in its batch, the refusal is the write's own: no transaction is tried again."""
    async with make_sql_store() as store:
        await refuse_rows(store, REFUSED, only="bad")
        tried = attempts(store, monkeypatch)
        with pytest.raises(PersistenceError, match=REFUSED):
            await store.append("bad", 0, [b"1"])
        assert tried == [1]
        await store.append("good", 0, [b"1"])
        assert await store.highest_seq("good") == 1
