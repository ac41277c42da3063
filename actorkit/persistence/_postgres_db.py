"""The PostgreSQL side of the PostgresStore: its tables, its transactions and what its errors
mean. asyncpg is imported here, and this module only when a PostgresStore opens.

A batch reads the latest sequence numbers without locking (PostgreSQL's default READ
COMMITTED); a writer in another process that commits the same sequence number first makes the
insert fail on the primary key (`WriteRace`), and the group commit retries write by write.
States are read `FOR UPDATE`, so a concurrent save of an existing state waits and then sees
the other's revision. A state never saved has no row to lock: its first revision goes in with
a plain insert, which waits for a rival's uncommitted insert of the same id and then fails on
the primary key (`WriteRace`) instead of overwriting it.

An insert waits for another transaction's uncommitted row of the same key, so two processes'
batches that hold rows the other wants wait in a cycle (their writes to the same journals, in
different orders: no order of the rows prevents it, a batch inserts in up to three
statements). The server then rolls one of them back; that is the same race, lost, and is
retried as a `WriteRace`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager

import asyncpg
from asyncpg.pool import PoolAcquireContext

from .._errors import PersistenceError
from ._batch import WriteRace
from ._postgres_hints import hint as _hint
from ._postgres_schema import MADE, SCHEMA, TABLES, VERSION, refuse_changed_tables
from ._schema import NO_VERSION_COLUMN, check_readable, needs_creating, refuse_foreign_tables

_TAKEN = "SELECT name FROM unnest($1::text[]) AS name WHERE to_regclass(name) IS NOT NULL"
"""Which of actorkit's table names are taken (`to_regclass` looks where the store would create)."""

_JOURNAL_COLUMNS = tuple(column.name for column in MADE["actorkit_journal"].columns)
COPY_ROWS = 16
"""Rows from which a COPY costs less Python than an INSERT of arrays (about 12 measured)."""
COPY_BYTES = 2**19
"""What a COPY may send at most: asyncpg's COPY buffer. Past it, asyncpg waits for the socket
to take each buffer with no timeout, and for ever once it has dropped a connection whose
cancel request went unanswered (a server that stopped answering); an INSERT has none of
that wait. Each row takes 34 bytes besides its id (4 bytes a character at most) and payload."""

_SCHEMA_LOCK = 0x61637472  # an advisory lock id: one process creates the schema at a time
_ANY_TEXT = frozenset({"UTF8", "SQL_ASCII"})
"""Server encodings whose `text` holds any str a store takes: UTF-8, and SQL_ASCII, which
keeps the client's UTF-8 bytes as they are. Any other refuses some ids or keys."""


@contextmanager
def translated(place: str, doing: str) -> Iterator[None]:
    """Turns a driver or network error into a PersistenceError saying what failed and where."""
    try:
        yield
    except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError) as error:
        hint = _hint(error)
        text = str(error) or type(error).__name__
        raise PersistenceError(
            f"PostgreSQL store {place}: {doing} failed: {text}" + (f" ({hint})" if hint else "")
        ) from error


class PostgresTransaction:
    """One open write transaction, as the group commit uses it (`_group_commit.Transaction`)."""

    def __init__(self, conn: asyncpg.Connection, connections: Connections) -> None:
        self.conn = conn
        self.connections = connections

    async def highest(self, ids: Sequence[str]) -> dict[str, int]:
        rows = await self.conn.fetch(
            "SELECT p, (SELECT max(seq) FROM actorkit_journal WHERE persistence_id = p) "
            "FROM unnest($1::text[]) AS p",
            ids,
        )
        return {pid: seq for pid, seq in rows if seq is not None}

    async def revisions(self, ids: Sequence[str]) -> dict[str, int]:
        rows = await self.conn.fetch(
            "SELECT persistence_id, revision FROM actorkit_states "
            "WHERE persistence_id = ANY($1::text[]) FOR UPDATE",
            ids,
        )
        return dict(rows)

    async def insert_events(self, rows: Sequence[tuple[str, int, float, bytes]]) -> None:
        """A binary COPY: asyncpg encodes records with a third less Python work than arrays
        (each element of which it checks against three ABCs), and the server takes them
        faster. Below `COPY_ROWS` rows its second round trip costs more than that saves, and
        past `COPY_BYTES` the store's timeout would not bound it. PostgreSQL refuses COPY into
        a table with row-level security: the first refusal turns the store to INSERT for
        good, and the batch is retried (`WriteRace`)."""
        if len(rows) >= COPY_ROWS and self.connections.copy and _fits_a_copy(rows):
            try:
                await self.conn.copy_records_to_table(
                    "actorkit_journal", records=rows, columns=_JOURNAL_COLUMNS
                )
                return
            except asyncpg.FeatureNotSupportedError as error:
                self.connections.copy = False
                raise WriteRace(str(error)) from error
        ids, seqs, times, payloads = zip(*rows, strict=True)
        await self.conn.execute(
            "INSERT INTO actorkit_journal SELECT * FROM "
            "unnest($1::text[], $2::bigint[], $3::float8[], $4::bytea[])",
            ids,
            seqs,
            times,
            payloads,
        )

    async def insert_if_latest(self, rows: Sequence[tuple[str, int, float, bytes, int]]) -> int:
        ids, seqs, times, payloads, expected = zip(*rows, strict=True)
        status: str = await self.conn.execute(
            "INSERT INTO actorkit_journal SELECT r.p, r.s, r.t, r.b FROM unnest($1::text[], "
            "$2::bigint[], $3::float8[], $4::bytea[], $5::bigint[]) AS r(p, s, t, b, e) "
            "WHERE (SELECT true FROM actorkit_journal j "  # per row: never hashed
            "WHERE j.persistence_id = r.p AND j.seq = r.e)",
            ids,
            seqs,
            times,
            payloads,
            expected,
        )
        return int(status.rsplit(" ", 1)[-1])

    async def write_states(self, rows: Sequence[tuple[str, int, bytes, int]]) -> None:
        new = [row[:3] for row in rows if not row[3]]
        if new:
            await self.conn.execute(
                "INSERT INTO actorkit_states SELECT * FROM "
                "unnest($1::text[], $2::bigint[], $3::bytea[])",
                *zip(*new, strict=True),
            )
        old = [row for row in rows if row[3]]
        if old:
            status: str = await self.conn.execute(
                "UPDATE actorkit_states s SET revision = r.v, payload = r.b FROM unnest("
                "$1::text[], $2::bigint[], $3::bytea[], $4::bigint[]) AS r(p, v, b, o) "
                "WHERE s.persistence_id = r.p AND s.revision = r.o",
                *zip(*old, strict=True),
            )
            if int(status.rsplit(" ", 1)[-1]) != len(old):
                raise WriteRace("a state's revision changed since it was read")


def _fits_a_copy(rows: Sequence[tuple[str, int, float, bytes]]) -> bool:
    return sum(34 + 4 * len(pid) + len(payload) for pid, _, _, payload in rows) < COPY_BYTES


class Connections:
    """The store's pool, and how many of its connections its calls hold or wait for.

    Waiting for a connection while all are busy (on a lock, on a server that stopped
    answering) is a wait on the server too, so the store's timeout bounds it. asyncpg bounds
    an acquire only through `wait_for`, a task per call: it is asked for only when every
    connection is out, and a call that finds one free pays a comparison (the group commit's
    batches among them). The count is exact because nothing but these calls takes the
    pool's connections."""

    __slots__ = ("copy", "out", "pool", "size", "timeout")

    def __init__(self, pool: asyncpg.Pool, timeout: float) -> None:
        self.pool = pool
        self.size: int = pool.get_max_size()
        self.timeout = timeout
        self.out = 0
        self.copy = True
        """Until the server refuses a COPY into the journal (`PostgresTransaction`)."""

    def acquire(self) -> PoolAcquireContext:
        """For `async with`; the caller lowers `out` once it is done, however it ends. A
        timeout raises `TimeoutError`, which `translated` words as the statements' does."""
        bound = self.timeout if self.out >= self.size else None
        self.out += 1
        return self.pool.acquire(timeout=bound)


@asynccontextmanager
async def transaction(conn: asyncpg.Connection) -> AsyncIterator[None]:
    """`conn.transaction()`, but a block that failed as the server closed the connection (ended
    the session, shut down) raises its own error, not asyncpg's that it cannot roll back."""
    failure: BaseException | None = None
    try:
        async with conn.transaction():
            try:
                yield
            except BaseException as error:
                failure = error
                raise
    except asyncpg.InterfaceError:  # the rollback's; the server rolls back a session it ended
        if failure is None:
            raise
    if failure is not None:
        raise failure  # outside the handler: its context stays what it was


async def _schema_version(conn: asyncpg.Connection) -> object:
    """None without the schema table, -1 for an empty one; not an int in a table of that
    name that another program made (`NO_VERSION_COLUMN` if it lacks the column)."""
    if await conn.fetchval("SELECT to_regclass('actorkit_schema')") is None:
        return None
    try:
        found: object = await conn.fetchval("SELECT max(version) FROM actorkit_schema")
    except asyncpg.UndefinedColumnError:  # in a transaction, which the refusal rolls back
        return NO_VERSION_COLUMN
    return -1 if found is None else found


async def check_schema(pool: asyncpg.Pool, place: str) -> None:
    """For a reader: the schema must be there, in a version this actorkit reads, its tables
    as actorkit made them."""
    where = f"PostgreSQL store {place}"
    async with pool.acquire() as conn:
        found = await _schema_version(conn)
        if found is None and not await conn.fetchval("SELECT current_schemas(false)"):
            # A typo in the DSN's search_path, not a wrong database: say which to fix.
            raise PersistenceError(
                f"{where} is not an actorkit store: no actorkit_schema table, since the DSN's "
                "search_path names no schema that exists: fix options=-csearch_path%3D... in "
                "the DSN"
            )
        check_readable(found, where, VERSION)
        await refuse_changed_tables(conn, where)


async def open_for_writes(pool: asyncpg.Pool, place: str, writers: int) -> None:
    """Creates or checks the schema, and connects the group commit's `writers` connections
    now: connecting in its first batches' time would hold them up (about 5 ms each). No more
    than the pool has: one more would wait, with nothing to release one, for ever."""
    await create_or_check(pool, place)
    async with AsyncExitStack() as held:  # each goes back however it ends: the pool's close
        for _ in range(min(writers, pool.get_max_size())):  # waits for every one out
            await held.enter_async_context(pool.acquire())


async def create_or_check(pool: asyncpg.Pool, place: str) -> bool:
    """Creates the schema on first use (one process at a time), or checks its version and
    its tables (`refuse_changed_tables`)."""
    async with pool.acquire() as conn, transaction(conn):
        where = f"PostgreSQL store {place}"
        encoding = await conn.fetchval("SHOW server_encoding")
        if encoding not in _ANY_TEXT:
            raise PersistenceError(
                f"{where}: the database's encoding is {encoding}, whose text cannot hold every "
                "persistence id and reminder key the other stores take (a character outside "
                f"{encoding} would fail there alone): create the database with ENCODING 'UTF8' "
                "(CREATE DATABASE name ENCODING 'UTF8' TEMPLATE template0)"
            )
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _SCHEMA_LOCK)
        create = needs_creating(await _schema_version(conn), where, VERSION)
        if create:
            found = await conn.fetch(_TAKEN, TABLES)
            refuse_foreign_tables([row[0] for row in found], where, "database")
        else:
            await refuse_changed_tables(conn, where)
        for statement in SCHEMA if create else ():
            await conn.execute(statement)
        return create
