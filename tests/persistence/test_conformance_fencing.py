"""Fencing that the conformance suite's first checks leave open, on every store: what a
refused write leaves behind must not let a later write skip the check."""

from __future__ import annotations

import pytest

from actorkit.persistence import PersistenceConflict, Store

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
