"""Reads of journals longer than one page of a SQL store's read query, on every store: the
pages are small here, so that a page boundary falls inside a short journal."""

from __future__ import annotations

import pytest

from actorkit.persistence import _sql_store

from .conftest import MakeStore


@pytest.mark.parametrize("from_seq", [1, 3, 4, 7])
async def test_a_journal_longer_than_a_page_reads_whole_and_in_order(
    make_store: MakeStore, monkeypatch: pytest.MonkeyPatch, from_seq: int
) -> None:
    monkeypatch.setattr(_sql_store, "PAGE", 3)
    payloads = [bytes([n]) for n in range(1, 11)]
    async with make_store() as store:
        await store.append("a", 0, payloads[:4])
        await store.append("a", 4, payloads[4:])
        read = [(stored.seq, stored.payload) async for stored in store.read("a", from_seq)]
        assert read == [(seq, bytes([seq])) for seq in range(from_seq, 11)]
