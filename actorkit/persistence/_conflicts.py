"""The `PersistenceConflict` a fenced write gets, saying why its expectation no longer holds:
another writer got there first, or the journal went back under it."""

from __future__ import annotations

from .._errors import PersistenceConflict


def append_conflict(persistence_id: str, expected_seq: int, highest: int) -> PersistenceConflict:
    if highest < expected_seq:  # a journal only grows: this writer saw events no longer there
        return PersistenceConflict(
            f"{persistence_id!r}: expected sequence number {expected_seq}, the journal is at "
            f"{highest}: it went back (its later events removed, or the database restored "
            "from an older backup while this writer ran); nothing was written. A restarted "
            "actor recovers from the journal as it is now; stop every system on a store "
            "before restoring it"
        )
    return PersistenceConflict(
        f"{persistence_id!r}: expected sequence number {expected_seq}, the journal is at "
        f"{highest} (another writer of this persistence id got there first)"
    )


def state_conflict(persistence_id: str, expected: int, revision: int) -> PersistenceConflict:
    return PersistenceConflict(
        f"{persistence_id!r}: expected state revision {expected}, the store has {revision} "
        "(another writer of this persistence id got there first)"
    )


def race_conflict(persistence_id: str) -> PersistenceConflict:
    return PersistenceConflict(
        f"{persistence_id!r}: another writer of this persistence id committed first"
    )
