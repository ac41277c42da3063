"""Everything a durable actor's recovery reads, in one store call (`Store.load_recovery`):
starting many small actors is otherwise dominated by a round trip (a thread hop on SQLite)
per read. A store without the call is read as before, with the protocol's own reads."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from ._store import Store, StoredEvent, StoredRecovery, StoredReminder, StoredSnapshot, StoredState

SNAPSHOT, EVENT, STATE, REMINDER, OTHER_KIND, HIGHEST = range(6)
"""The kinds of row of the SQL stores' one recovery query, the first of its columns; a row of
`OTHER_KIND` says the id holds the other kind of durable actor's rows (`other_kind`), one of
`HIGHEST`, beside a snapshot, the journal's latest sequence number (`highest_seq`)."""


async def composed(store: Store, persistence_id: str, journal: bool) -> StoredRecovery:
    """A recovery read with the protocol's reads: the snapshot or the state, the reminders,
    and none of the events, which `read` then streams (`more`)."""
    snapshot = await store.load_snapshot(persistence_id) if journal else None
    state = None if journal else await store.load_state(persistence_id)
    reminders = await store.reminders(persistence_id)
    return StoredRecovery(snapshot, [], journal, state, reminders)


def load_recovery(store: Store, persistence_id: str, journal: bool) -> Awaitable[StoredRecovery]:
    """The store's own `load_recovery` when it has one (it is optional), else `composed`.
    A store's own returns what its reads return, overridden ones too (the protocol): the
    shipped stores see to it themselves (`reads_its_own`)."""
    own: Callable[[str, bool], Awaitable[StoredRecovery]] | None = getattr(
        store, "load_recovery", None
    )
    if own is None:
        return composed(store, persistence_id, journal)
    return own(persistence_id, journal)


_READS = frozenset(("load_snapshot", "load_state", "reminders", "read"))


def reads_its_own(store: object) -> bool:
    """Whether the store's `load_recovery` is defined where its reads are, or below them: a
    subclass of a shipped store that overrides `read` (to decrypt, say) and not the one call,
    or a store object given a `read` of its own, keeps recovery going through that `read`.

    Looked up at each call, not remembered by class: a class patched at run time (a test's
    fault injection) is seen as it is now, and a class made at run time is not kept alive.
    It costs about a microsecond, once a recovery, against its thread hop or round trip."""
    attributes: dict[str, object] | None = getattr(store, "__dict__", None)
    if attributes:
        if "load_recovery" in attributes:
            return True
        if not attributes.keys().isdisjoint(_READS):  # in C: no generator per recovery
            return False
    for base in type(store).__mro__:
        defined = vars(base)
        if "load_recovery" in defined:
            return True
        if not defined.keys().isdisjoint(_READS):
            return False
    return True


def from_rows(rows: Sequence[Sequence[Any]], journal: bool, page: int, size: int) -> StoredRecovery:
    """The SQL stores' answer: rows of (kind, number, time, every, key, payload), by kind;
    `page` and `size` are the most events and bytes of them that the query returns (the
    bytes before its last event under `size`), so that many say there may be more."""
    snapshot: StoredSnapshot | None = None
    state: StoredState | None = None
    events: list[StoredEvent] = []
    reminders: list[StoredReminder] = []
    other_kind = False
    highest: int | None = None
    for kind, number, time, every, key, payload in rows:
        if kind == EVENT:
            events.append(StoredEvent(number, time, payload))
        elif kind == REMINDER:
            reminders.append(StoredReminder(key, time, every, payload))
        elif kind == SNAPSHOT:
            snapshot = StoredSnapshot(number, payload)
        elif kind == STATE:
            state = StoredState(number, payload)
        elif kind == HIGHEST:
            highest = number or 0  # NULL: no event at all
        else:
            other_kind = True
    # A compound query's rows come in no promised order: by code point, as `reminders` returns
    events.sort(key=_seq)
    reminders.sort(key=_key)
    more = journal and (len(events) >= page or sum(len(e.payload) for e in events) >= size)
    return StoredRecovery(snapshot, events, more, state, reminders, other_kind, highest)


def _seq(event: StoredEvent) -> int:
    return event.seq


def _key(reminder: StoredReminder) -> str:
    return reminder.key
