"""Store URLs, as the journal command line takes them: `sqlite:///relative.db`,
`sqlite:////absolute/path.db`, `postgresql://user@host:port/database` (or `postgres://`).

A sqlite URL's path is percent-decoded, as a URL's path is (RFC 3986), as asyncpg decodes a
PostgreSQL URL's parts and SQLAlchemy 2.1 a URL's database part: `sqlite:///my%20shop.db`
is the file `SQLiteStore("my shop.db")` writes, and a name with `%`, `?` or `#` in it is
written `%25`, `%3F`, `%23`. A byte that is not UTF-8 (`%E9`) is that byte of the file
name, as the file system hands names to Python."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from ._redact import without_secrets

if TYPE_CHECKING:
    from ._sql_store import SQLStore

_SQLITE = "sqlite:///"
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")
"""What RFC 3986 calls a scheme: anything else before a colon is part of a path."""
_POSTGRES = ("postgresql://", "postgres://")


def store_from_url(url: str) -> SQLStore[Any]:
    """An unopened store for `url`; ValueError saying what is wrong with a malformed one."""
    if type(url) is not str:
        raise TypeError(f"a store URL is a str, got {type(url).__name__}")
    scheme, colon, rest = url.partition(":")
    if colon and _SCHEME.fullmatch(scheme):  # case-insensitive, as RFC 3986 has it
        url = scheme.lower() + colon + rest
    shown = without_secrets(url)
    if url.startswith(_SQLITE):
        path = url[len(_SQLITE) :]
        if not path or path == "/":
            raise ValueError(
                f"store URL {shown!r} names no file: sqlite:///relative.db or "
                "sqlite:////absolute/path.db"
            )
        if "?" in path or "#" in path:
            raise ValueError(
                f"store URL {shown!r}: a sqlite URL takes no query or fragment; write a `?` "
                "or `#` of the file's name percent-encoded, as %3F or %23"
            )
        from ._sqlite import SQLiteStore

        return SQLiteStore(unquote(path, errors="surrogateescape"))
    if url.startswith("sqlite:"):
        raise ValueError(
            f"store URL {shown!r} is malformed: a sqlite URL has three slashes before a "
            "relative path (sqlite:///relative.db) and four before an absolute one "
            "(sqlite:////absolute/path.db)"
        )
    if url.startswith(_POSTGRES):
        from ._postgres import PostgresStore

        return PostgresStore(url)
    scheme = scheme if colon else ""
    raise ValueError(
        f"store URL {shown!r}: unknown scheme {scheme!r}; expected sqlite:///relative.db, "
        "sqlite:////absolute/path.db or postgresql://user@host:port/database"
    )
