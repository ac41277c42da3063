"""SQLiteStore beyond the shared protocol: its file (WAL, schema version), its failures (a
directory that is not there, a file that is not a database, a full disk) and two OS processes
on one file."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import sys
from pathlib import Path

import pytest

from actorkit.persistence import PersistenceError, SQLiteStore
from tests.processes import communicate, without_root_powers

from .conftest import UVLOOP_ONLY
from .fencing import (
    ROOT,
    a_second_process_with_a_stale_view_is_refused,
    two_processes_never_interleave,
)


async def test_the_schema_is_created_on_first_use_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    async with SQLiteStore(path) as store:
        await store.append("a", 0, [b"x"])
    with contextlib.closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert conn.execute("SELECT version FROM actorkit_schema").fetchall() == [(2,)]
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    assert {"actorkit_journal", "actorkit_snapshots", "actorkit_states"} <= tables
    async with SQLiteStore(path, synchronous="NORMAL") as store:
        assert await store.highest_seq("a") == 1


async def test_a_newer_schema_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    async with SQLiteStore(path):
        pass
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("UPDATE actorkit_schema SET version = 99")
    with pytest.raises(PersistenceError, match=r"schema version 99.*upgrade actorkit"):
        await SQLiteStore(path).open()
    with contextlib.closing(sqlite3.connect(path)) as conn:
        assert conn.execute("SELECT version FROM actorkit_schema").fetchall() == [(99,)]


def test_arguments_are_checked() -> None:
    with pytest.raises(ValueError, match="synchronous"):
        SQLiteStore("x.db", synchronous="OFF")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="MemoryStore"):
        SQLiteStore(":memory:")
    for url in ("sqlite:///shop.db", "sqlite:////var/lib/shop.db", "postgresql://db/app"):
        with pytest.raises(ValueError, match=r"takes a file path, not a URL.*SQLiteStore\('shop"):
            SQLiteStore(url)
    SQLiteStore("./odd:name.db")  # a colon in a file name is a path
    for wrong in (42, None, b"x.db"):
        with pytest.raises(TypeError, match=r"SQLiteStore path must be a str or a pathlib\.Path"):
            SQLiteStore(wrong)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="SQLiteStore path must not contain NUL"):
        SQLiteStore("x\x00.db")
    for timeout in (0, -1.0, float("nan")):
        with pytest.raises(ValueError, match=r"SQLiteStore timeout must be > 0 seconds"):
            SQLiteStore("x.db", timeout=timeout)
    with pytest.raises(ValueError, match=r"at most 2,147,483\.647 seconds \(about 24 days"):
        SQLiteStore("x.db", timeout=30 * 86_400)  # SQLite would not wait at all
    with pytest.raises(TypeError, match="SQLiteStore timeout must be a number of seconds"):
        SQLiteStore("x.db", timeout=None)  # type: ignore[arg-type]


async def test_a_missing_directory_says_so(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "absent" / "x.db")
    with pytest.raises(PersistenceError, match="does the directory exist"):
        await store.open()
    with pytest.raises(PersistenceError, match="not open"):
        await store.append("a", 0, [b"x"])


UNWRITABLE = """
import asyncio, sys
from actorkit.persistence import PersistenceError, SQLiteStore

async def main(path):
    try:
        async with SQLiteStore(path) as store:
            await store.append("a", 0, [b"x"])
    except PersistenceError as error:
        print(error)

asyncio.run(main(sys.argv[1]))
"""


@UVLOOP_ONLY
@pytest.mark.parametrize(
    ("where", "said"),
    [
        ("read-only directory", "may this process write there"),
        ("read-only file", "not writable by this process"),
    ],
)
async def test_an_unwritable_place_says_so(tmp_path: Path, where: str, said: str) -> None:
    path = tmp_path / "x.db"
    if where == "read-only file":
        async with SQLiteStore(path):
            pass
        os.chmod(path, 0o444)
    else:
        os.chmod(tmp_path, 0o500)
    try:
        proc = await asyncio.create_subprocess_exec(
            *without_root_powers(), sys.executable, "-c", UNWRITABLE, str(path), cwd=ROOT,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        out, _ = await communicate(proc)
    finally:
        os.chmod(tmp_path, 0o700)
    assert said in out.decode(), out.decode()


async def test_a_file_that_is_not_a_database_says_so(tmp_path: Path) -> None:
    path = tmp_path / "garbage.db"
    path.write_bytes(os.urandom(8192))
    with pytest.raises(PersistenceError, match="not a database"):
        await SQLiteStore(path).open()


async def test_a_corrupt_page_is_a_persistence_error(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.db"
    async with SQLiteStore(path) as store:
        for seq in range(200):
            await store.append("a", seq, [os.urandom(200)])
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    pages = path.stat().st_size // 4096
    with path.open("r+b") as file:  # the journal's pages come last: the other tables are empty
        file.seek((pages - 4) * 4096)
        file.write(b"\xff" * 4096 * 3)
    async with SQLiteStore(path) as store:
        with pytest.raises(PersistenceError, match="corrupt"):
            [event async for event in store.read("a")]


DISK_FULL = """
import asyncio, resource, signal, sqlite3, sys
from actorkit.persistence import PersistenceError, SQLiteStore

def small_disk(*args, **kwargs):
    conn = connect(*args, **kwargs)
    conn.execute("PRAGMA max_page_count = 100")
    return conn

async def main(path, limit):
    async with SQLiteStore(path) as store:
        acknowledged = 0
        if limit == "file size":  # the OS refuses the write: an I/O error
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (400_000, 400_000))
        try:
            while True:
                await store.append("a", acknowledged * 3, [bytes(1000)] * 3)
                acknowledged += 1
        except PersistenceError as error:
            print(acknowledged)
            print(error)

connect = sqlite3.connect
if sys.argv[2] == "pages":  # SQLite's own "database or disk is full", as on a full disk
    sqlite3.connect = small_disk
asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


@UVLOOP_ONLY
@pytest.mark.parametrize(
    ("limit", "said"),
    [("pages", "disk is full"), ("file size", "disk I/O error (the disk refused a read or write")],
)
async def test_a_full_disk_fails_the_write_and_keeps_every_acknowledged_one(
    tmp_path: Path, limit: str, said: str
) -> None:
    path = tmp_path / "full.db"
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", DISK_FULL, str(path), limit, cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await communicate(proc)
    acknowledged, message = out.decode().strip().split("\n", 1)
    assert proc.returncode == 0, out.decode()
    assert said in message, message
    async with SQLiteStore(path) as store:
        assert await store.highest_seq("a") == int(acknowledged) * 3 > 0


@UVLOOP_ONLY
async def test_two_processes_on_one_file_are_fenced(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    await a_second_process_with_a_stale_view_is_refused(url)
    await two_processes_never_interleave(url)


async def test_an_emptied_schema_table_is_refused_as_damaged(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    async with SQLiteStore(path):
        pass
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("DELETE FROM actorkit_schema")
    with pytest.raises(PersistenceError, match=r"schema version -1.*damaged"):
        async with SQLiteStore(path):
            pass
