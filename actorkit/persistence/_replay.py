"""An `EventSourced` recovery's replay: the events its one recovery read returned, then, for a
journal longer than that read returns, the rest streamed from the store, a page at a time."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .._errors import PersistenceError
from ._binding import Binding
from ._service import store_failure
from ._store import StoredEvent


async def replay(
    apply: Callable[[Any], None],
    binding: Binding,
    seq: int,
    first: Sequence[StoredEvent],
    read_on_from: int | None,
) -> int:
    """Applies `first`, then the events from `read_on_from` on when it is set; sets the
    binding's sequence number to the last one and returns how many were replayed, which it
    counts itself (`events_replayed`), also those of a replay that fails part way."""
    pid = binding.persistence_id
    decode = binding.decode
    replayed = 0
    try:
        for stored in first:
            if stored.seq != seq + 1:
                raise _gap(pid, seq, stored.seq)
            apply(decode(stored.payload, "event", stored.seq))
            seq = stored.seq
            replayed += 1
        if read_on_from is not None:
            events = binding.store.read(pid, read_on_from)
            while True:
                # The store's step alone is guarded (`guarded`, written out: a coroutine per
                # event would cost a recovery of 100k events about 50 ms); an error of
                # `apply` is the actor's own.
                try:
                    stored = await anext(events)
                except StopAsyncIteration:
                    break
                except PersistenceError:
                    raise
                except Exception as error:
                    raise store_failure(error, f"reading the journal of {pid!r}") from error
                if stored.seq != seq + 1:
                    raise _gap(pid, seq, stored.seq)
                apply(decode(stored.payload, "event", stored.seq))
                seq = stored.seq
                replayed += 1
    finally:  # a recovery that fails after replaying events has done that work too
        if binding.stats is not None:
            binding.stats.events_replayed += replayed
    binding.seq = seq
    return replayed


def _gap(persistence_id: str, seq: int, found: int) -> PersistenceError:
    """A store keeps a journal without gaps, so one is damage from outside (rows deleted, a
    backup restored under a running store that then wrote on): the events after it were
    decided on a state that held those missing, and applying them to one without would give
    a state the actor never had."""
    if found <= seq:  # only a store of one's own can return events out of order
        return PersistenceError(
            f"the store returned the journal of {persistence_id!r} out of order: event "
            f"{found} after {seq}. A store's load_recovery and read return each event once, "
            "in ascending sequence numbers (the Store protocol): fix the store"
        )
    missing = f"{seq + 1}" if found == seq + 2 else f"{seq + 1} to {found - 1}"
    return PersistenceError(
        f"the journal of {persistence_id!r} has a gap: event {found} follows {seq}, and "
        f"{missing} are missing (deleted, or the database restored from a backup while a "
        "system wrote to it, which then wrote on): recovering would apply the later events "
        "to a state without them. Put the missing events back, or restore the database "
        "from one backup with every system on it stopped (docs/persistence.md, Guarantees)"
    )


def reaches(persistence_id: str, seq: int, highest: int | None) -> None:
    """Raises when the journal ends (at `highest`, as the store said in the recovery's one
    read) before the snapshot at `seq` that a recovery restored with no event after it. Such
    a snapshot came from a newer backup than its journal: restored, it would give the actor
    events the journal no longer holds, and every write after it would be refused as a
    conflict with the journal, restart after restart. A store that did not say (None: one of
    the user's, whose own appends judge where its journal ends) is not asked."""
    if highest is None or highest >= seq:
        return
    raise PersistenceError(
        f"the snapshot of {persistence_id!r} is at sequence number {seq}, and its journal "
        f"ends at {highest} (the snapshots restored from a newer backup than the journals, "
        "or events deleted): recovering from it would give the actor events its journal "
        "does not hold, and every write after them would be refused as a conflict. To "
        "recover, restore the snapshots and journals from one backup, or delete the id's "
        "snapshot (its row of actorkit_snapshots, in the SQL stores) to recover from the "
        'journal alone (docs/persistence.md, Guarantees, "Restoring a backup")'
    )
