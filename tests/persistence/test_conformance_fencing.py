"""Fencing that the conformance suite's first checks leave open, on every store: what a
refused write leaves behind must not let a later write skip the check."""

from __future__ import annotations

import pytest

from actorkit.persistence import MemoryStore, PersistenceConflict, Store

from .conftest import MakeStore


async def collect(store: Store, pid: str) -> list[tuple[int, bytes]]:
    return [(stored.seq, stored.payload) async for stored in store.read(pid)]


async def test_a_refused_future_append_teaches_the_store_no_head_to_build_on(
    make_store: MakeStore,
) -> None:
    """A write that expected sequence number 3 of a journal at 1 was refused: the journal is
    still at 1, so one that expects 4 (as if the refused write had landed) is refused too,
    and no gap opens."""
    async with make_store() as store:
        await store.append("a", 0, [b"1"])
        with pytest.raises(PersistenceConflict):
            await store.append("a", 3, [b"x"])
        with pytest.raises(PersistenceConflict):
            await store.append("a", 4, [b"y"])
        assert await collect(store, "a") == [(1, b"1")]
        await store.append("a", 1, [b"2"])
        assert await collect(store, "a") == [(1, b"1"), (2, b"2")]


async def test_a_refused_append_to_an_id_with_no_journal_leaves_no_journal(
    make_store: MakeStore,
) -> None:
    """The SQL stores write nothing when they refuse: the id still has no journal, and its
    first write starts at 1."""
    async with make_store() as store:
        with pytest.raises(PersistenceConflict):
            await store.append("new", 2, [b"x"])
        assert await store.highest_seq("new") == 0
        assert await collect(store, "new") == []
        await store.append("new", 0, [b"1"])
        assert await collect(store, "new") == [(1, b"1")]


async def test_a_memory_store_keeps_no_empty_journal_for_a_refused_first_append() -> None:
    """Ids refused over and over (a writer retrying with a stale number against an id nothing
    was ever written for) must not pile up in a store meant to run a whole test suite."""
    async with MemoryStore() as store:
        for expected in range(1, 4):
            with pytest.raises(PersistenceConflict):
                await store.append(f"never-{expected}", expected, [b"x"])
        assert repr(store) == "MemoryStore(0 journals)"
