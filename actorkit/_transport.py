"""What `ActorSystem` needs from a transport, so the core never imports one.

The in-memory router stays the default and the only path for local traffic; a transport
adds reach: publishes forwarded to other systems, exposed actors, and refs to remote ones.
`actorkit.nats.NatsTransport` is the implementation; the protocol lets tests and future
transports plug in without the core knowing them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from ._router import DEAD_LETTER_TOPIC

if TYPE_CHECKING:
    import asyncio

    from ._dead_letters import DeadLetters
    from ._instruments import Instruments
    from ._metrics import Metrics
    from ._ref import ActorRef
    from ._runtime import Runtime


class Topics(Protocol):
    """The part of the router a transport uses."""

    def publish(
        self, topic: str, message: Any, *, unmatched_is_dead: bool = True, own: bool = True
    ) -> int: ...

    def wanted(self, topic: str) -> bool: ...


class Host:
    """What a transport may use of the system that starts it, and nothing more: its name,
    loop, dead letters and instruments (from the runtime), the local half of a publish and
    the metrics to add families to. The system stays the user's face; a transport never
    holds it."""

    __slots__ = ("_runtime", "_topics", "metrics", "name")

    def __init__(self, name: str, runtime: Runtime, topics: Topics, metrics: Metrics) -> None:
        self.name: str = name
        self._runtime = runtime
        self._topics = topics
        self.metrics: Metrics = metrics

    def publish_local(self, topic: str, message: object) -> int:
        """Deliver a publish from another system to the local subscribers (no dead letter
        when there is none: the publish was meant for every system). The dead-letter topic
        is this system's own: its watchers get its `DeadLetter` records, not what any
        process that can publish on the NATS account sends there."""
        if topic == DEAD_LETTER_TOPIC:
            raise ValueError(f"topic {topic!r} takes no publishes from other systems")
        return self._topics.publish(topic, message, unmatched_is_dead=False, own=False)

    def wanted(self, topic: str) -> bool:
        """Whether a publish from another system to `topic` would reach an actor here: one
        that no actor here would have got is no refusal of this system's when it cannot be
        decoded. A subject no topic can have (`a*b`, a control character) is refused too:
        not asked of the router, which would raise."""
        try:
            return self._topics.wanted(topic)
        except ValueError:
            return True

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return self._runtime.loop

    @property
    def accepting(self) -> bool:
        return self._runtime.accepting

    @property
    def dead_letters(self) -> DeadLetters:
        return self._runtime.dead_letters

    @property
    def instruments(self) -> Instruments:
        return self._runtime.instruments


@runtime_checkable
class Transport(Protocol):
    async def start(self, host: Host, /) -> None:
        """Called at the end of `system.start()`; raising aborts the start. Positional, so
        an implementation may name its parameter as it likes (`NatsTransport`'s `system`)."""

    def closing(self) -> None:
        """Called as `system.shutdown()` begins, before the actors stop: stop taking work
        that other systems could do instead (queue groups)."""

    async def stop(self) -> None:
        """Called at the end of `system.shutdown()`, after the actors stopped."""

    def publish(self, topic: str, message: object) -> None:
        """Forward a publish to the other systems; raise TypeError for what cannot cross."""

    def expose(self, ref: ActorRef, group: str | None = None) -> None: ...

    def remote(self, system: str, path: str) -> ActorRef: ...

    def remote_group(self, group: str) -> ActorRef: ...

    def health(self) -> dict[str, object]:
        """Connection state for `/healthz`: at least `state` (`connected`, `reconnecting` or
        `closed`) and `connected` (bool); a non-empty `failed_groups` reads `degraded`."""


def check_transport(transport: object) -> Transport | None:
    if transport is None or isinstance(transport, Transport):
        return transport
    raise TypeError(
        "transport= takes a transport such as actorkit.nats.NatsTransport(servers=[...]), "
        f"got {type(transport).__name__}"
    )
