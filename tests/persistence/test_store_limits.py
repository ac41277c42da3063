"""What no store can keep is refused by every store with a `ValueError` before it is written:
ids and keys PostgreSQL cannot index or UTF-8 cannot encode, numbers past 64 bits, values
past what SQLite keeps in a row. Refused up front, such a write cannot join a group commit's
batch and fail the other writes in it; nor do writes that each fit fail together, for a batch
carries no more than one write may.

A value of a gigabyte is not allocated here: the tests lower the store's `max_payload`."""

from __future__ import annotations

import asyncio
import contextlib
import random
import sqlite3
from collections.abc import Awaitable, Callable

import pytest

from actorkit.persistence import MemoryStore, Store, StoredReminder, _batch

from .conftest import MakeSQLStore, MakeStore

EMOJI = "\U0001f600"


def incompressible(size: int) -> str:
    """`size` bytes of UTF-8 in 4-byte characters PostgreSQL cannot compress in its index."""
    rng = random.Random(size)
    return "".join(chr(rng.randrange(0x1F300, 0x1F5FF)) for _ in range(size // 4))


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.append("acct-\udcff", 0, [b"x"]),
        lambda s: s.append("x" * 1025, 0, [b"x"]),
        lambda s: s.append(EMOJI * 257, 0, [b"x"]),
        lambda s: s.append("a", 2**63, [b"x"]),
        lambda s: s.append("a", 2**63 - 2, [b"x", b"y"]),
        lambda s: s.save_snapshot("a", 2**64, b"x"),
        lambda s: s.save_state("a", 2**63, b"x"),
        lambda s: s.put_reminder("a", StoredReminder("k\udcff", 1.0, None, b"m")),
        lambda s: s.put_reminder("a", StoredReminder(EMOJI * 257, 1.0, None, b"m")),
        lambda s: s.put_reminder("a", StoredReminder("k", 10**400, None, b"m")),
        lambda s: s.delete_reminder("a", "k\udcff"),
    ],
)
async def test_a_write_no_store_can_keep_fails_alone_before_the_store(
    make_store: MakeStore, call: Callable[[Store], Awaitable[object]]
) -> None:
    async with asyncio.timeout(30), make_store() as store:
        await store.append("good", 0, [b"1"])
        good, bad = await asyncio.gather(
            store.append("good", 1, [b"2"]), call(store), return_exceptions=True
        )
        assert isinstance(good, float)
        assert isinstance(bad, ValueError)
        assert await store.highest_seq("good") == 2
        assert await store.highest_seq("a") == 0


async def test_reads_past_64_bits_or_of_an_unencodable_id_are_refused(
    make_store: MakeStore,
) -> None:
    async with asyncio.timeout(30), make_store() as store:
        with pytest.raises(ValueError, match="from 0 to 2"):
            [e async for e in store.read("a", 2**63)]
        with pytest.raises(ValueError, match="UTF-8"):
            await store.highest_seq("a\ud800")


async def test_the_longest_id_and_key_are_kept_by_every_store(make_store: MakeStore) -> None:
    pid, key = incompressible(1024), incompressible(1024)
    async with asyncio.timeout(30), make_store() as store:
        await store.append(pid, 0, [b"x"])
        await store.put_reminder(pid, StoredReminder(key, 2**64, None, b"m"))
        assert [e.payload async for e in store.read(pid)] == [b"x"]
        assert await store.reminders(pid) == [StoredReminder(key, 2.0**64, None, b"m")]


def test_the_largest_value_fits_in_a_sqlite_row_with_the_longest_ids() -> None:
    with contextlib.closing(sqlite3.connect(":memory:")) as conn:
        row = conn.getlimit(sqlite3.SQLITE_LIMIT_LENGTH)
    assert MemoryStore.max_payload == 10**9 - 4096
    assert MemoryStore.max_payload + 2 * 1024 + 64 <= row  # a reminder's id, key and numbers


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.append("big", 0, [bytes(101)]),
        lambda s: s.append("big", 0, [bytes(50), bytes(51)]),
        lambda s: s.save_snapshot("big", 1, bytes(101)),
        lambda s: s.save_state("big", 0, bytes(101)),
        lambda s: s.put_reminder("big", StoredReminder("k", 1.0, None, bytes(101))),
    ],
)
async def test_a_write_over_max_payload_fails_alone_before_the_store(
    make_store: MakeStore, call: Callable[[Store], Awaitable[object]]
) -> None:
    async with asyncio.timeout(30), make_store() as store:
        store.max_payload = 100
        await store.append("good", 0, [bytes(100)])
        good, bad = await asyncio.gather(
            store.append("good", 1, [bytes(100)]), call(store), return_exceptions=True
        )
        assert isinstance(good, float)
        assert isinstance(bad, ValueError)
        assert "'big': " in str(bad) and "is too large to store: 101 bytes encoded" in str(bad)
        assert "over the store's max_payload of 100" in str(bad)
        assert await store.highest_seq("good") == 2
        assert await store.highest_seq("big") == 0
        assert await store.load_snapshot("big") is None
        assert await store.load_state("big") is None
        assert await store.reminders("big") == []


async def test_a_batch_carries_its_bytes_of_values_at_most_or_one_write(
    make_sql_store: MakeSQLStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL a batch binds its events in one array, which the server takes only up
    to 1 GiB, and a batch of hundreds of megabytes may outlast the store's timeout: writes
    that each fit must not fail together."""
    monkeypatch.setattr(_batch, "MAX_BATCH_BYTES", 100)
    commits: list[int] = []
    async with asyncio.timeout(30), make_sql_store() as store:
        store.on_commit = lambda writes, seconds: commits.append(writes)
        await asyncio.gather(
            store.append("a", 0, [bytes(30), bytes(30)]),
            store.save_state("s", 0, bytes(60)),
            store.save_snapshot("a", 2, bytes(60)),
            store.put_reminder("a", StoredReminder("k", 1.0, None, bytes(40))),
            store.delete_reminder("a", "gone"),  # writes no value
            store.append("b", 0, [bytes(100)]),
            store.append("c", 0, [bytes(150)]),  # alone
            store.append("d", 0, [bytes(1)]),
        )
        # 60, 60, 60 + 40 + 0, 100, 150, 1; in this order where one batch is in flight at a time
        assert sorted(commits) == [1, 1, 1, 1, 1, 3]
        assert [len(e.payload) async for e in store.read("a")] == [30, 30]
