"""A batch is one transaction on every SQL store: when its last statement fails, the rows of
its earlier statements are not kept, so its writes, retried one transaction each, go in once
(docs/persistence.md, "Group commit")."""

from __future__ import annotations

import asyncio

import pytest

from actorkit.persistence import PersistenceError

from .conftest import MakeSQLStore
from .refusing_triggers import attempts, refuse_rows


async def test_a_batch_whose_state_row_fails_keeps_none_of_its_rows(
    make_sql_store: MakeSQLStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The append's rows went in before the state's statement failed. Kept, they would
    refuse the append's retry (its sequence numbers taken) and stand without the batch."""
    async with make_sql_store() as store:
        await refuse_rows(store, "no room for this row", events=False)
        tried = attempts(store, monkeypatch)
        appended, saved = await asyncio.gather(  # queued in one loop turn: one batch
            store.append("a", 0, [b"1", b"2"]),
            store.save_state("s", 0, b"state"),
            return_exceptions=True,
        )
        assert tried[0] == 2, tried
        assert isinstance(appended, float), appended  # retried alone, and written once
        assert isinstance(saved, PersistenceError), saved
        assert [e.payload async for e in store.read("a")] == [b"1", b"2"]
        assert await store.load_state("s") is None
        await store.append("a", 2, [b"3"])  # the store goes on
        assert await store.highest_seq("a") == 3
