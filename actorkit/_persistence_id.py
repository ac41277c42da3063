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

from ._shown import given

if TYPE_CHECKING:
    from ._cell import Cell
    from ._ref import ActorRef

MAX_PERSISTENCE_ID = 1024
"""Bytes of UTF-8 (characters, for an ASCII id) of a persistence id, and of a reminder key:
both are primary-key columns, and PostgreSQL indexes at most 2704 bytes of a row's key (a
reminder's is its owner's id and its key together)."""

spawning_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "actorkit_persistence_id", default=None
)
"""Set while a durable actor spawned with a `persistence_id` is constructed."""


def check_persistence_id(persistence_id: object, what: str = "persistence_id") -> str:
    if not isinstance(persistence_id, str):
        raise TypeError(f"{what} must be a str, got {type(persistence_id).__name__}")
    persistence_id = plain(persistence_id)  # checked as the text the stores will keep
    problem = unstorable(what, persistence_id)
    if problem is not None:
        raise ValueError(f"{problem} (pass persistence_id= to spawn to choose another)")
    return persistence_id


def plain(value: str) -> str:
    """The text of a str subclass's value (a `StrEnum` member) as an exact `str`: the stores
    take nothing else, and a journal reads as the text, not as the member's repr."""
    return str.__str__(value)


def unstorable(what: str, value: str) -> str | None:
    """Why no store can keep `value` as a persistence id or reminder key, None when every store
    can: every store refuses what one of them cannot keep, so that code tested on MemoryStore
    or SQLite does not fail on PostgreSQL, and a value no database can bind is refused before
    it joins a group commit's batch (where its failure would be every other write's too)."""
    if "\x00" in value:
        return nul_refused(what, value)
    try:
        size = len(value.encode())
    except UnicodeEncodeError:
        return _unencodable(what, value)
    if not value or size > MAX_PERSISTENCE_ID:
        return (
            f"{what} must be a non-empty str of at most {MAX_PERSISTENCE_ID} characters "
            f"(bytes of UTF-8), got {size} bytes: {reprlib.repr(value)}"
        )
    return None


def undeletable(what: str, value: str) -> str | None:
    """Why no row can hold `value` as a reminder key, None when one may: `unstorable` but for
    its bounds of length. A row another program wrote (to a SQLite file) may hold an empty or
    a long key, which a store refuses to write but must delete, else nothing ends that
    reminder. NUL no PostgreSQL row holds (nor may a database it fails take it in a group
    commit's batch), and a row holding a lone surrogate would not read back."""
    if "\x00" in value:
        return nul_refused(what, value)
    try:
        value.encode()
    except UnicodeEncodeError:
        return _unencodable(what, value)
    return None


def _unencodable(what: str, value: str) -> str:
    return (
        f"{what} must be text UTF-8 can encode (no lone surrogate such as '\\udcff', "
        f"which undecodable bytes become), got {reprlib.repr(value)}"
    )


def nul_refused(what: str, value: str) -> str:
    """PostgreSQL's text cannot hold NUL (`unstorable`)."""
    return (
        f"{what} must not contain NUL ('\\x00'), which PostgreSQL cannot store: remove or "
        f"replace it, got {reprlib.repr(value)}"
    )


def check_durable_spawn(factory: object, persistence_id: object) -> str:
    """`persistence_id` as spawn (or a `ChildSpec`) takes it: a valid id, for a durable class."""
    persistence_id = check_persistence_id(persistence_id)
    if not (isinstance(factory, type) and getattr(factory, "_persistent", False)):
        raise ValueError(
            f"persistence_id is for durable actors: {given(factory)} is not an EventSourced or "
            "DurableState subclass (pass the class itself as the factory)"
        )
    return persistence_id


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
    persistence_id = check_durable_spawn(factory, persistence_id)
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
