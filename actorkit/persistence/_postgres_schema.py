"""The PostgreSQL store's tables, declared once: the statements that create them are written
from the declaration, and a database the store finds is checked against it (`_schema_shape`)
in one query of the catalog, where the store's queries find the tables (`to_regclass`, along
the connection's `search_path`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ._schema_shape import Column, Shape, refuse_changed

if TYPE_CHECKING:
    import asyncpg

VERSION = 1
"""Version 1: journal, snapshots, states, reminders (tables prefixed `actorkit_`)."""

_ID = Column("persistence_id", "text", not_null=True)
_PAYLOAD = Column("payload", "bytea", not_null=True)
_SEQ = Column("seq", "bigint", not_null=True)
_SECONDS = "double precision"

MADE = {
    "actorkit_schema": Shape("table", (Column("version", "integer", not_null=True),)),
    "actorkit_journal": Shape(
        "table",
        (_ID, _SEQ, Column("time", _SECONDS, not_null=True), _PAYLOAD),
        primary=("persistence_id", "seq"),
    ),
    "actorkit_snapshots": Shape("table", (_ID, _SEQ, _PAYLOAD), primary=("persistence_id",)),
    "actorkit_states": Shape(
        "table",
        (_ID, Column("revision", "bigint", not_null=True), _PAYLOAD),
        primary=("persistence_id",),
    ),
    "actorkit_reminders": Shape(
        "table",
        (
            _ID,
            Column("key", "text", not_null=True),
            Column("due", _SECONDS, not_null=True),
            Column("every", _SECONDS, not_null=False),
            _PAYLOAD,
        ),
        primary=("persistence_id", "key"),
    ),
}
"""What the queries rely on: the columns (the inserts fill them by position), and each
primary key: the journal's detects a second writer of a journal, the states' a second first
revision, and the snapshots' and reminders' are what their upserts' ON CONFLICT names."""


def _create(name: str, shape: Shape) -> str:
    parts = [
        f"{column.name} {column.type}" + (" NOT NULL" if column.not_null else "")
        for column in shape.columns
    ]
    if shape.primary:
        parts.append(f"PRIMARY KEY ({', '.join(shape.primary)})")
    return f"CREATE TABLE {name} ({', '.join(parts)})"


SCHEMA = [
    *(_create(name, shape) for name, shape in MADE.items()),
    f"INSERT INTO actorkit_schema VALUES ({VERSION})",
]
TABLES = list(MADE)

_CATALOG = """SELECT t.name, c.relkind::text, a.attnum::int, a.attname::text,
    format_type(a.atttypid, a.atttypmod), a.attnotnull,
    a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> ''
FROM unnest($1::text[]) AS t(name)
JOIN pg_class AS c ON c.oid = to_regclass(t.name)
LEFT JOIN pg_attribute AS a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
UNION ALL
SELECT t.name, NULL, x.indnkeyatts::int, x.indkey::text, NULL, x.indisprimary, NULL
FROM unnest($1::text[]) AS t(name)
JOIN pg_index AS x ON x.indrelid = to_regclass(t.name)
WHERE x.indisunique AND x.indimmediate AND x.indisvalid AND x.indpred IS NULL"""
"""A row per column of each table, and one per unique index that every insert checks (not
deferred, not partial): kind NULL, its key's column numbers (`indkey`, 0 for an expression)
in place of the column's name, how many of them are the key (the others are INCLUDE'd) in
place of its number, and whether it is the primary key in place of NOT NULL. Naming the key's
columns here from the table's rows, not in the query, halved the query's planning time."""

_KINDS = {
    "r": "table",
    "p": "table",  # partitioned: the queries work on it as on any table
    "v": "view",
    "m": "materialized view",
    "f": "foreign table",
    "S": "sequence",
    "i": "index",
    "I": "index",
    "c": "composite type",
}


async def refuse_changed_tables(conn: asyncpg.Connection, where: str) -> None:
    """PersistenceError when the tables the store's queries would use are not what it made."""
    rows = await conn.fetch(_CATALOG, TABLES)
    refuse_changed(
        MADE,
        _shapes(rows),
        where,
        "database or schema (options=-csearch_path%3D... in the DSN)",
    )


def _shapes(rows: Iterable[Sequence[Any]]) -> dict[str, Shape]:
    kinds: dict[str, str] = {}
    columns: dict[str, dict[int, Column]] = {}
    indexes: list[tuple[str, list[str], bool]] = []
    for name, kind, number, column, type_, not_null, defaulted in rows:
        if kind is None:
            indexes.append((name, column.split()[:number], not_null))
            continue
        kinds[name] = _KINDS.get(kind, f"relation of kind {kind}")
        if column is not None:
            optional = not not_null or bool(defaulted)
            columns.setdefault(name, {})[number] = Column(column, type_, not_null, optional)
    primary: dict[str, tuple[str, ...]] = {}
    for name, numbers, is_primary in indexes:
        if is_primary:  # `MADE` declares no other unique key to look for
            named = columns.get(name, {})
            primary[name] = tuple(
                named[int(n)].name if int(n) in named else "(an expression)" for n in numbers
            )
    return {
        name: Shape(
            kind,
            tuple(column for _, column in sorted(columns.get(name, {}).items())),
            primary.get(name, ()),
        )
        for name, kind in kinds.items()
    }
