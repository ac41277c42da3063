"""What no store can keep is refused by every store with a `ValueError` before it is written:
ids and keys PostgreSQL cannot index or UTF-8 cannot encode, numbers past 64 bits. Refused
up front, such a write cannot join a group commit's batch and fail the other writes in it."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable

import pytest

from actorkit.persistence import Store, StoredReminder

from .conftest import MakeStore

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
