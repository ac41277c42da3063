"""`Ref`: what every handle on an actor offers, local or remote.

`ActorRef` (a local actor), `PoolRef` (a pool) and the NATS transport's remote refs (an
`ActorRef` subclass without a local cell) all offer it, so code that only sends — a timer, a
router, a user's function — takes a `Ref` and never needs to know where the actor lives.
Watching, subscribing and stopping a remote actor happen in its own system, which is why
they are not part of it. `KeptWhole` is the same rule for the other live handles: copied,
each is itself; pickled, refused.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any, NoReturn, Protocol, Self, SupportsIndex, runtime_checkable


@runtime_checkable
class Ref(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def path(self) -> str: ...

    @property
    def is_alive(self) -> bool: ...

    def tell(self, msg: Any, /) -> None: ...

    # Declared as returning a coroutine, not `async def`: pyright reads an `async def` here as
    # returning `CoroutineType`, which `PoolRef.ask` (a plain `def` that fails at once on bad
    # input) does not, and would refuse a `PoolRef` where a `Ref` is asked for.
    def send(self, msg: Any, /) -> Coroutine[Any, Any, None]: ...

    def ask(self, msg: Any, /, timeout: float = 5.0) -> Coroutine[Any, Any, Any]: ...


REFS_STAY = (
    "actor refs cannot cross to another process or into a store: send the actor's path "
    "instead, and reach it there with system.remote(system_name, path) once its own system "
    "has exposed it (system.expose(ref)) over NATS"
)
"""Why a ref is refused in a message or event that crosses over (the codec) and by `pickle`:
it is a live handle on an actor of this process, not a value (Akka's, too, crosses only as
a path)."""


def is_ref_class(cls: type) -> bool:
    """Whether instances of `cls` offer `Ref`, read on the class: an instance check would run
    the properties of an object that failed to encode, inside the codec's error path."""
    return all(
        hasattr(cls, member) for member in ("name", "path", "is_alive", "tell", "send", "ask")
    )


class KeptWhole:
    """What stands for something live in this process is an identity, not a value, as a ref
    is: the system, a timer's or a task's handle, an actor's context (its cell, which every
    instance holds as `self._cell`). A copy of one, or of a message or an actor's state that
    holds one (`copy.deepcopy(vars(self))`, a snapshot), is the one itself: a second handle
    would cancel nothing (its `cancel()` True while the timer fires), and a deep copy would
    walk into the event loop. `pickle` refuses each, saying what it is."""

    __slots__ = ()

    def __copy__(self) -> Self:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> Self:
        return self

    def __reduce_ex__(self, protocol: SupportsIndex) -> NoReturn:
        raise TypeError(
            f"cannot pickle {self._kept_what()}: it stands for something live in this "
            "process, as an actor ref does, not a value; pickle the data you need, without it"
        )

    def _kept_what(self) -> str:
        return type(self).__name__


class KeptContext(KeptWhole):
    """An actor's context: its cell."""

    __slots__ = ()

    path: str

    def _kept_what(self) -> str:
        return f"the context of actor {self.path or '/'} (an actor instance's self._cell)"
