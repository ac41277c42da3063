"""`RemoteRef`: a handle on an actor (or a queue group) in another system.

An `ActorRef`, since the contract has `system.remote` return one (Akka's remote refs are
`ActorRef`s too), so code typed for `ActorRef` takes it. It never has a local cell: what needs
one (watching, subscribing, exposing, a timer following its target) finds none through
`local_cell` and refuses it, and `stop` says where to stop the actor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._ref import ActorRef
from ._frames import ASK, SEND

if TYPE_CHECKING:
    from ._transport import NatsTransport


class RemoteRef(ActorRef):
    """A ref to an actor in another system (`system.remote`) or to a group of them
    (`system.remote_group`). `tell`, `send` and `ask` cross NATS; refs are equal when they
    name the same target. Watching, subscribing and stopping happen in the owning system."""

    __slots__ = ("_path", "_subject", "_target", "_transport")

    def __init__(self, transport: NatsTransport, subject: str, path: str, target: str) -> None:
        self._transport = transport
        self._subject = subject
        self._path = path
        self._target = target

    @property
    def name(self) -> str:
        return self._path.rpartition("/")[2] if self._path else self._target.partition(":")[2]

    @property
    def path(self) -> str:
        return self._path

    @property
    def target(self) -> str:
        """`system:/path`, or `group:name` for a group."""
        return self._target

    @property
    def is_alive(self) -> bool:
        """Whether the transport is connected: liveness of the remote actor itself shows
        only when a request is answered (or refused with `ActorStopped`)."""
        return self._transport.connected

    def tell(self, msg: Any) -> None:
        """Queue for NATS without waiting; `MailboxFull` when the transport's buffer is full.
        At most once: a tell to a system that is gone is lost (see docs/distributed.md)."""
        self._transport.tell(self._subject, self._path, self._target, msg)

    async def send(self, msg: Any) -> None:
        """Returns once the remote mailbox took the message (waiting there for room)."""
        transport = self._transport
        await transport.request(
            self._subject, SEND, self._path, self._target, msg, transport.send_timeout
        )

    async def ask(self, msg: Any, timeout: float = 5.0) -> Any:
        return await self._transport.request(
            self._subject, ASK, self._path, self._target, msg, timeout
        )

    async def stop(self, timeout: float | None = None) -> None:
        raise TypeError(f"{self._target} lives in another system: stop it there")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RemoteRef):
            return NotImplemented
        return (self._transport, self._target) == (other._transport, other._target)

    def __hash__(self) -> int:
        return hash((id(self._transport), self._target))

    def __repr__(self) -> str:
        return f"<RemoteRef {self._target}>"
