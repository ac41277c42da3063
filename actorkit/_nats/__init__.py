"""The NATS transport: actor systems in several processes, connected through NATS.

One job per module, from the bottom up:
- `_frames`: the transport's frames, and exceptions rebuilt from an allow-list;
- `_link`: the two connections (requests, and topics with `no_echo`) and their events;
- `_eager`: publishing on the caller's turn, and answers driven by their futures;
- `_direct`: messages handled in nats-py's read loop instead of a subscription's task;
- `_core`: subjects, the codec, counters and dead letters, shared by all the parts;
- `_probes`: pings to other systems (the name claim, reachability after an outage);
- `_batches`: a queued message (`Out`), and what the writer takes of them in one turn, as
  few NATS messages per subject;
- `_outbound`: the one ordered queue and its writer task, the buffer during outages;
- `_refusals`: payloads that do not decode, those of another version of their class above
  all (the dead letter, the log once per type, the error its sender gets);
- `_requests`: asks and acknowledged sends out, their replies back;
- `_exposure`: which local actors may be reached, by path and by queue group;
- `_slow`: what nats-py drops as a slow consumer, counted or refused;
- `_inbound`: requests and publishes from other systems;
- `_metrics`: the `actorkit_nats_*` families;
- `_remote_ref`: `RemoteRef`, an `ActorRef` without a local cell;
- `_transport`: `NatsTransport`, which builds the parts and ties them to a system.

Each system subscribes `<prefix>.topic.>` once and matches publishes locally with the
router's own index, so an actor gets each publish once however many of its patterns
match, and no subscription changes when actors come and go.
"""

from ._remote_ref import RemoteRef
from ._transport import NatsTransport

__all__ = ["NatsTransport", "RemoteRef"]
