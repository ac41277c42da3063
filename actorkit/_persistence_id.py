"""Spawning with a `persistence_id`: the kernel's whole part in durable actors.

The id travels to the durable base class's `__new__` in a context variable, as the cell does
in `_actor._constructing`, so that `Cell.spawn_child` and everything a plain actor's spawn
runs stay as they are: an actor that is not durable pays nothing. The durable classes
(`actorkit.persistence`) set `_persistent` and take the id from here.
"""

from __future__ import annotations

import contextvars
import reprlib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._cell import Cell
    from ._ref import ActorRef

MAX_PERSISTENCE_ID = 1024
"""Characters: the id is a primary key in every store and a label in `/actors`."""

spawning_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "actorkit_persistence_id", default=None
)
"""Set while a durable actor spawned with a `persistence_id` is constructed."""


def check_persistence_id(persistence_id: object, what: str = "persistence_id") -> str:
    if not isinstance(persistence_id, str):
        raise TypeError(f"{what} must be a str, got {type(persistence_id).__name__}")
    if not persistence_id or len(persistence_id) > MAX_PERSISTENCE_ID:
        raise ValueError(
            f"{what} must be a non-empty str of at most {MAX_PERSISTENCE_ID} characters, got "
            f"{reprlib.repr(persistence_id)}; pass persistence_id= to spawn to choose a shorter one"
        )
    if "\x00" in persistence_id:
        raise ValueError(nul_refused(what, persistence_id) + " (pass persistence_id= to spawn)")
    return persistence_id


def nul_refused(what: str, value: str) -> str:
    """Every store refuses what one of them cannot keep (PostgreSQL's text), so that code
    tested on MemoryStore or SQLite does not fail on PostgreSQL."""
    return (
        f"{what} must not contain NUL ('\\x00'), which PostgreSQL cannot store: remove or "
        f"replace it, got {reprlib.repr(value)}"
    )


async def spawn_durable(
    cell: Cell,
    factory: object,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    options: tuple[str | None, int | None, str, Iterable[str]],
    persistence_id: object,
) -> ActorRef:
    """`cell.spawn_child` with the id set for the durable instance it constructs; `options`
    are spawn's name, mailbox_size, restart and capabilities."""
    persistence_id = check_persistence_id(persistence_id)
    if not (isinstance(factory, type) and getattr(factory, "_persistent", False)):
        raise ValueError(
            f"persistence_id is for durable actors: {factory!r} is not an EventSourced or "
            "DurableState subclass (pass the class itself as the factory)"
        )
    name, mailbox_size, restart, capabilities = options
    token = spawning_id.set(persistence_id)
    try:
        return await cell.spawn_child(
            factory,
            args,
            kwargs,
            name=name,
            mailbox_size=mailbox_size,
            restart=restart,
            capabilities=capabilities,
        )
    finally:
        spawning_id.reset(token)
