"""The shape of the tables a SQL store finds when it opens, against the one it made: a table
changed by hand (a column dropped, renamed or of another type, a key lost, a table remade by
another program) would otherwise fail at the first write, minutes later and deep in a
persist, or silently lose the uniqueness that detects a second writer (docs/persistence.md,
"Schema"). Each store reads its catalog into these records; the comparison is shared."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .._errors import PersistenceError


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: str
    not_null: bool
    optional: bool = False
    """A column of the database's own that an insert may leave out: PostgreSQL's inserts fill
    actorkit's columns by position and leave the others their default or NULL; SQLite's give
    every column a value, so no column there is optional."""


@dataclass(frozen=True, slots=True)
class Shape:
    kind: str
    """"table", "view", "trigger", or whatever else holds the name."""
    columns: tuple[Column, ...] = ()
    primary: tuple[str, ...] = ()
    unique: frozenset[tuple[str, ...]] = frozenset()
    """The columns of each unique index checked at each insert, the primary key's too."""
    options: frozenset[str] = frozenset()
    sql: str | None = None
    """A trigger's or a view's text, compared whole: it is actorkit's own code."""


def refuse_changed(
    made: Mapping[str, Shape], found: Mapping[str, Shape], where: str, place: str
) -> None:
    """PersistenceError naming every difference from `made` (by table, in its order), and
    what to do. Columns, unique keys and tables of the database's own are no concern, as
    long as actorkit's writes work beside them."""
    faults = []
    for name, shape in made.items():
        got = found.get(name)
        if got is None:
            faults.append(f"{name} is missing")
        elif got.kind != shape.kind:
            faults.append(f"{name} is {_a(got.kind)}, not {_a(shape.kind)}")
        elif differences := _differences(shape, got):
            faults.append(f"{name}: {', '.join(differences)}")
    if faults:
        raise PersistenceError(
            f"{where}: actorkit's tables differ from what actorkit made ({'; '.join(faults)}), "
            'which its writes and reads rely on: restore them as docs/persistence.md ("Schema") '
            f"describes (from a backup, say), or point the store at another {place}"
        )


def _differences(made: Shape, found: Shape) -> list[str]:
    names = [column.name for column in made.columns]
    have = {column.name: column for column in found.columns}
    said = []
    for column in made.columns:
        got = have.get(column.name)
        if got is None:
            said.append(f"no column {column.name}")
            continue
        if got.type != column.type:
            said.append(f"column {column.name} is {got.type}, not {column.type}")
        if got.not_null != column.not_null:
            said.append(f"column {column.name} is {_null(got)}, not {_null(column)}")
    said += [
        f"a column {column.name} of its own, which actorkit's inserts cannot leave out"
        for column in found.columns
        if column.name not in names and not column.optional
    ]
    order = tuple(column.name for column in found.columns[: len(names)])
    if set(names) <= have.keys() and order != tuple(names):  # inserts fill them by position
        said.append(f"columns in the order {_listed(found.columns)}, not {_listed(made.columns)}")
    if made.primary and found.primary != made.primary:
        mine = _columns(made.primary)
        said.append(
            f"primary key on {_columns(found.primary)}, not {mine}"
            if found.primary
            else f"no primary key on {mine}"
        )
    said += [
        f"no unique key on {_columns(key)}"
        for key in sorted(made.unique - {made.primary} - found.unique)
    ]
    said += [f"not {option}" for option in sorted(made.options - found.options)]
    said += [f"{option}, unlike actorkit's" for option in sorted(found.options - made.options)]
    if made.sql is not None and found.sql != made.sql:
        said.append("its SQL differs from actorkit's")
    return said


def _null(column: Column) -> str:
    return "NOT NULL" if column.not_null else "nullable"


def _listed(columns: tuple[Column, ...]) -> str:
    return _columns(tuple(column.name for column in columns))


def _columns(names: tuple[str, ...]) -> str:
    return f"({', '.join(names)})"


def _a(kind: str) -> str:
    return f"{'an' if kind[:1] in tuple('aeiou') else 'a'} {kind}"
