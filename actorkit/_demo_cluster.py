"""`python -m actorkit demo --nats URL`: the demo as one node of a cluster.

Every node exposes its `/translators` pool in the NATS queue group `translators` and runs a
`/courier` that hands documents to that group, so each document is translated by whichever
node NATS picks: run two demos against one nats-server and both pools serve both couriers.
The courier prints one line the first time another node did its work, and the metrics show
the traffic (`actorkit_nats_messages_total`, `actorkit_messages_processed_total`).
"""

from __future__ import annotations

import os
import re
import socket
from typing import Any

from ._actor import Actor
from ._cli_errors import CommandError
from ._errors import ActorStopped, AskTimeout
from ._transport import Transport

GROUP = "translators"
COURIER_TICK = 0.05
"""Seconds between documents a courier hands to the cluster."""


def node_name(name: str | None) -> str:
    """The system name: `--name` as given (a `ValueError` unless it is one NATS subject
    token, as the transport's `start` would refuse it), else `hostname-pid` made one."""
    if name is not None:
        if not re.fullmatch(r"[A-Za-z0-9_-]+", name):
            raise ValueError(
                "a system name on NATS must be ASCII letters, digits, '_' or '-' "
                f"(one NATS subject token), got {name!r}"
            )
        return name
    return re.sub(r"[^A-Za-z0-9_-]", "-", f"{socket.gethostname()}-{os.getpid()}")


def nats_transport(url: str) -> Transport:
    try:
        from .nats import NatsTransport
    except ImportError as error:
        raise CommandError(
            f"--nats needs the NATS extra ({error.name} is missing): pip install 'actorkit[nats]'"
        ) from None
    return NatsTransport(url)


class Courier(Actor):
    def __init__(self) -> None:
        self.sent = 0
        self.helpers: set[str] = set()

    async def on_start(self) -> None:
        self.timers.start_every("tick", "tick", COURIER_TICK)

    async def receive(self, message: Any) -> None:
        self.sent += 1
        system = self.system
        try:
            done = await system.remote_group(GROUP).ask(f"{system.name}-doc-{self.sent}", 1.0)
        except (ActorStopped, AskTimeout):
            return  # a node joining or leaving the group; the next document goes elsewhere
        helper = str(done).rpartition(" by ")[2].rstrip(")")
        if helper != system.name and helper not in self.helpers:
            self.helpers.add(helper)
            print(f"cluster: node {helper} translated work from {system.name}", flush=True)
