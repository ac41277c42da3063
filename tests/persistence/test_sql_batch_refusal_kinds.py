"""Which database errors count as a refusal of what a write writes (`Refused`), so that the
batch's writes are tried one transaction each and only the refused one fails, and which fail
the batch whole, untried again: those that any write alone would meet too (a lock or
statement timeout, a read-only server, a full disk, an I/O or internal failure, a session
ended). Each is raised by a trigger of the user's on the rows of "bad" only."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from pathlib import Path

import aiosqlite
import pytest

from actorkit.persistence import PersistenceError, PostgresStore, SQLiteStore

from .conftest import UVLOOP_ONLY
from .postgres_server import PostgresServer
from .refusing_triggers import attempts, refuse_rows

PIDS = ("a", "bad", "b")


async def _append_each(store: SQLiteStore | PostgresStore) -> list[object]:
    return await asyncio.gather(  # queued in one loop turn: one batch
        *(store.append(pid, 0, [b"1"]) for pid in PIDS),
        store.save_state("s", 0, b"state"),  # no batch of one statement: BEGIN ... COMMIT
        return_exceptions=True,
    )


@pytest.mark.parametrize(
    ("made", "body"),
    [
        ("", "SELECT json('not json')"),  # SQLITE_ERROR, at run time
        ("CREATE TABLE side (id INTEGER PRIMARY KEY)", "INSERT INTO side VALUES ('x')"),  # MISMATCH
        ("", "SELECT zeroblob(2000000000)"),  # SQLITE_TOOBIG, past the length limit
    ],
    ids=["error", "mismatch", "toobig"],
)
@UVLOOP_ONLY
async def test_sqlite_refusals_of_each_kind_fail_that_write_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, made: str, body: str
) -> None:
    async with SQLiteStore(tmp_path / "store.db") as store:
        await store.append("setup", 0, [b"0"])  # the schema
        with contextlib.closing(sqlite3.connect(store.path)) as conn, conn:
            if made:
                conn.execute(made)
            conn.execute(
                "CREATE TRIGGER refuse BEFORE INSERT ON actorkit_journal_tail "
                f"WHEN NEW.persistence_id = 'bad' BEGIN {body}; END"
            )
        tried = attempts(store, monkeypatch)
        a, bad, b, state = await _append_each(store)
        assert tried == [4, 1, 1, 1, 1], tried  # the batch, then each write alone
        assert isinstance(bad, PersistenceError), bad
        assert [type(result) for result in (a, b, state)] == [float, float, int], (a, b, state)
        assert [await store.highest_seq(pid) for pid in PIDS] == [1, 0, 1]


@UVLOOP_ONLY
async def test_sqlite_errors_any_write_would_meet_fail_the_batch_whole_untried_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read-only database (here the writer's own `query_only`): not a refusal of a write."""
    async with SQLiteStore(tmp_path / "store.db") as store:
        await store.append("setup", 0, [b"0"])
        commits = store._commits  # noqa: SLF001 - its writer connection, held by `_begin`
        assert commits is not None
        cells = commits._begin.__closure__ or ()  # noqa: SLF001
        [writer] = [
            c.cell_contents for c in cells if isinstance(c.cell_contents, aiosqlite.Connection)
        ]
        await writer.execute("PRAGMA query_only = 1")
        tried = attempts(store, monkeypatch)
        results = await _append_each(store)
        assert tried == [4], tried
        assert all(isinstance(result, PersistenceError) for result in results), results
        assert all("readonly" in str(result) for result in results), results
        await writer.execute("PRAGMA query_only = 0")
        assert [await store.highest_seq(pid) for pid in PIDS] == [0, 0, 0]


NOT_REFUSALS = {
    "57014": "query_canceled",  # statement_timeout: the session goes on, the write was cut
    "08006": "connection_failure",
    "55P03": "lock_not_available",  # lock_timeout
    "25006": "read_only_sql_transaction",
    "53100": "disk_full",
    "58030": "io_error",
    "XX000": "internal_error",
}


@pytest.mark.parametrize("code", list(NOT_REFUSALS), ids=list(NOT_REFUSALS.values()))
@UVLOOP_ONLY
async def test_postgres_errors_any_write_would_meet_fail_the_batch_whole_untried_again(
    postgres: PostgresServer, monkeypatch: pytest.MonkeyPatch, code: str
) -> None:
    async with PostgresStore(postgres.fresh()) as store:
        await store.append("setup", 0, [b"0"])  # the schema
        await refuse_rows(store, f"raised {code}", only="bad", code=code)
        tried = attempts(store, monkeypatch)
        results = await _append_each(store)
        assert tried == [4], tried  # no write tried again alone
        assert all(isinstance(result, PersistenceError) for result in results), results
        assert all(f"raised {code}" in str(result) for result in results), results
        assert [await store.highest_seq(pid) for pid in PIDS] == [0, 0, 0]
        assert await store.load_state("s") is None
