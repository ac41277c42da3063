"""What to change, for the PostgreSQL store's errors whose cause a user can name: the hint
`_postgres_db.translated` adds to the server's or the driver's words."""

from __future__ import annotations

import asyncpg

_HINTS: list[tuple[type[BaseException], str]] = [
    (asyncpg.DiskFullError, "the server's disk is full; nothing of the failed write was kept"),
    (asyncpg.CannotConnectNowError, "the server is starting up or shutting down"),
    (asyncpg.ConnectionDoesNotExistError, "the server closed the connection: stopped?"),
    (
        asyncpg.InvalidPasswordError,
        "check the user and password in the DSN, or, for a DSN without a password, "
        "PGPASSWORD or the password file (~/.pgpass, or PGPASSFILE)",
    ),
    (
        asyncpg.InvalidAuthorizationSpecificationError,  # after its subclass, the password's
        "check the user in the DSN (and that the server's pg_hba.conf lets it in)",
    ),
    (
        asyncpg.InvalidSchemaNameError,
        "the DSN's search_path names no schema that exists and the user may use: create it "
        "(CREATE SCHEMA name AUTHORIZATION user) or fix options=-csearch_path%3D... in the DSN",
    ),
    (
        asyncpg.InsufficientPrivilegeError,
        "the DSN's user lacks a privilege on actorkit's schema or tables: GRANT it (CREATE on "
        "the schema to create them; SELECT, INSERT, UPDATE, DELETE on them), or connect as "
        "their owner",
    ),
    (asyncpg.InvalidCatalogNameError, "the database does not exist"),
    (ConnectionRefusedError, "is the server running, and on that host and port?"),
    (
        TimeoutError,  # before OSError, its base class
        "the server did not answer within the store's timeout: a lock another session holds, "
        "or a server that stopped answering? PostgresStore(dsn, timeout=...) sets it",
    ),
    (OSError, "the server cannot be reached"),
]


def hint(error: BaseException) -> str | None:
    """What to change, for the errors whose cause a user can name. asyncpg passes a URL's
    query fields it does not know (libpq's `connect_timeout`) to the server as settings."""
    if isinstance(error, asyncpg.UndefinedObjectError) and str(error).startswith(
        "unrecognized configuration parameter"
    ):
        return (
            "a query field of the DSN that neither asyncpg nor the server knows: remove it from "
            "the DSN (the store's timeout is PostgresStore(dsn, timeout=...))"
        )
    return next((hint for kind, hint in _HINTS if isinstance(error, kind)), None)
