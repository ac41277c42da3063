"""Everything a durable actor's recovery reads, in one store call (`Store.load_recovery`):
starting many small actors is otherwise dominated by a round trip (a thread hop on SQLite)
per read. A store without the call is read as before, with the protocol's own reads."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from ._store import Store, StoredEvent, StoredRecovery, StoredReminder, StoredSnapshot, StoredState

SNAPSHOT, EVENT, STATE, REMINDER = range(4)
"""The kinds of row of the SQL stores' one recovery query, the first of its columns."""


async def composed(store: Store, persistence_id: str, journal: bool) -> StoredRecovery:
    """A recovery read with the protocol's reads: the snapshot or the state, the reminders,
    and none of the events, which `read` then streams (`more`)."""
    snapshot = await store.load_snapshot(persistence_id) if journal else None
    state = None if journal else await store.load_state(persistence_id)
    reminders = await store.reminders(persistence_id)
    return StoredRecovery(snapshot, [], journal, state, reminders)


def load_recovery(store: Store, persistence_id: str, journal: bool) -> Awaitable[StoredRecovery]:
    """The store's own `load_recovery` when it has one (it is optional) and no subclass
    overrides a read below it, else `composed`."""
    own: Callable[[str, bool], Awaitable[StoredRecovery]] | None = getattr(
        store, "load_recovery", None
    )
    if own is None or not _reads_its_own(type(store)):
        return composed(store, persistence_id, journal)
    return own(persistence_id, journal)


_READS = ("load_snapshot", "load_state", "reminders", "read")
_checked: dict[type, bool] = {}


def _reads_its_own(cls: type) -> bool:
    """Whether the class's `load_recovery` is defined where its reads are, or below them: a
    subclass of a shipped store that overrides `read` (to decrypt, say) and not the one call
    keeps recovery going through its override, as before the call existed."""
    known = _checked.get(cls)
    if known is None:
        mro = cls.__mro__
        depth = {name: _defined_at(mro, name) for name in ("load_recovery", *_READS)}
        known = _checked[cls] = all(depth[name] >= depth["load_recovery"] for name in _READS)
    return known


def _defined_at(mro: tuple[type, ...], name: str) -> int:
    """How far up the class's bases `name` is defined: 0 on the class itself."""
    return next((at for at, base in enumerate(mro) if name in vars(base)), len(mro))


def from_rows(rows: Sequence[Sequence[Any]], journal: bool, page: int) -> StoredRecovery:
    """The SQL stores' answer: rows of (kind, number, time, every, key, payload), by kind;
    `page` is the most events the query returns, so that many say there may be more."""
    snapshot: StoredSnapshot | None = None
    state: StoredState | None = None
    events: list[StoredEvent] = []
    reminders: list[StoredReminder] = []
    for kind, number, time, every, key, payload in rows:
        if kind == EVENT:
            events.append(StoredEvent(number, time, payload))
        elif kind == REMINDER:
            reminders.append(StoredReminder(key, time, every, payload))
        elif kind == SNAPSHOT:
            snapshot = StoredSnapshot(number, payload)
        else:
            state = StoredState(number, payload)
    # A compound query's rows come in no promised order: by code point, as `reminders` returns
    events.sort(key=_seq)
    reminders.sort(key=_key)
    return StoredRecovery(snapshot, events, journal and len(events) >= page, state, reminders)


def _seq(event: StoredEvent) -> int:
    return event.seq


def _key(reminder: StoredReminder) -> str:
    return reminder.key
