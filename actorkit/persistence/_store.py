"""What a store does, in bytes: the actor layer encodes events, snapshots, state and reminder
messages with the NATS codec before they reach a store, so a store never sees (and can never
unpickle) a Python object.

Fencing is the store's job and rests on one rule: a write names the sequence number (or
revision) its writer last saw, and the store refuses it with `PersistenceConflict` unless that
is still the latest. Two live writers of one persistence id therefore cannot interleave: the
second one's write fails, whole.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """One journal row: `time` is the commit's wall-clock time (seconds since the epoch)."""

    seq: int
    time: float
    payload: bytes


@dataclass(frozen=True, slots=True)
class StoredSnapshot:
    seq: int
    payload: bytes


@dataclass(frozen=True, slots=True)
class StoredState:
    revision: int
    payload: bytes


@dataclass(frozen=True, slots=True)
class StoredReminder:
    """`due` is a wall-clock time; `every` is None for a one-shot reminder."""

    key: str
    due: float
    every: float | None
    payload: bytes


@dataclass(frozen=True, slots=True)
class StoredRecovery:
    """What a durable actor's recovery reads, in one call (`load_recovery`).

    `events` are the first events after the snapshot (from 1 without one), in order; a store
    may return fewer than the journal holds, or none, and then says so with `more`: the
    caller reads on with `read(persistence_id, last + 1)`, where `last` is the last event
    returned, else the snapshot's sequence number (0 without one). So a long journal is
    never loaded whole. An event-sourced recovery reads no state (None), a durable-state one
    no snapshot and no events.

    `other_kind` says whether the id also holds what the other kind of durable actor keeps
    (a state, for a recovery of the journal; events or a snapshot, for one of the state): a
    class switched between `EventSourced` and `DurableState` by a deploy would otherwise
    find nothing of its own and start empty. None when the store did not look (a store of
    one's own): the recovery then asks the protocol's reads, when it found nothing of its
    own. Not compared: it says what else is stored, not what the recovery returns.

    `highest_seq` is the journal's latest sequence number (0 for none) when a snapshot is
    returned: a snapshot past it (snapshots restored from a newer backup than the journals)
    fails the recovery. None when the store did not look (a store of one's own, whose
    appends judge where its journal ends): not checked then. Not compared, as
    `other_kind`."""

    snapshot: StoredSnapshot | None
    events: list[StoredEvent]
    more: bool
    state: StoredState | None
    reminders: list[StoredReminder]
    other_kind: bool | None = field(default=None, compare=False)
    highest_seq: int | None = field(default=None, compare=False)

    @property
    def read_on_from(self) -> int:
        """Where `read` goes on when `more` is set."""
        if self.events:
            return self.events[-1].seq + 1
        return 1 if self.snapshot is None else self.snapshot.seq + 1


@runtime_checkable
class Store(Protocol):
    """The small surface every store implements and the conformance suite checks.

    Every method raises `PersistenceError` when the store cannot do it (database gone, disk
    full, a corrupt row) and leaves nothing half-written. A write whose caller is cancelled
    raises `CancelledError` only once the write is committed or never will be, however often
    the caller is cancelled meanwhile: a durable actor then reads the store back to learn
    which.

    One method is optional, and so not part of this protocol's `isinstance` check:
    `async def load_recovery(persistence_id, journal) -> StoredRecovery`, everything a
    durable actor's recovery reads, in one call (`journal`: the snapshot and the events after
    it, else the state; the reminders either way), which a database store answers in one
    round trip. A store without it is read with `load_snapshot` or `load_state`, `reminders`
    and `read` (`_recovery.composed`), as every recovery read it before.
    """

    async def open(self) -> None:
        """Connect and create or check the schema; idempotent. The system calls it on start."""

    async def close(self) -> None:
        """Flush what is in flight and release connections; idempotent."""

    async def append(
        self, persistence_id: str, expected_seq: int, payloads: Sequence[bytes]
    ) -> float:
        """Write `payloads` as events `expected_seq + 1 ...`, all or none, durable on return.

        `PersistenceConflict` when the journal's latest sequence number is not `expected_seq`.
        Concurrent appends of many ids may share one transaction (group commit); each call
        returns only after its own commit. Returns the commit's wall-clock time.
        """

    def read(self, persistence_id: str, from_seq: int = 1) -> AsyncIterator[StoredEvent]:
        """Events with `seq >= from_seq`, in order."""

    async def highest_seq(self, persistence_id: str) -> int:
        """0 for an id with no events."""

    async def save_snapshot(self, persistence_id: str, seq: int, payload: bytes) -> None:
        """Keep the snapshot taken after event `seq` (older ones may be dropped)."""

    async def load_snapshot(self, persistence_id: str) -> StoredSnapshot | None: ...

    async def save_state(self, persistence_id: str, expected_revision: int, payload: bytes) -> int:
        """Durable state: write revision `expected_revision + 1`; `PersistenceConflict` when
        the stored revision is not `expected_revision` (0 = none stored). Returns the new one."""

    async def load_state(self, persistence_id: str) -> StoredState | None: ...

    async def put_reminder(self, persistence_id: str, reminder: StoredReminder) -> None:
        """Create or replace the reminder `(persistence_id, reminder.key)`."""

    async def delete_reminder(self, persistence_id: str, key: str) -> bool:
        """True when there was one."""

    async def reminders(self, persistence_id: str) -> list[StoredReminder]:
        """By key in code-point order (`sorted`), whatever a database's collation."""
