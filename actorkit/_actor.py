"""The class users subclass. It holds only hooks and `receive`; everything the runtime knows
about an actor lives in its cell, reached through `self._cell`, so users never need to call
`super().__init__()`."""

from __future__ import annotations

import contextvars
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from ._persistence_id import spawn_durable
from ._ref import local_cell
from ._signals import SELF_STOP
from ._state import STARTING
from ._watch import unwatch, watch

if TYPE_CHECKING:
    from ._actor_timers import Timers
    from ._cell import Cell
    from ._ref import ActorRef
    from ._supervision import Strategy
    from ._system import ActorSystem

DEFAULT_MAILBOX_SIZE = 10_000
"""Bounded by default, so a producer that outruns its consumer gets `MailboxFull` (or waits,
with `send`) instead of growing memory without limit; large enough that bursts fit."""

# Set while the runtime calls a factory, so the context is already there in `__init__`.
_constructing: contextvars.ContextVar[Cell | None] = contextvars.ContextVar(
    "actorkit_constructing", default=None
)


_CONTEXT = ("_cell", "_durable")
"""What the runtime sets on a spawned instance: the cell, and a durable actor's binding."""


class Actor:
    """Base class of every actor: override `receive`, and `on_start`/`on_stop` when needed.

    Set `supervisor_strategy` to choose how this actor's children are supervised, and
    `capabilities` to make it an agent that receives tasks.
    """

    supervisor_strategy: Strategy | None = None
    capabilities: ClassVar[tuple[str, ...] | frozenset[str]] = ()
    _cell: Cell

    def __new__(cls, *args: Any, **kwargs: Any) -> Actor:
        self = super().__new__(cls)
        cell = _constructing.get()
        if cell is not None:
            self._cell = cell
        return self

    if not TYPE_CHECKING:  # hidden from type checkers, which would accept any attribute

        def __getattr__(self, name: str) -> Any:
            """Reached only when an attribute is missing, so spawned actors never pay for it:
            an instance made by calling its class has no context, and the error says so
            instead of naming a private attribute. Still an AttributeError, so that
            `getattr(actor, name, default)` and `hasattr` keep working."""
            context = name in _CONTEXT or isinstance(getattr(type(self), name, None), property)
            if context and "_cell" not in self.__dict__:  # a property such as `ref` failed
                cls = type(self).__qualname__
                message = (
                    f"this {cls} was not spawned, so it has no ref, system, timers or children: "
                    f"create actors with `await system.spawn({cls})` (or self.spawn in an actor), "
                    f"not by calling {cls}()"
                )
            else:
                message = f"{type(self).__name__!r} object has no attribute {name!r}"
            raise AttributeError(message, name=name, obj=self)

    async def on_start(self) -> None:
        """Runs in the actor's task before the first message, and again after each restart."""

    async def receive(self, message: Any) -> Any:
        """Handle one message; the return value answers an `ask`."""

    async def on_stop(self) -> None:
        """Runs once per instance on every kind of stop, before a restart included."""

    # --- context, all reached through the cell -------------------------------------------
    @property
    def ref(self) -> ActorRef:
        return self._cell.ref

    @property
    def name(self) -> str:
        return self._cell.name

    @property
    def path(self) -> str:
        return self._cell.path

    @property
    def system(self) -> ActorSystem:
        return self._cell.runtime.system  # type: ignore[no-any-return]

    @property
    def parent(self) -> ActorRef | None:
        parent = self._cell.parent
        return None if parent is None or parent.parent is None else parent.ref

    @property
    def children(self) -> list[ActorRef]:
        return self._cell.child_refs()

    @property
    def timers(self) -> Timers:
        return self._cell.timers

    async def spawn(
        self,
        factory: Any,
        *args: Any,
        name: str | None = None,
        mailbox_size: int | None = DEFAULT_MAILBOX_SIZE,
        restart: str = "permanent",
        capabilities: Iterable[str] = (),
        persistence_id: str | None = None,
        **kwargs: Any,
    ) -> ActorRef:
        """Start a child supervised by this actor (same options as `ActorSystem.spawn`)."""
        if persistence_id is not None:
            options = (name, mailbox_size, restart, capabilities)
            return await spawn_durable(self._cell, factory, args, kwargs, options, persistence_id)
        cell = self._cell.new_child(
            factory, args, kwargs, name, mailbox_size, restart, capabilities
        )  # `Cell.spawn_child`, written out
        if cell.state is STARTING:
            await cell.start()
        return cell.ref

    def watch(self, ref: ActorRef) -> None:
        """Receive `Terminated(ref, reason)` once when `ref` stops for good (at once if it has)."""
        watch(self._cell, _cell_of(ref, "watch"))

    def unwatch(self, ref: ActorRef) -> None:
        unwatch(self._cell, _cell_of(ref, "unwatch"))

    def subscribe(self, pattern: str) -> None:
        """Receive publishes matching `pattern`; kept across restarts, dropped at stop."""
        self.system.subscribe(self.ref, pattern)

    def unsubscribe(self, pattern: str | None = None) -> None:
        self.system.unsubscribe(self.ref, pattern)

    def stop(self) -> None:
        """Stop after the current message. A `permanent` actor is restarted (OTP rules)."""
        self._cell.mailbox.post(SELF_STOP)


def _cell_of(ref: object, what: str) -> Cell:
    cell = local_cell(ref)
    if cell is None:
        raise TypeError(
            f"{what} needs the ActorRef of a local actor (such as one returned by spawn), got "
            f"{ref!r}; a remote actor is watched from its own system (a remote ref offers "
            "tell, send and ask)"
        )
    return cell
