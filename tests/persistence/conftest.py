"""Stores for the conformance suite. Fixtures hand out plain objects: `make_store` builds a
new, unopened store on the test's own database each time it is called (tests open it inside
their body, on their own loop); `make` does the same for the durable-actor tests, each call on
the same data; `postgres` is the session's PostgreSQL server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from actorkit.persistence import MemoryStore, PostgresStore, SQLiteStore, Store, _sqlite_db

from .durable_support import KINDS, MakeStore, ShippedStore, store_maker
from .postgres_server import PostgresServer

__all__ = ["MakeSQLStore", "MakeStore", "ShippedSQLStore", "ShippedStore"]

ShippedSQLStore = SQLiteStore | PostgresStore
MakeSQLStore = Callable[[], ShippedSQLStore]

UVLOOP_ONLY = pytest.mark.asyncio(loop_factories=["uvloop"])
"""For tests that drive other processes or a server: the loop under test is not what matters."""

STORES = ["memory", "sqlite", "postgres"]
SQL_STORES = ["sqlite", "postgres"]


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    try:
        server = PostgresServer()
        server.start()
    except RuntimeError as error:
        pytest.fail(str(error), pytrace=False)
    try:
        yield server
    finally:
        server.remove()


def _sql_factory(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> MakeSQLStore:
    if kind == "sqlite":
        return lambda: SQLiteStore(tmp_path / "store.db")
    server: PostgresServer = request.getfixturevalue("postgres")
    dsn = server.fresh()
    return lambda: PostgresStore(dsn)


@pytest.fixture(params=STORES)
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> MakeStore:
    if request.param == "memory":
        return MemoryStore
    return _sql_factory(request.param, request, tmp_path)


@pytest.fixture(params=SQL_STORES)
def make_sql_store(request: pytest.FixtureRequest, tmp_path: Path) -> MakeSQLStore:
    """Two calls give two store objects on one database."""
    return _sql_factory(request.param, request, tmp_path)


@pytest.fixture(params=KINDS)
def make(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], Store]:
    """The durable-actor tests' stores (`durable_support.store_maker`): each call a new store
    object on the test's own data, as a restarted process would open it."""
    return store_maker(request, tmp_path)


@pytest.fixture
def merge_often(monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite's journal tail moved into the journal every 3 rows a writer adds, so that moves
    happen in a few calls and meet what a test throws at the store."""
    monkeypatch.setattr(_sqlite_db, "MERGE_ROWS", 3)
