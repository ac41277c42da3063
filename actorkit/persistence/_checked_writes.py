"""The group commit's checked writes: appends planned against the latest sequence numbers
read in the batch's transaction (the careful path, after the optimistic insert was refused),
and states against their stored revisions. A stale write gets its `PersistenceConflict` and
writes nothing; the others' rows go in.

A state's row is written only over the revision this transaction read (none: a plain insert),
so a writer in another process that got there first, even one whose row did not exist yet
when it was read (no row to lock), makes the write a `WriteRace`, never an overwrite."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._conflicts import append_conflict, state_conflict

if TYPE_CHECKING:
    from ._batch import Transaction, Write


async def append_careful(tx: Transaction, appends: list[Write[Any]], now: float) -> None:
    """Reads each journal's latest sequence number first, so a stale append fails alone."""
    highest = await tx.highest(sorted({write.persistence_id for write in appends}))
    rows: list[tuple[str, int, float, bytes]] = []
    for write in appends:
        _plan_append(write, highest, now, rows)
    if rows:
        await tx.insert_events(rows)


async def save_states(tx: Transaction, states: list[Write[Any]]) -> None:
    revisions = await tx.revisions(sorted({write.persistence_id for write in states}))
    saved: dict[str, tuple[str, int, bytes, int]] = {}
    for write in states:
        _plan_state(write, revisions, saved)
    if saved:  # in id order, as the revisions were locked: two batches never wait in a cycle
        await tx.write_states(sorted(saved.values()))


async def save_others(tx: Transaction, batch: list[Write[Any]]) -> None:
    """The writes of a batch other than appends: states first (checked against their
    revisions), then snapshots and reminders."""
    states = [write for write in batch if write.state is not None]
    if states:
        await save_states(tx, states)
    for write in batch:
        if write.other is not None:
            write.outcome = await write.other(tx)


def _plan_append(
    write: Write[Any],
    highest: dict[str, int],
    now: float,
    rows: list[tuple[str, int, float, bytes]],
) -> None:
    pid, expected = write.persistence_id, write.expected
    latest = highest.get(pid, 0)
    if latest != expected:
        write.error = append_conflict(pid, expected, latest)
        return
    rows.extend((pid, expected + n, now, payload) for n, payload in enumerate(write.payloads, 1))
    highest[pid] = expected + len(write.payloads)
    write.outcome = now


def _plan_state(
    write: Write[Any], revisions: dict[str, int], saved: dict[str, tuple[str, int, bytes, int]]
) -> None:
    pid, expected = write.persistence_id, write.expected
    revision = revisions.get(pid, 0)
    if revision != expected:
        write.error = state_conflict(pid, expected, revision)
        return
    assert write.state is not None
    revisions[pid] = saved_revision = expected + 1
    earlier = saved.get(pid)  # an earlier save of the batch: the row still holds what was read
    read = revision if earlier is None else earlier[3]
    saved[pid] = (pid, saved_revision, write.state, read)
    write.outcome = saved_revision
