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
