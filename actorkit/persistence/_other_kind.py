"""A durable actor whose class a deploy switched between `EventSourced` and `DurableState`
while its persistence id stayed: the two kinds keep their history in different tables (as
Akka keeps the journal apart from the durable-state store), so the new kind's recovery finds
nothing of its own and would start empty, the old history silently out of reach. Recovery
refuses instead, saying what to change; nothing is converted, since only the user knows what
the old history means to the new class."""

from __future__ import annotations

from .._errors import PersistenceError
from .._shown import class_qualname
from ._service import guarded
from ._store import Store, StoredRecovery


async def stored_elsewhere(
    store: Store, persistence_id: str, journal: bool, loaded: StoredRecovery
) -> bool:
    """Whether the recovery found nothing of its own (a state, a snapshot, a first event)
    while `persistence_id` holds the other kind's rows. An actor with history of its own
    recovers it, whatever else the id holds (it would not start empty), on every store
    alike. A store that did not say (`other_kind` None: a store of one's own, or a shipped
    one answering through overridden reads) is asked with the protocol's reads, only then,
    so an actor with history pays nothing more."""
    own = loaded.snapshot is not None or loaded.events if journal else loaded.state is not None
    if own:
        return False
    if loaded.other_kind is not None:
        return loaded.other_kind
    what = f"looking for the other kind of history of {persistence_id!r}"
    if not journal:
        if await guarded(store.load_snapshot(persistence_id), what) is not None:
            return True
        return await guarded(store.highest_seq(persistence_id), what) > 0
    if loaded.more and await guarded(store.highest_seq(persistence_id), what) > 0:
        return False
    return await guarded(store.load_state(persistence_id), what) is not None


def refusal(cls: type, persistence_id: str, journal: bool) -> PersistenceError:
    name = class_qualname(cls)
    if journal:
        return PersistenceError(
            f"{name} is an EventSourced actor, but persistence id {persistence_id!r} holds a "
            "state that a DurableState actor saved, which an event-sourced recovery never "
            f"reads: {name} would start empty and that state would be lost. Keep {name} a "
            "DurableState, or spawn it with a new persistence_id= (to migrate, have a "
            "DurableState actor on the old id hand its state over to the new actor, which "
            "persists it as its first event)"
        )
    return PersistenceError(
        f"{name} is a DurableState actor, but persistence id {persistence_id!r} holds the "
        "journal (events or a snapshot) of an EventSourced actor, which a durable-state "
        f"recovery never reads: {name} would start from None and that history would be lost. "
        f"Keep {name} EventSourced, or spawn it with a new persistence_id= (to migrate, have "
        "an EventSourced actor on the old id hand its state over to the new actor, which "
        "saves it)"
    )
