"""The class users subclass. It holds only hooks and `receive`; everything the runtime knows
about an actor lives in its cell, reached through `self._cell`, so users never need to call
`super().__init__()`."""

from __future__ import annotations

import contextvars
import copyreg
import operator
import reprlib
from collections.abc import Callable, Collection, Iterable
from typing import TYPE_CHECKING, Any, ClassVar, Self, SupportsIndex

from ._errors import ActorStopped
from ._mistaken import ACTOR_CLASS, RefOnly, name_hint, not_a_local_ref, size_hint
from ._persistence_id import spawn_durable
from ._provided import PROVIDED, read_only
from ._ref import local_cell
from ._shown import class_qualname
from ._signals import SELF_STOP
from ._state import STARTING
from ._unspawned import Unspawned as Unspawned
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

RUNTIME_OWN = frozenset({"_cell", "_durable"})
"""What the runtime sets on an actor instance, in its `__new__` (its context; a durable
actor's link to its store, `persistence._durable`): not the actor's state."""

# Set while the runtime calls a factory, so the context is already there in `__init__`.
_constructing: contextvars.ContextVar[Cell | None] = contextvars.ContextVar(
    "actorkit_constructing", default=None
)


_NEWOBJ = copyreg.__newobj__  # type: ignore[attr-defined]  # what `object.__reduce_ex__` rebuilds with


def _rebuilt(cls: type[Actor], twin: bool) -> Actor:
    """A copy of an instance, before its state is set (`Actor.__reduce_ex__`): made by its
    `__new__`, which binds it to the spawn whose factory runs, if any, unless it is a twin of
    the instance that spawn is constructing."""
    if not twin:
        return cls.__new__(cls)
    token = _constructing.set(None)
    try:
        return cls.__new__(cls)
    finally:
        _constructing.reset(token)


def check_arguments(
    factory: object, args: tuple[Any, ...], kwargs: dict[str, Any], call: str = "spawn"
) -> None:
    """Arguments for an actor class whose construction ends at `object.__init__` would be
    dropped unseen: refused at the call (`spawn`, `spawn_pool`, `ChildSpec`) instead."""
    if not (args or kwargs) or not isinstance(factory, type) or not issubclass(factory, Actor):
        return
    mro = factory.__mro__
    after = mro[mro.index(Actor) + 1 :] if factory.__init__ is Actor.__init__ else mro
    if _ends_at_object(after):
        given = [*map(reprlib.repr, args), *(f"{k}={reprlib.repr(v)}" for k, v in kwargs.items())]
        raise TypeError(
            f"{class_qualname(factory)} takes no arguments (it defines no __init__), got "
            f"{', '.join(given)}: define __init__ to accept them, or drop them from {call}"
            f"{name_hint(args, kwargs)}{size_hint(args, kwargs) if call == 'spawn_pool' else ''}"
        )


def _ends_at_object(classes: tuple[type, ...]) -> bool:
    """Whether the first `__init__` along `classes` (a slice of an MRO) drops arguments as
    `object`'s does: it, or a Protocol's placeholder (typing's, typing_extensions'), which
    passes nothing on once an `__init__` before it (`Actor`'s) is the class's."""
    first = next(c.__dict__["__init__"] for c in classes if "__init__" in c.__dict__)
    return first is object.__init__ or getattr(first, "__name__", "") in _PLACEHOLDERS


_PLACEHOLDERS = ("_no_init_or_replace_init", "_no_init")


class Actor:
    """Base class of every actor: override `receive`, and `on_start`/`on_stop` when needed.

    Set `supervisor_strategy` to choose how this actor's children are supervised, and
    `capabilities` to make it an agent that receives tasks.
    """

    supervisor_strategy: Strategy | None = None
    capabilities: ClassVar[Collection[str]] = ()
    """Any collection of names (a tuple, list or set, not a bare str): read again by each
    system the class is first spawned in, so a collection, not a one-shot iterator. A class
    attribute only: an instance that sets its own is refused at spawn (it would be ignored);
    capabilities that differ per actor are spawn's `capabilities=`."""
    _cell: Cell

    def __new__(cls, *args: Any, **kwargs: Any) -> Self:
        self = super().__new__(cls)
        cell = _constructing.get()
        self._cell = cell if cell is not None else Unspawned(cls)  # type: ignore[assignment]
        return self

    def __reduce_ex__(self, protocol: SupportsIndex) -> str | tuple[Any, ...]:
        """A copy (`copy.copy`, `copy.deepcopy`) or a pickle of an instance is a new instance,
        as one made by calling its class: its state, without what the runtime set on it (its
        context, a durable actor's link to its store), which stays the actor's, the copy's
        own set by its `__new__` (so, rebuilt by it whatever the pickle protocol). So a
        factory may spawn a clone (`lambda: copy.deepcopy(template)`), bound to its own spawn
        there, and no twin bound to the actor answers for it (a twin's `stop()` would do
        nothing, its `save` would race the actor's, its `timers` refuse): not even a copy of
        the instance under construction, made in its `__init__` within the spawn."""
        reduced = super().__reduce_ex__(max(2, operator.index(protocol)))
        state = reduced[2] if isinstance(reduced, tuple) and len(reduced) > 2 else None
        if isinstance(state, tuple) and len(state) == 2:  # `(__dict__, slots)`
            own, slots = state
        else:
            own, slots = state, None
        if not isinstance(own, dict) or own.keys().isdisjoint(RUNTIME_OWN):
            return reduced
        own = {name: value for name, value in own.items() if name not in RUNTIME_OWN}
        assert isinstance(reduced, tuple)
        rebuild, args = reduced[:2]
        if rebuild is _NEWOBJ and len(args) == 1:  # no `__getnewargs__` of its own
            rebuild, args = _rebuilt, (args[0], self._cell is _constructing.get())
        return (rebuild, args, own if slots is None else (own, slots), *reduced[3:])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Reached by a class with no `__init__` of its own (or one that passes arguments
        up): they go on along the MRO, to a base after `Actor` that takes them, but never to
        `object.__init__`, which drops them unseen once `__new__` is overridden, as here."""
        if args or kwargs:
            check_arguments(type(self), args, kwargs)
            mro = type(self).__mro__
            if _ends_at_object(mro[mro.index(Actor) + 1 :]):
                raise TypeError(
                    f"{class_qualname(type(self))} passed arguments up to Actor.__init__, which "
                    "takes none: call super().__init__() without arguments, or leave the call "
                    "out (an actor needs none)"
                )
            super().__init__(*args, **kwargs)

    async def on_start(self) -> None:
        """Runs in the actor's task before the first message, and again after each restart."""

    async def receive(self, message: Any) -> Any:
        """Handle one message; the return value answers an `ask`. This base one, for classes
        that work in their hooks (a `Supervisor`), drops it and answers `None` (api.md §1)."""

    def _resumable(self) -> bool:
        """Whether a supervisor's "resume" may keep this instance and its state; a durable
        instance whose state no longer matches its store may not, and is restarted."""
        return True

    async def on_stop(self) -> None:
        """Runs once per instance on every kind of stop, before a restart included."""

    # --- context, all reached through the cell -------------------------------------------
    @property
    def ref(self) -> ActorRef:
        cell = self._cell
        return cell.ref_ or cell.ref  # the cell's property called only for a ref let go

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
        """The timers of the actor's current instance. An instance a restart replaced (a task
        it left running) is refused: its timers ended with it, and a new one would fire into
        its successor, or cancel its successor's timer of the same key."""
        cell = self._cell
        current = cell.instance
        if current is not self and current is not None:
            raise _refused(self, "has timers")
        return cell.timers

    async def spawn(
        self,
        factory: Callable[..., Actor],
        *args: Any,
        name: str | None = None,
        mailbox_size: int | None = DEFAULT_MAILBOX_SIZE,
        restart: str = "permanent",
        capabilities: Iterable[str] = (),
        persistence_id: str | None = None,
        **kwargs: Any,
    ) -> ActorRef:
        """Start a child supervised by this actor (same options as `ActorSystem.spawn`). An
        instance a restart replaced (a task it left running) is refused, as for `timers`: the
        child would be its successor's, which never asked for it."""
        current = self._cell.instance
        if current is not self and current is not None:  # `_replaced`, written out
            raise _refused(self, "spawns children")
        if persistence_id is not None:
            options = (name, mailbox_size, restart, capabilities)
            return await spawn_durable(self._cell, factory, args, kwargs, options, persistence_id)
        cell = self._cell.new_child(
            factory, args, kwargs, name, mailbox_size, restart, capabilities
        )  # `Cell.spawn_child`, written out
        if cell.state is STARTING:
            await cell.start()
        return cell.ref_ or cell.ref  # the property's call only for a ref let go

    # Watches and subscriptions are the actor's, kept across restarts; an instance a restart
    # replaced (a task it left running) neither adds to nor takes from its successor's, as
    # it spawns no child for it and starts no timer in it.
    def watch(self, ref: ActorRef) -> None:
        """Receive `Terminated(ref, reason)` once when `ref` stops for good (at once if it has)."""
        if _replaced(self):
            raise _refused(self, "watches")
        watch(self._cell, watched_cell(ref, "watch"))

    def unwatch(self, ref: ActorRef) -> None:
        if not _replaced(self):
            unwatch(self._cell, watched_cell(ref, "unwatch"))

    def subscribe(self, pattern: str) -> None:
        """Receive publishes matching `pattern`; kept across restarts, dropped at stop."""
        if _replaced(self):
            raise _refused(self, "subscribes")
        self.system.subscribe(self.ref, pattern)

    def unsubscribe(self, pattern: str | None = None) -> None:
        if not _replaced(self):
            self.system.unsubscribe(self.ref, pattern)

    def stop(self) -> None:
        """Stop after the current message. A `permanent` actor is restarted (OTP rules). From
        an instance a restart replaced (a task it left running), a no-op, as on a stopped
        actor: the restart ended that instance, and its successor never asked to stop."""
        current = self._cell.instance
        if current is not self and current is not None:  # `_replaced`, written out
            return
        self._cell.mailbox.post(SELF_STOP)


ACTOR_CLASS.append(Actor)
NO_ON_STOP = Actor.on_stop  # read at each stop: a class's attribute is a lookup in its MRO
for _call in ("tell", "send", "ask"):  # the ref's, called on the instance: said so
    setattr(Actor, _call, RefOnly(_call))

for _attribute, _what in PROVIDED.items():
    setattr(Actor, _attribute, read_only(getattr(Actor, _attribute), _attribute, _what))


def watched_cell(ref: object, what: str) -> Cell:
    """The cell `what` (an actor's or a probe's `watch`, `unwatch`) watches: a local ref's,
    else a `TypeError` saying what to pass."""
    cell = local_cell(ref)
    if cell is None:
        raise not_a_local_ref(what, ref, _REMOTE_WATCH)
    return cell


_REMOTE_WATCH = (
    "; a remote actor is watched from its own system (a remote ref offers tell, send and ask)"
)


def _replaced(actor: Actor) -> bool:
    """Whether a restart replaced `actor`: a task it left running is calling it."""
    current = actor._cell.instance
    return current is not actor and current is not None


def _refused(actor: Actor, only: str) -> ActorStopped:
    return ActorStopped(
        f"this instance of {actor._cell.display_path} was replaced by a restart, and only "
        f"the new one {only}"
    )
