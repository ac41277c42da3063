"""The `PersistenceConflict` a fenced write gets, saying why its expectation no longer holds:
another writer got there first, or the journal or state went back under it."""

from __future__ import annotations

from .._errors import PersistenceConflict


def append_conflict(persistence_id: str, expected_seq: int, highest: int) -> PersistenceConflict:
    said = (
        f"{persistence_id!r}: expected sequence number {expected_seq}, the journal is at {highest}"
    )
    return _conflict(said, highest < expected_seq, "its later events removed", "journal")


def state_conflict(persistence_id: str, expected: int, revision: int) -> PersistenceConflict:
    said = f"{persistence_id!r}: expected state revision {expected}, the store has {revision}"
    return _conflict(said, revision < expected, "its row changed or removed", "state")


def _conflict(said: str, went_back: bool, removed: str, what: str) -> PersistenceConflict:
    """Journals and revisions only grow: one behind what its writer saw went back, which no
    other writer does."""
    if went_back:
        return PersistenceConflict(
            f"{said}: it went back ({removed}, or the database restored from an older backup "
            "while this writer ran); nothing was written. A restarted actor recovers from the "
            f"{what} as it is now; stop every system on a store before restoring it"
        )
    return PersistenceConflict(f"{said} (another writer of this persistence id got there first)")


def race_conflict(persistence_id: str) -> PersistenceConflict:
    return PersistenceConflict(
        f"{persistence_id!r}: another writer of this persistence id committed first"
    )
