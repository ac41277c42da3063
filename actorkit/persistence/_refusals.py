"""Why the writes of an instance waiting their turns are refused, when one called before
them ends without being stored (`Binding.turn`)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from .._errors import PersistenceConflict, PersistenceError


def refuse(
    waiting: Iterable[asyncio.Future[bool]],
    persistence_id: str,
    operation: str,
    why: str,
    error: BaseException | None = None,
) -> None:
    """The writes called after one that ended unstored (it failed, its `apply` raised, it
    was cancelled) write nothing, as the later writes of a handler that awaits each do not
    run (and Akka stops the actor, discarding the persist calls that wait): else the journal
    would hold them without the one called before. After a conflict they are conflicts too."""
    kind = PersistenceConflict if isinstance(error, PersistenceConflict) else PersistenceError
    for waiter in waiting:
        if not waiter.done():
            waiter.set_exception(
                kind(
                    f"{persistence_id!r}: not written: the {operation} of this actor called "
                    f"before it {why}; nothing was written"
                )
            )
