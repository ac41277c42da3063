"""A page of a journal ends where the bytes before an event reach the bound exactly: that event
starts the next page. Every store cuts there, and a page so cut still says there is more (it
holds exactly the bound), so neither a recovery nor a read stops short of the journal's end."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest

from actorkit.persistence import _sql_store
from actorkit.persistence._sql_store import SQLStore

from .conftest import MakeSQLStore, MakeStore

pytestmark = pytest.mark.timeout(60)

BOUND = 10
PAYLOADS = [bytes([seq]) * 5 for seq in range(1, 6)]
"""Five events of 5 bytes: the bytes before the third are the bound exactly."""


@pytest.fixture(autouse=True)
def _small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_sql_store, "PAGE_BYTES", BOUND)
    monkeypatch.setattr(_sql_store, "PAGE", 6)


async def test_a_recovery_page_ends_where_the_bytes_reach_the_bound(make_store: MakeStore) -> None:
    async with asyncio.timeout(30), make_store() as store:
        await store.append("a", 0, PAYLOADS)
        loaded = await store.load_recovery("a", True)
        assert [stored.payload for stored in loaded.events] == PAYLOADS[:2]
        assert loaded.more
        rest = [stored.payload async for stored in store.read("a", loaded.read_on_from)]
        assert rest == PAYLOADS[2:]


async def test_each_read_query_ends_where_the_bytes_reach_the_bound(
    make_sql_store: MakeSQLStore,
) -> None:
    store = make_sql_store()
    assert isinstance(store, SQLStore)
    async with asyncio.timeout(30), store:
        await store.append("a", 0, PAYLOADS)
        pages: list[list[int]] = []
        fetch = store._fetch  # noqa: SLF001 - where every read of a SQL store goes

        async def recording(query: str, *args: object) -> Sequence[Sequence[Any]]:
            rows = await fetch(query, *args)
            pages.append([row[0] for row in rows])
            return rows

        store._fetch = recording  # type: ignore[method-assign]  # noqa: SLF001
        assert [stored.payload async for stored in store.read("a")] == PAYLOADS
        assert pages == [[1, 2], [3, 4], [5]]
