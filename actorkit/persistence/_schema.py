"""The rule both SQL stores apply to the schema version they find: a database written by another
version of actorkit (docs/persistence.md, "Schema"). Each store keeps its own version number."""

from __future__ import annotations

import re
from collections.abc import Collection

from .._errors import PersistenceError

NO_VERSION_COLUMN = object()
"""What a store finds in a table actorkit_schema without the version column actorkit's has."""


def needs_creating(found: object, where: str, version: int, upgrades: Collection[int] = ()) -> bool:
    """True for a database with no actorkit schema yet; PersistenceError for one this version
    of actorkit does not know how to read. A version in `upgrades` passes: the caller
    upgrades it (a writer) or reads it as it is (a reader)."""
    if found is None:
        return True
    if type(found) is not int:  # a table of that name that another program made
        what = "no version column" if found is NO_VERSION_COLUMN else f"version {found!r}"
        raise PersistenceError(
            f"{where} has a table actorkit_schema that is not actorkit's (it has {what}): use "
            "another file or database for the store, or rename that table"
        )
    if found != version and found not in upgrades:
        raise PersistenceError(
            f"{where} has actorkit schema version {found}, this actorkit reads version "
            f"{version}: "
            + ("upgrade actorkit to use it" if found > version else "the schema table is damaged")
        )
    return False


def check_readable(found: object, where: str, version: int, upgrades: Collection[int] = ()) -> None:
    """For a reader, which creates nothing: a database without the schema is a wrong path or
    another program's database, not an empty store."""
    if found is None:
        raise PersistenceError(f"{where} is not an actorkit store: no actorkit_schema table")
    needs_creating(found, where, version, upgrades)


def refuse_foreign_tables(names: list[str], where: str, place: str) -> None:
    """Tables of actorkit's `names` in a database without actorkit_schema are another
    program's: creating the schema would fail on the first, saying only that it exists."""
    if names:
        raise PersistenceError(
            f"{where} holds {', '.join(names)} but no actorkit_schema table: not actorkit's "
            f"tables; use another {place} for the store, or rename them"
        )


def table_names(schema: str) -> tuple[str, ...]:
    """The tables, views and triggers a store's schema script creates: the names
    `refuse_foreign_tables` checks."""
    return tuple(re.findall(r"CREATE (?:TABLE|VIEW|TRIGGER) (\w+)", schema))
