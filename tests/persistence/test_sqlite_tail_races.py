"""SQLiteStore's journal tail against what races it: a process of schema version 1 that opened
the file before the upgrade writes straight into `actorkit_journal` (the triggers are all that
keeps its events out of a journal the tail continues), and reads that span moves."""

from __future__ import annotations

import asyncio
import contextlib
import random
import sqlite3
from pathlib import Path

import pytest

from actorkit.persistence import PersistenceConflict, SQLiteStore

from .test_sqlite_tail import events, small_tail, where  # noqa: F401 (a fixture)

IDS = "abc"


@pytest.mark.usefixtures("merge_often")
async def test_a_version_1_write_of_a_number_the_tail_holds_is_refused(tmp_path: Path) -> None:
    """The old process appends event 2 over the head it knows (1, in the journal) while a
    writer of version 2 put its own event 2 in the tail: a second event 2 would bypass the
    fencing, and make every later move of the tail fail on the journal's key."""
    path = tmp_path / "store.db"
    async with SQLiteStore(path) as store:
        await store.append("x", 0, [b"one", b"two", b"three"])  # moved: in the journal
        await store.append("x", 3, [b"four"])  # in the tail
        assert where(path) == (3, 1)
        with (
            contextlib.closing(sqlite3.connect(path)) as conn,
            pytest.raises(sqlite3.IntegrityError, match="upgrade actorkit in every process"),
        ):
            conn.execute("INSERT INTO actorkit_journal VALUES ('x', 4, 0.0, x'00')")
        await store.append("x", 4, [b"five", b"six"])  # moves the tail
        with pytest.raises(PersistenceConflict):
            await store.append("x", 4, [b"stale"])
        assert await events(store, "x") == list(
            enumerate([b"one", b"two", b"three", b"four", b"five", b"six"], 1)
        )
        assert where(path) == (6, 0)


@pytest.mark.usefixtures("small_tail")
async def test_reads_during_moves_by_several_writers_see_every_acknowledged_event(
    tmp_path: Path,
) -> None:
    """Writers on three stores append concurrently to shared journals, moving the tail every
    few rows, while a fourth store reads them in pages of 3: each read is gapless and holds
    every event acknowledged before it started, and the last read is exactly what was."""
    path = tmp_path / "shared.db"
    acknowledged: dict[str, list[bytes]] = {pid: [] for pid in IDS}
    done = asyncio.Event()

    async def write(stores: list[SQLiteStore], seed: int) -> None:
        rng = random.Random(seed)
        for step in range(60):
            pid = rng.choice(IDS)
            expected = len(acknowledged[pid])
            payloads = [b"%d-%d-%d" % (seed, step, n) for n in range(rng.randint(1, 3))]
            with contextlib.suppress(PersistenceConflict):
                await rng.choice(stores).append(pid, expected, payloads)
                assert len(acknowledged[pid]) == expected
                acknowledged[pid] += payloads

    async def read(store: SQLiteStore) -> None:
        while not done.is_set():
            for pid in IDS:
                before = list(acknowledged[pid])
                read = await events(store, pid)
                assert [seq for seq, _ in read] == list(range(1, len(read) + 1))
                assert [payload for _, payload in read[: len(before)]] == before
                assert await store.highest_seq(pid) >= len(before)
            await asyncio.sleep(0)

    async with (
        asyncio.timeout(60),
        SQLiteStore(path) as one,
        SQLiteStore(path) as two,
        SQLiteStore(path) as three,
        SQLiteStore(path) as reader,
    ):
        reading = asyncio.ensure_future(read(reader))
        try:
            await asyncio.gather(*(write([one, two, three], seed) for seed in range(4)))
        finally:
            done.set()
            await reading
        for pid, payloads in acknowledged.items():
            assert [payload for _, payload in await events(reader, pid)] == payloads
    journal, tail = where(path)
    assert journal > 0 and journal + tail == sum(map(len, acknowledged.values()))


@pytest.mark.usefixtures("small_tail")
async def test_a_tail_left_by_short_lived_writers_is_moved_by_the_next(tmp_path: Path) -> None:
    """Each writer counted only its own rows from 0: processes that each wrote fewer than
    `MERGE_ROWS` events (a command, a crash loop) left the tail growing for ever, the journal
    never clustered."""
    path = tmp_path / "store.db"
    for run in range(4):  # 4 rows a run, a move every 5
        async with SQLiteStore(path) as store:
            await store.append("a", 2 * run, [b"%d" % run] * 2)
            await store.append("b", 2 * run, [b"%d" % run] * 2)
    journal, tail = where(path)
    assert journal + tail == 16 and tail < 5, (journal, tail)
