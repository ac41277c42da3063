"""What the parts of one transport share: subjects, the codec, the counters, dead letters.

Subjects, under a configurable prefix (default `actorkit`):
- `<prefix>.actor.<system>`: every request to any exposed actor of that system (the path is
  in the frame, so actor names need not be valid subject tokens);
- `<prefix>.group.<group>`: a queue group, one member system gets each request;
- `<prefix>.topic.<topic>`: publishes.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, get_args

from .._dead_letters import TransportReason
from .._wire import Codec

if TYPE_CHECKING:
    from .._ref import ActorRef
    from .._transport import Host
    from ._link import Link

_TOKEN = re.compile(r"[A-Za-z0-9_-]+")
REJECT_REASONS: tuple[TransportReason, ...] = get_args(TransportReason)
ASK_OUTCOMES = ("ok", "error", "timeout", "stopped", "cancelled")


def token(value: object, what: str) -> str:
    if not isinstance(value, str) or not _TOKEN.fullmatch(value):
        raise ValueError(
            f"{what} must be ASCII letters, digits, '_' or '-' (one NATS subject token) to be used "
            f"with NatsTransport, got {value!r}"
        )
    return value


class Core:
    """One per transport, handed to each part: the system it serves (set by `start`), the
    link, the codec, the counters behind the `actorkit_nats_*` metrics, and the one way a
    message the transport refuses becomes a dead letter."""

    def __init__(self, prefix: str, link: Link) -> None:
        self.prefix = prefix
        self.topic_prefix = f"{prefix}.topic."
        self.link = link
        self.codec = Codec()
        self.system: Host | None = None
        self.sent = 0
        self.received = 0
        self.rejected: dict[str, int] = dict.fromkeys(REJECT_REASONS, 0)
        self.asks: dict[str, int] = dict.fromkeys(ASK_OUTCOMES, 0)

    def actor_subject(self, system: str) -> str:
        return f"{self.prefix}.actor.{system}"

    def group_subject(self, group: str) -> str:
        return f"{self.prefix}.group.{group}"

    def subject_of(self, target: str) -> str:
        """The subject of a request to `target`, as `NatsTransport.remote` (`system:/path`)
        and `remote_group` (`group:name`, a name without `/`) name it."""
        name, _, rest = target.partition(":")
        return self.actor_subject(name) if rest.startswith("/") else self.group_subject(rest)

    @property
    def system_name(self) -> str:
        return self.system.name if self.system is not None else "?"

    def encode(self, frame: list[Any], what: str | ActorRef = "the message") -> bytes:
        """`what` names the message in the error for one over `max_payload`: an actor's
        reply is named by the actor, whose path is read only then (not once per ask)."""
        payload = self.codec.encode(frame)
        nc = self.link.nc
        if nc is not None and len(payload) > nc.max_payload > 0:
            if not isinstance(what, str):
                what = f"the reply of {what.path}"
            raise ValueError(
                f"{what} encodes to {len(payload):,} bytes; the NATS server takes at most "
                f"{nc.max_payload:,} per message (its max_payload setting)"
            )
        return payload

    def reject(self, reason: TransportReason, message: object, recipient: str) -> None:
        self.rejected[reason] = self.rejected.get(reason, 0) + 1
        self.dead_letter(message, recipient, reason)

    def dead_letter(self, message: object, recipient: str, reason: TransportReason) -> None:
        if self.system is not None:
            self.system.dead_letters.add(message, recipient, reason)
