"""The tables a SQLite store finds, read in one query of the catalog (`PRAGMA table_list`,
`table_info`, `index_list` and `index_info`, as table-valued functions), against those its
schema script makes, read by the same query from the script run in memory once a process: the
script stays the one description of the schema (`_schema_shape`)."""

from __future__ import annotations

import contextlib
import functools
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import aiosqlite

from .._thread_turns import to_thread
from ._schema import table_names
from ._schema_shape import Column, Shape, refuse_changed

_CATALOG = (
    'SELECT m.name, m.type, m.sql, l.strict, l.wr, c.cid, c.name, c.type, c."notnull", c.pk '
    "FROM sqlite_master AS m LEFT JOIN pragma_table_list(m.name) AS l ON l.schema = 'main' "
    "LEFT JOIN pragma_table_info(m.name) AS c ON m.type = 'table' WHERE m.name IN ({0}) "
    "UNION ALL SELECT m.name, NULL, x.name, NULL, NULL, i.seqno, i.name, NULL, NULL, NULL "
    "FROM sqlite_master AS m, pragma_index_list(m.name) AS x, pragma_index_info(x.name) AS i "
    "WHERE m.type = 'table' AND m.name IN ({0}) AND x.\"unique\" AND NOT x.partial"
)
"""A row per column of each table, one per trigger or view (its text), and one per column of
each unique index (kind NULL, the index's name in place of the text)."""


async def refuse_changed_tables(
    conn: aiosqlite.Connection, where: str, statements: tuple[str, ...]
) -> None:
    """PersistenceError when the file's tables are not what `statements` (a version's schema)
    make, read before anything is written."""
    names = table_names("\n".join(statements))
    made = await to_thread(_made, statements)
    rows = await conn.execute_fetchall(_query(len(names)), names + names)
    refuse_changed(made, _shapes(rows), where, "file")


@functools.cache
def _made(statements: tuple[str, ...]) -> Mapping[str, Shape]:
    names = table_names("\n".join(statements))
    with contextlib.closing(sqlite3.connect(":memory:")) as conn:
        for statement in statements:
            conn.execute(statement)
        return _shapes(conn.execute(_query(len(names)), names + names).fetchall())


def _query(count: int) -> str:
    return _CATALOG.format(",".join("?" * count))


def _shapes(rows: Iterable[Sequence[Any]]) -> dict[str, Shape]:
    objects: dict[str, tuple[str, str | None, frozenset[str]]] = {}
    columns: dict[str, list[tuple[int, int, Column]]] = {}
    indexes: dict[tuple[str, str], list[tuple[int, str | None]]] = {}
    for name, kind, sql, strict, wr, cid, column, declared, not_null, pk in rows:
        if kind is None:
            indexes.setdefault((name, sql), []).append((cid, column))
            continue
        options = frozenset(o for o, on in (("STRICT", strict), ("WITHOUT ROWID", wr)) if on)
        objects[name] = (kind, sql if kind in ("trigger", "view") else None, options)
        if column is not None:
            # SQLite reads a declared type without regard to case: so does the comparison
            kept = Column(column, declared.upper(), bool(not_null))
            columns.setdefault(name, []).append((cid, pk, kept))
    unique: dict[str, set[tuple[str, ...]]] = {}
    for (name, _), parts in indexes.items():
        unique_key = tuple(part or "(an expression)" for _, part in sorted(parts))
        unique.setdefault(name, set()).add(unique_key)
    shapes = {}
    for name, (kind, sql, options) in objects.items():
        found = sorted(columns.get(name, []), key=lambda entry: entry[0])
        primary = sorted((pk, column.name) for _, pk, column in found if pk)
        shapes[name] = Shape(
            kind,
            tuple(column for _, _, column in found),
            tuple(part for _, part in primary),
            frozenset(unique.get(name, ())),
            options,
            sql,
        )
    return shapes
