"""SQLiteStore's journal tail (schema version 2): events go to an append-only table that a batch
moves into the journal every `MERGE_ROWS` rows. Readers, fencing and sequence numbers see one
journal whichever table holds an event; a file of version 1 is upgraded in place by a writer,
read as it is by a reader."""

from __future__ import annotations

import contextlib
import random
import sqlite3
from pathlib import Path

import pytest

from actorkit.persistence import (
    PersistenceConflict,
    PersistenceError,
    SQLiteStore,
    _sql_store,
    _sqlite_db,
)
from actorkit.persistence._sqlite_schema import VERSION_1


@pytest.fixture
def small_tail(monkeypatch: pytest.MonkeyPatch) -> None:
    """A tail moved every 5 rows and reads of 3 events a page, so both happen in a few calls."""
    monkeypatch.setattr(_sqlite_db, "MERGE_ROWS", 5)
    monkeypatch.setattr(_sql_store, "PAGE", 3)


def where(path: Path) -> tuple[int, int]:
    """Rows in the journal and in its tail."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        journal = conn.execute("SELECT count(*) FROM actorkit_journal").fetchone()[0]
        tail = conn.execute("SELECT count(*) FROM actorkit_journal_tail").fetchone()[0]
    return journal, tail


async def events(store: SQLiteStore, pid: str, from_seq: int = 1) -> list[tuple[int, bytes]]:
    return [(stored.seq, stored.payload) async for stored in store.read(pid, from_seq)]


async def test_a_new_file_has_version_2_with_the_tail_and_the_view(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    async with SQLiteStore(path) as store:
        await store.append("a", 0, [b"x"])
    with contextlib.closing(sqlite3.connect(path)) as conn:
        assert conn.execute("SELECT version FROM actorkit_schema").fetchall() == [(2,)]
        assert conn.execute("SELECT persistence_id, seq FROM actorkit_events").fetchall() == [
            ("a", 1)
        ]
    assert where(path) == (0, 1)


@pytest.mark.usefixtures("small_tail")
async def test_reads_and_heads_span_the_journal_and_its_tail(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    async with SQLiteStore(path) as store:
        for seq in range(7):  # one row each: moved at the fifth
            await store.append("a", seq, [b"a%d" % seq])
        assert where(path) == (5, 2)
        await store.append("b", 0, [b"b0", b"b1"])
        assert await store.highest_seq("a") == 7
        assert await store.highest_seq("b") == 2
        assert await events(store, "a") == [(n + 1, b"a%d" % n) for n in range(7)]
        assert await events(store, "a", 5) == [(5, b"a4"), (6, b"a5"), (7, b"a6")]
        await store.append("b", 2, [b"b2"])  # the fifth row since the move: moves the tail
        assert where(path) == (10, 0)
        assert await events(store, "b") == [(1, b"b0"), (2, b"b1"), (3, b"b2")]
    async with SQLiteStore(path) as store:  # a new writer finds the heads in either table
        await store.append("a", 7, [b"a7"])
        with pytest.raises(PersistenceConflict):
            await store.append("b", 2, [b"late"])
        assert await store.highest_seq("a") == 8


@pytest.mark.usefixtures("small_tail")
async def test_a_stale_writer_is_refused_by_an_event_already_moved_into_the_journal(
    tmp_path: Path,
) -> None:
    path = tmp_path / "shared.db"
    async with SQLiteStore(path) as first, SQLiteStore(path) as second:
        await first.append("x", 0, [b"first"])  # `first` knows x's head: 1
        await second.append("x", 1, [b"second"] * 5)  # its own fifth row: moves the tail
        assert where(path) == (6, 0)
        with pytest.raises(PersistenceConflict):
            await first.append("x", 1, [b"stale"])  # a plain insert: the trigger refuses it
        assert await events(first, "x") == [(1, b"first")] + [(n, b"second") for n in range(2, 7)]


@pytest.mark.usefixtures("small_tail")
async def test_many_writers_leave_one_gapless_journal_each(tmp_path: Path) -> None:
    """Several stores on one file, appending at random to shared journals: every append either
    commits after the last or is refused, and what is read is exactly what was acknowledged."""
    path = tmp_path / "shared.db"
    rng = random.Random(7)
    written: dict[str, list[bytes]] = {pid: [] for pid in "pqr"}
    async with SQLiteStore(path) as one, SQLiteStore(path) as two, SQLiteStore(path) as three:
        stores = [one, two, three]
        for step in range(120):
            pid = rng.choice("pqr")
            store = rng.choice(stores)
            expected = max(len(written[pid]) - rng.choice([0, 0, 0, 1]), 0)
            payloads = [b"%d" % step] * rng.randint(1, 3)
            try:
                await store.append(pid, expected, payloads)
            except PersistenceConflict:
                assert expected != len(written[pid])
            else:
                assert expected == len(written[pid])
                written[pid] += payloads
        for pid, payloads in written.items():
            assert await events(one, pid) == list(enumerate(payloads, 1))
    journal, tail = where(path)
    assert journal + tail == sum(map(len, written.values())) and tail < 5 + 3


async def test_a_version_1_file_is_upgraded_in_place_by_a_writer(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    version_1_file(path, [("a", 1, b"one"), ("a", 2, b"two")])
    reader = SQLiteStore(path)
    await reader.open_read_only()  # the journal command: reads it as it is
    try:
        assert await events(reader, "a") == [(1, b"one"), (2, b"two")]
        assert await reader.highest_seq("a") == 2
    finally:
        await reader.close()
    assert schema_version(path) == 1
    async with SQLiteStore(path) as store:
        assert schema_version(path) == 2
        with pytest.raises(PersistenceConflict):
            await store.append("a", 1, [b"stale"])
        await store.append("a", 2, [b"three"])
        assert await events(store, "a") == [(1, b"one"), (2, b"two"), (3, b"three")]
    with (
        contextlib.closing(sqlite3.connect(path)) as conn,
        pytest.raises(sqlite3.IntegrityError, match="upgrade actorkit in every process"),
    ):
        # what a process of version 1 still holding the file open would write
        conn.execute("INSERT INTO actorkit_journal VALUES ('a', 4, 0.0, x'00')")


@pytest.mark.usefixtures("merge_often")
async def test_moving_the_tail_that_fails_keeps_the_batch_out_whole(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    async with SQLiteStore(path) as store:
        await store.append("a", 0, [b"0"])
        with contextlib.closing(sqlite3.connect(path)) as conn, conn:
            conn.execute(
                "CREATE TRIGGER refuse BEFORE INSERT ON actorkit_journal "
                "BEGIN SELECT RAISE(ABORT, 'no room in the journal'); END"
            )
        with pytest.raises(PersistenceError, match="no room in the journal"):
            await store.append("a", 1, [b"1", b"2"])
        assert await events(store, "a") == [(1, b"0")]
        assert where(path) == (0, 1)


async def test_a_tail_of_large_events_is_moved_before_it_holds_more_than_merge_bytes(
    tmp_path: Path,
) -> None:
    """The move copies the whole tail in one batch's transaction: counted in rows alone, a tail
    of 2,048 large events made one commit write gigabytes (the write lock held meanwhile, so
    other processes' writes timed out), where a batch itself carries at most 64 MiB."""
    path = tmp_path / "large.db"
    size = 4 * 2**20
    async with SQLiteStore(path) as store:
        for seq in range(6):
            await store.append("big", seq, [bytes(size)])
            journal, tail = where(path)
            assert tail * size < _sqlite_db.MERGE_BYTES + size, (journal, tail)
        assert journal + tail == 6 and journal > 0
        assert await store.highest_seq("big") == 6


async def test_the_bytes_a_writer_finds_in_the_tail_count_as_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As the rows do: processes that each add less than `MERGE_BYTES` of events (a command, a
    crash loop) would otherwise never move a tail of large events, however large it grew."""
    monkeypatch.setattr(_sqlite_db, "MERGE_BYTES", 100)
    path = tmp_path / "large.db"
    async with SQLiteStore(path) as store:
        await store.append("big", 0, [bytes(60)])
    assert where(path) == (0, 1)
    async with SQLiteStore(path) as store:  # 60 found + 60 added: past the 100 bytes
        await store.append("big", 1, [bytes(60)])
        assert where(path) == (2, 0)
        assert await events(store, "big") == [(1, bytes(60)), (2, bytes(60))]


async def test_a_writer_opens_a_file_whose_tail_has_a_corrupt_page_and_counts_it_as_empty(
    tmp_path: Path,
) -> None:
    """The bytes in the tail only pace its move: a page of it that cannot be read must not keep
    the store from opening (the events elsewhere stay readable); the move that reads the tail
    is where the damage is reported."""
    path = tmp_path / "damaged.db"
    async with SQLiteStore(path) as store:
        await store.append("a", 0, [bytes(3000)] * 3)  # a page each: a tail of three leaves
    with contextlib.closing(sqlite3.connect(path)) as conn:
        leaf = first_leaf(conn, "actorkit_journal_tail")
        page = conn.execute("PRAGMA page_size").fetchone()[0]
    with path.open("r+b") as file:  # the page of the tail's first row, not the last one's
        file.seek((leaf - 1) * page)
        file.write(b"\xff" * page)
    async with SQLiteStore(path) as store:
        await store.append("b", 0, [b"after"])
        assert await events(store, "b") == [(1, b"after")]


def first_leaf(conn: sqlite3.Connection, table: str) -> int:
    """The page number of the leftmost leaf of `table`'s b-tree, whose root is an interior
    page (SQLite's file format: a 12-byte header, then the cell offsets; a cell starts with
    its left child's page number)."""
    root, page = conn.execute(
        "SELECT rootpage, (SELECT page_size FROM pragma_page_size) FROM sqlite_master "
        "WHERE name = ?",
        (table,),
    ).fetchone()
    with open(conn.execute("PRAGMA database_list").fetchone()[2], "rb") as file:
        file.seek((root - 1) * page)
        data = file.read(page)
    assert data[0] == 0x05, "the root is an interior page of a table"
    cell = int.from_bytes(data[12:14], "big")
    return int.from_bytes(data[cell : cell + 4], "big")


def version_1_file(path: Path, rows: list[tuple[str, int, bytes]]) -> None:
    """A store's file as actorkit wrote it before the tail, holding `rows`."""
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("CREATE TABLE actorkit_schema (version INTEGER NOT NULL) STRICT")
        conn.execute("INSERT INTO actorkit_schema VALUES (1)")
        for statement in VERSION_1:
            conn.execute(statement)
        conn.executemany(
            "INSERT INTO actorkit_journal VALUES (?, ?, 0.0, ?)", [(p, s, b) for p, s, b in rows]
        )


def schema_version(path: Path) -> int:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return int(conn.execute("SELECT version FROM actorkit_schema").fetchone()[0])
