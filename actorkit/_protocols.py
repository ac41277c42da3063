"""`Ref`: what every handle on an actor offers, local or remote.

`ActorRef` (a local actor), `PoolRef` (a pool) and the NATS transport's remote refs (an
`ActorRef` subclass without a local cell) all offer it, so code that only sends — a timer, a
router, a user's function — takes a `Ref` and never needs to know where the actor lives.
Watching, subscribing and stopping a remote actor happen in its own system, which is why
they are not part of it.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class Ref(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def path(self) -> str: ...

    @property
    def is_alive(self) -> bool: ...

    def tell(self, message: Any) -> None: ...

    async def send(self, message: Any) -> None: ...

    async def ask(self, message: Any, timeout: float = 5.0) -> Any: ...


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
