"""`MemoryStore`: the store protocol in a dict, for tests. Same rules as the database stores
(fencing, all or none, latest snapshot wins, refusal after close); nothing survives the
process."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Sequence
from typing import cast

from . import _sql_store
from ._base import (
    StoreBase,
    append_seq,
    check_append,
    check_count,
    check_id,
    check_key,
    check_recovery,
    check_reminder,
    check_snapshot,
    check_state,
    closed_store,
)
from ._conflicts import append_conflict, state_conflict
from ._recovery import composed, reads_its_own
from ._store import (
    Store,
    StoredEvent,
    StoredRecovery,
    StoredReminder,
    StoredSnapshot,
    StoredState,
)


class MemoryStore(StoreBase):
    """Every write is its own commit (reported to `on_commit` as one write in no time)."""

    def __init__(self) -> None:
        self._journals: dict[str, list[StoredEvent]] = {}
        self._snapshots: dict[str, StoredSnapshot] = {}
        self._states: dict[str, StoredState] = {}
        self._reminders: dict[str, dict[str, StoredReminder]] = {}
        self._closed = False

    def __repr__(self) -> str:
        return f"MemoryStore({len(self._journals)} journals)"

    def _check_open(self) -> None:
        if self._closed:
            raise closed_store(self)

    async def open(self) -> None:
        self._check_open()

    async def close(self) -> None:
        self._closed = True

    async def append(
        self, persistence_id: str, expected_seq: int, payloads: Sequence[bytes]
    ) -> float:
        if type(expected_seq) is not int:
            expected_seq = append_seq(persistence_id, expected_seq)
        check_append(persistence_id, expected_seq, payloads, self.max_payload)
        self._check_open()
        held = len(self._journals.get(persistence_id, ()))
        if held != expected_seq:
            raise append_conflict(persistence_id, expected_seq, held)
        journal = self._journals.setdefault(persistence_id, [])
        now = time.time()
        journal.extend(
            StoredEvent(expected_seq + offset, now, payload)
            for offset, payload in enumerate(payloads, 1)
        )
        self._observe(1, 0.0)
        return now

    def read(self, persistence_id: str, from_seq: int = 1) -> AsyncIterator[StoredEvent]:
        check_id(persistence_id)
        return self._read(persistence_id, check_count("from_seq", from_seq))

    async def _read(self, persistence_id: str, from_seq: int) -> AsyncIterator[StoredEvent]:
        self._check_open()
        for stored in self._journals.get(persistence_id, [])[max(from_seq - 1, 0) :]:
            yield stored

    async def highest_seq(self, persistence_id: str) -> int:
        check_id(persistence_id)
        self._check_open()
        return len(self._journals.get(persistence_id, ()))

    async def save_snapshot(self, persistence_id: str, seq: int, payload: bytes) -> None:
        seq = check_snapshot(persistence_id, seq, payload, self.max_payload)
        self._check_open()
        kept = self._snapshots.get(persistence_id)
        if kept is None or kept.seq <= seq:
            self._snapshots[persistence_id] = StoredSnapshot(seq, payload)
        self._observe(1, 0.0)

    async def load_snapshot(self, persistence_id: str) -> StoredSnapshot | None:
        check_id(persistence_id)
        self._check_open()
        return self._snapshots.get(persistence_id)

    async def save_state(self, persistence_id: str, expected_revision: int, payload: bytes) -> int:
        expected_revision = check_state(
            persistence_id, expected_revision, payload, self.max_payload
        )
        self._check_open()
        kept = self._states.get(persistence_id)
        revision = 0 if kept is None else kept.revision
        if revision != expected_revision:
            raise state_conflict(persistence_id, expected_revision, revision)
        self._states[persistence_id] = StoredState(revision + 1, payload)
        self._observe(1, 0.0)
        return revision + 1

    async def load_state(self, persistence_id: str) -> StoredState | None:
        check_id(persistence_id)
        self._check_open()
        return self._states.get(persistence_id)

    async def put_reminder(self, persistence_id: str, reminder: StoredReminder) -> None:
        kept = check_reminder(persistence_id, reminder, self.max_payload)
        self._check_open()
        self._reminders.setdefault(persistence_id, {})[kept.key] = kept
        self._observe(1, 0.0)

    async def delete_reminder(self, persistence_id: str, key: str) -> bool:
        check_key(persistence_id, key, deleting=True)
        self._check_open()
        self._observe(1, 0.0)
        kept = self._reminders.get(persistence_id)
        if kept is None or kept.pop(key, None) is None:
            return False
        if not kept:  # owners come and go: an empty table would stay for good
            del self._reminders[persistence_id]
        return True

    async def reminders(self, persistence_id: str) -> list[StoredReminder]:
        check_id(persistence_id)
        self._check_open()
        kept = self._reminders.get(persistence_id, {})
        return [kept[key] for key in sorted(kept)]

    async def load_recovery(self, persistence_id: str, journal: bool) -> StoredRecovery:
        """What the protocol's reads return, in one call: read through them (`composed`),
        a recovery awaits three calls and steps an async generator, with no I/O a fifth of
        what a durable actor with nothing stored adds to a spawn. A page of events at most, as
        the database stores return, so that `more` is exercised the same way. Where a
        subclass or the object overrides one of the reads and not this, their reads instead,
        as `SQLStore.load_recovery` does."""
        check_recovery(persistence_id, journal)
        if not reads_its_own(self):
            return await composed(cast("Store", self), persistence_id, journal)
        self._check_open()
        kept = self._reminders.get(persistence_id)
        reminders = [kept[key] for key in sorted(kept)] if kept else []
        if not journal:
            other = persistence_id in self._journals or persistence_id in self._snapshots
            state = self._states.get(persistence_id)
            return StoredRecovery(None, [], False, state, reminders, other)
        snapshot = self._snapshots.get(persistence_id)
        held = self._journals.get(persistence_id, [])
        after, highest = (0, None) if snapshot is None else (snapshot.seq, len(held))
        page, bound = _sql_store.PAGE, _sql_store.PAGE_BYTES
        events = held[after : after + page + 1]
        other = persistence_id in self._states
        size = 0
        for taken, stored in enumerate(events):
            if taken == page or size >= bound:  # a page as the database stores cut it
                events = events[:taken]
                return StoredRecovery(snapshot, events, True, None, reminders, other, highest)
            size += len(stored.payload)
        return StoredRecovery(snapshot, events, False, None, reminders, other, highest)
