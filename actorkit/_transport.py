"""What `ActorSystem` needs from a transport, so the core never imports one.

The in-memory router stays the default and the only path for local traffic; a transport
adds reach: publishes forwarded to other systems, exposed actors, and refs to remote ones.
`actorkit.nats.NatsTransport` is the implementation; the protocol lets tests and future
transports plug in without the core knowing them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from ._protocols import Ref
    from ._ref import ActorRef
    from ._system import ActorSystem


@runtime_checkable
class Transport(Protocol):
    async def start(self, system: ActorSystem) -> None:
        """Called at the end of `system.start()`; raising aborts the start."""

    async def stop(self) -> None:
        """Called at the end of `system.shutdown()`, after the actors stopped."""

    def publish(self, topic: str, message: object) -> None:
        """Forward a publish to the other systems; raise TypeError for what cannot cross."""

    def expose(self, ref: ActorRef, group: str | None = None) -> None: ...

    def remote(self, system: str, path: str) -> Ref: ...

    def remote_group(self, group: str) -> Ref: ...

    def health(self) -> dict[str, object]:
        """Connection state for `/healthz`: at least `state` (`connected`, `reconnecting` or
        `closed`) and `connected` (bool)."""


def check_transport(transport: object) -> Transport | None:
    if transport is None or isinstance(transport, Transport):
        return transport
    raise TypeError(
        "transport= takes a transport such as actorkit.nats.NatsTransport(servers=[...]), "
        f"got {type(transport).__name__}"
    )
