"""`PostgresStore`: a PostgreSQL server shared by many processes, through an asyncpg pool.

asyncpg loads when the store opens, so `import actorkit.persistence` does not pay for it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .._exact import exact_str
from .._seconds import check_seconds
from ._group_commit import GroupCommit
from ._redact import without_secrets
from ._sql_store import Queries, SQLStore

if TYPE_CHECKING:
    import asyncpg

    from ._postgres_db import Connections, PostgresTransaction

POOL_SIZE = 8
"""Connections at most: `CONCURRENCY` write (the group commit's batches), the others read."""
CONCURRENCY = 2
"""Batches in flight at once: while one commits, the callers of the other run and queue the
next (2 measured best on 2 cores, docs/persistence.md)."""

TIMEOUT = 30.0
"""Seconds a statement may wait for the server by default: ample for a batch (`MAX_BATCH_BYTES`)."""
CONNECT_TIMEOUT = 10.0
"""Seconds connecting may take at most (less when the store's timeout is shorter)."""


def _page(where: str, limit: str, size: str) -> str:
    """A page of events: up to `limit`, and while the bytes before each are under `size`.
    Where it ends is found from the events' sizes first (`octet_length` reads a value's
    size, not the value), with a running sum only when the page is too large (it spools
    every row: it doubled the query's time), so that only the events up to there are read."""
    sizes = (
        f"(SELECT seq, octet_length(payload) AS n FROM actorkit_journal WHERE {where} "
        f"ORDER BY seq LIMIT {limit})"
    )
    last = (
        f"(SELECT CASE WHEN sum(n) < {size} THEN max(seq) ELSE (SELECT max(seq) FROM (SELECT "
        "seq, sum(n) OVER (ORDER BY seq ROWS UNBOUNDED PRECEDING) - n AS before FROM "
        f"{sizes} AS r) AS b WHERE before < {size}) END FROM {sizes} AS a)"
    )
    return f"SELECT seq, time, payload FROM actorkit_journal WHERE {where} AND seq <= {last}"


_QUERIES = Queries(
    read_page=_page("persistence_id = $1 AND seq >= $2", "$3", "$4") + " ORDER BY seq",
    highest="SELECT max(seq) FROM actorkit_journal WHERE persistence_id = $1",
    load_snapshot="SELECT seq, payload FROM actorkit_snapshots WHERE persistence_id = $1",
    save_snapshot="INSERT INTO actorkit_snapshots VALUES ($1, $2, $3) "
    "ON CONFLICT (persistence_id) DO UPDATE SET seq = excluded.seq, payload = excluded.payload "
    "WHERE excluded.seq >= actorkit_snapshots.seq",
    load_state="SELECT revision, payload FROM actorkit_states WHERE persistence_id = $1",
    put_reminder="INSERT INTO actorkit_reminders VALUES ($1, $2, $3, $4, $5) "
    "ON CONFLICT (persistence_id, key) DO UPDATE SET due = excluded.due, "
    "every = excluded.every, payload = excluded.payload",
    delete_reminder="DELETE FROM actorkit_reminders WHERE persistence_id = $1 AND key = $2",
    reminders="SELECT key, due, every, payload FROM actorkit_reminders "
    'WHERE persistence_id = $1 ORDER BY key COLLATE "C"',  # by code point, as the other stores
    recover_journal="WITH s AS (SELECT seq, payload FROM actorkit_snapshots WHERE "
    "persistence_id = $1) SELECT 0, seq, NULL::float8, NULL::float8, NULL::text, payload FROM s "
    "UNION ALL SELECT 1, seq, time, NULL, NULL, payload FROM ("
    + _page("persistence_id = $1 AND seq > coalesce((SELECT seq FROM s), 0)", "$2", "$3")
    + ") AS e "
    "UNION ALL SELECT 3, NULL, due, every, key, payload FROM actorkit_reminders "
    "WHERE persistence_id = $1 UNION ALL SELECT 4, NULL, NULL, NULL, NULL, NULL "
    "FROM actorkit_states WHERE persistence_id = $1 UNION ALL SELECT 5, (SELECT max(seq) FROM "
    "actorkit_journal WHERE persistence_id = $1), NULL, NULL, NULL, NULL FROM s",
    recover_state="SELECT 2, revision, NULL::float8, NULL::float8, NULL::text, payload FROM "
    "actorkit_states WHERE persistence_id = $1 UNION ALL SELECT 3, NULL, due, every, key, "
    "payload FROM actorkit_reminders WHERE persistence_id = $1 UNION ALL SELECT 4, NULL, NULL, "
    "NULL, NULL, NULL WHERE EXISTS (SELECT FROM actorkit_journal WHERE persistence_id = $1) "
    "OR EXISTS (SELECT FROM actorkit_snapshots WHERE persistence_id = $1)",
)


class PostgresStore(SQLStore["PostgresTransaction"]):
    """`dsn` is a libpq URL (`postgresql://user:password@host:port/database`); the schema's
    tables are created in the database's default schema on first use.

    `timeout` bounds every wait on the server: a statement still waiting after it (on a lock
    another session holds, on a server that stopped answering) is cancelled and its call fails
    with `PersistenceError`; so does waiting for a connection of the pool while all are
    busy, and connecting gives up after it too (after 10 s at most). For statements it is
    asyncpg's `command_timeout`, enforced by the client: it works through any pooler and ends
    the wait on a server that answers nothing, which a server-side `statement_timeout` cannot."""

    queries = _QUERIES

    def __init__(self, dsn: str, *, timeout: float = TIMEOUT) -> None:
        super().__init__()
        if isinstance(dsn, str):
            dsn = exact_str(dsn)  # parsed and kept: no method of a subclass runs
        if type(dsn) is not str or not dsn.startswith(("postgresql://", "postgres://")):
            got = without_secrets(dsn) if type(dsn) is str else type(dsn).__name__
            raise ValueError(f"PostgresStore needs a postgresql:// URL, got {got!r}")
        _check_text(dsn)
        _check_hosts(dsn)
        self.timeout: float = check_seconds(timeout, "PostgresStore timeout")
        self.dsn = dsn
        self._place = _place(dsn)
        """host:port/database, without the password: what messages name."""
        self._pool: Connections | None = None

    def __repr__(self) -> str:
        return f"PostgresStore({self._place!r})"

    async def _connect(self) -> GroupCommit[PostgresTransaction]:
        from ._postgres_commit import write_transaction
        from ._postgres_db import Connections, open_for_writes

        place = self._place
        prepare = partial(open_for_writes, writers=CONCURRENCY)
        pool = await self._checked_pool(
            prepare, {}, "creating or checking the schema and connecting the writers"
        )
        connections = self._pool = Connections(pool, self.timeout)
        return GroupCommit(
            lambda alone: write_transaction(connections, place, alone),
            self._observe,
            concurrency=CONCURRENCY,
        )

    async def _connect_read_only(self) -> None:
        from ._postgres_db import Connections, check_schema

        read_only = {"default_transaction_read_only": "on"}  # the server refuses any write
        pool = await self._checked_pool(check_schema, read_only, "checking the schema")
        self._pool = Connections(pool, self.timeout)

    async def _checked_pool(
        self,
        check: Callable[[asyncpg.Pool, str], Awaitable[object]],
        settings: dict[str, str],
        doing: str,
    ) -> asyncpg.Pool:
        """`doing` is what a failure's message says was tried: a read-only open never speaks
        of creating the schema."""
        import asyncpg

        from ._postgres_db import translated

        place = self._place
        with translated(place, "connecting"):
            # min_size=0: connections on demand, no background loop reconnecting (and logging
            # tracebacks) while the server is down; the schema check connects at once anyway
            pool = await asyncpg.create_pool(
                self.dsn,
                min_size=0,
                max_size=POOL_SIZE,
                timeout=min(CONNECT_TIMEOUT, self.timeout),
                command_timeout=self.timeout,
                reset=_nothing_to_reset,
                server_settings=settings,
                init=self._watch,
            )
        try:
            with translated(place, doing):
                await check(pool, place)
        except BaseException:
            await pool.close()
            raise
        return pool

    async def _watch(self, connection: asyncpg.Connection) -> None:
        """Each connection the pool makes: when it ends, the store forgets the journals'
        latest sequence numbers it remembered. A server restored from a backup (which
        restarts it, ending every session) may hold older journals than that: a plain
        insert after the latest number remembered would leave a gap, where the checked one
        finds the journal went back and refuses the write. Sessions ending is the one sign
        of a restore that costs the writes nothing; a connection also ends when idle
        (asyncpg closes it after 5 minutes), which costs a checked insert once a journal."""
        connection.add_termination_listener(self._ended)

    def _ended(self, connection: object) -> None:
        if self._commits is not None:
            self._commits.forget_heads()

    async def _disconnect(self) -> None:
        connections, self._pool = self._pool, None
        if connections is not None:
            # Every write has been drained. A server that does not answer the goodbye within
            # the timeout makes asyncpg drop the connections (terminate) and raise: closed all
            # the same, and the server ends those sessions on its own.
            with contextlib.suppress(Exception):
                await connections.pool.close()

    async def _fetch(self, query: str, *args: object) -> Sequence[Sequence[Any]]:
        from ._postgres_db import translated

        connections = self._pool
        assert connections is not None, "reads wait for open()"
        try:
            with translated(self._place, "a read"):
                async with connections.acquire() as conn:
                    rows: Sequence[Sequence[Any]] = await conn.fetch(query, *args)
                    return rows
        finally:
            connections.out -= 1

    @staticmethod
    async def _execute(tx: PostgresTransaction, query: str, *args: object) -> int:
        status: str = await tx.conn.execute(query, *args)
        return int(status.rsplit(" ", 1)[-1])


def _check_text(dsn: str) -> None:
    """What no connection can carry, refused here: at open, a NUL (or `%00`, which asyncpg
    decodes to one) ended the user, database or password early, which the server refused as
    a malformed startup packet or took as a shorter password, and a lone surrogate failed
    inside asyncpg with an AttributeError."""
    if "\x00" in dsn or "%00" in dsn:
        raise ValueError(
            f"PostgresStore: the URL {_place(dsn)!r} holds a NUL ('\\x00' or %00), which no "
            "user, password or database name can contain: remove it"
        )
    try:
        dsn.encode()
    except UnicodeEncodeError:
        raise ValueError(
            f"PostgresStore: the URL {_place(dsn)!r} must be text UTF-8 can encode (no lone "
            "surrogate such as '\\udcff', which undecodable bytes of a command line become): "
            "percent-encode the UTF-8 bytes of the name instead"
        ) from None


def _check_hosts(dsn: str) -> None:
    """A DSN that asyncpg cannot parse (an unclosed IPv6 bracket, a port that is not a number
    from 0 to 65535, in any of its comma-separated hosts) is refused here, not at open. So is
    a user or password that ends the host part early with an unencoded `/`, `?` or `#`, or
    holds an unencoded `@`: asyncpg would take a piece of it for a host (and look it up), a
    port or a query, and quote it in its error."""
    try:
        netloc = urlsplit(dsn).netloc
        hosts = netloc.rpartition("@")[2]
    except ValueError as error:
        raise ValueError(
            f"PostgresStore: the URL is malformed ({error}): {_place(dsn)!r}"
        ) from None
    if netloc.count("@") > 1:  # asyncpg ends the user and password at the first one
        raise ValueError(
            f"PostgresStore: the user or password in {_place(dsn)!r} holds an unencoded '@': "
            "percent-encode it (%40)"
        )
    after = dsn.partition("://")[2][len(netloc) :].rpartition("@")[0]
    if "@" not in netloc and after and "=" not in after:  # `?user=me@corp` is a query
        raise ValueError(
            f"PostgresStore: the user or password in {_place(dsn)!r} holds an unencoded '/', "
            "'?' or '#': percent-encode it (%2F, %3F, %23)"
        )
    for host in hosts.split(","):
        port = host.rpartition("]")[2] if host.startswith("[") else host
        port = port.partition(":")[2] if not host.startswith("/") else ""
        if port and not (port.isdigit() and port.isascii() and int(port) <= 65535):
            raise ValueError(
                f"PostgresStore: port {port!r} in {_place(dsn)!r} must be a number from 0 to "
                "65535, as in postgresql://user@host:5432/database"
            )


def _place(dsn: str) -> str:
    """host:port/database, from the URL `without_secrets`."""
    shown = without_secrets(dsn)
    try:
        parts = urlsplit(shown)
        return f"{parts.hostname or 'localhost'}:{parts.port or 5432}{parts.path or '/'}"
    except ValueError:  # a port that is not a number: refused by `_check_hosts`
        return shown.partition("://...@")[2] or shown


async def _nothing_to_reset(connection: object) -> None:
    """The store leaves no session state on a connection (no LISTEN, SET, cursor or session
    lock; its one advisory lock is transaction-scoped), so a connection going back to the pool
    needs no reset query: one server round trip fewer per write. asyncpg itself still rolls
    back a transaction left open."""
