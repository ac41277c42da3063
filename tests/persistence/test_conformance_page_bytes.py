"""A page of a journal (the events a recovery's one call returns, and each query of `read`)
is bounded by bytes as well as by count: a journal of large events would otherwise load
thousands of them into memory at once. A single event larger than the bound is a page of its
own, so reading always moves on."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from actorkit import ActorSystem
from actorkit.persistence import Store, StoredRecovery, _sql_store
from actorkit.persistence._payload import encode
from actorkit.persistence._sql_store import SQLStore

from .conftest import MakeSQLStore, MakeStore
from .event_sourced_support import Summing

pytestmark = pytest.mark.timeout(60)

BOUND = 10
SIZES = [4, 4, 4, 4, 25, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 9, 9, 9]
"""Four events to a page and more, one alone past the bound, then many small ones."""


@pytest.fixture(autouse=True)
def _small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_sql_store, "PAGE_BYTES", BOUND, raising=False)
    monkeypatch.setattr(_sql_store, "PAGE", 6)


def _payloads() -> list[bytes]:
    return [bytes([seq]) * size for seq, size in enumerate(SIZES, 1)]


def _fits(sizes: Sequence[int]) -> bool:
    """What one page may hold: events while the bytes before each are under the bound."""
    return len(sizes) <= 6 and sum(sizes[:-1]) < BOUND


async def _whole(store: Store, loaded: StoredRecovery) -> list[bytes]:
    payloads = [stored.payload for stored in loaded.events]
    if loaded.more:
        payloads += [stored.payload async for stored in store.read("a", loaded.read_on_from)]
    return payloads


async def test_a_recovery_returns_a_page_bounded_by_bytes(make_store: MakeStore) -> None:
    async with asyncio.timeout(30), make_store() as store:
        await store.append("a", 0, _payloads())
        loaded = await store.load_recovery("a", True)
        assert [len(stored.payload) for stored in loaded.events] == [4, 4, 4]
        assert loaded.more
        assert await _whole(store, loaded) == _payloads()


async def test_every_read_query_returns_a_page_bounded_by_bytes(
    make_sql_store: MakeSQLStore,
) -> None:
    store = make_sql_store()
    assert isinstance(store, SQLStore)
    async with asyncio.timeout(30), store:
        await store.append("a", 0, _payloads())
        pages: list[list[int]] = []
        fetch = store._fetch  # noqa: SLF001 - where every read of a SQL store goes

        async def recording(query: str, *args: object) -> Sequence[Sequence[Any]]:
            rows = await fetch(query, *args)
            pages.append([len(row[-1]) for row in rows if row[-1] is not None])
            return rows

        store._fetch = recording  # type: ignore[method-assign]  # noqa: SLF001
        for from_seq in (1, 2, 5, 6):
            pages.clear()
            read = [stored.payload async for stored in store.read("a", from_seq)]
            assert read == _payloads()[from_seq - 1 :]
            assert all(_fits(page) for page in pages), pages
        loaded = await store.load_recovery("a", True)
        assert _fits(pages[-1]), pages[-1]
        assert await _whole(store, loaded) == _payloads()


class Total(Summing):
    async def receive(self, message: Any) -> Any:
        return self.total


async def test_an_actor_recovers_every_event_across_pages_of_bytes(
    make: Callable[[], Store],
) -> None:
    async with asyncio.timeout(30):
        async with make() as store:  # type: ignore[attr-defined]
            await store.append("/t", 0, [encode(n) for n in range(1, 51)])
        async with ActorSystem(store=make()) as system:
            ref = await system.spawn(Total, name="t")
            assert await ref.ask("total") == sum(range(1, 51))
