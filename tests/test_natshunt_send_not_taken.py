"""A remote send returns once the remote mailbox took the message (docs/distributed.md), and
`send` and `ask` "tell you whether they got through". A send waiting for room when its actor
stops never got in: the message is a dead letter there, and its sender must hear so, as an
ask queued at a stopping actor does (`NotDelivered`), instead of a return that reads as
"the mailbox took it"."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import DEAD_LETTER_TOPIC, ActorSystem, NotDelivered
from actorkit.testing import Probe

from .nats_support import SAFETY, NatsServer, link_of, requires_nats, transport
from .nats_systems_support import Echo, Holder

pytestmark = requires_nats


class StopsAfterOne(Holder):
    """Holds its first message until released, then stops itself."""

    async def receive(self, message: Any) -> None:
        await super().receive(message)
        self.stop()


async def test_a_remote_send_waiting_for_room_at_an_actor_that_stops_is_not_delivered(
    server: NatsServer,
) -> None:
    async with (
        asyncio.timeout(SAFETY),
        ActorSystem("target", transport=transport(server)) as system,
        ActorSystem("caller", transport=transport(server)) as caller,
    ):
        arrived, release = asyncio.Event(), asyncio.Event()
        stops = await system.spawn(
            StopsAfterOne, arrived, release, name="stops", mailbox_size=1, restart="temporary"
        )
        system.expose(stops)
        system.expose(await system.spawn(Echo, name="echo"))
        letters = await Probe.spawn(system)
        system.subscribe(letters.ref, DEAD_LETTER_TOPIC)
        await link_of(system).flush()
        remote = caller.remote("target", "/stops")
        remote.tell("held")
        await arrived.wait()
        remote.tell("queued")  # the mailbox is full
        sending = asyncio.ensure_future(remote.send("waits for room"))
        # One subscription carries every request to "target", in order: once the echo
        # answers, the send waits for room at the full mailbox.
        assert await caller.remote("target", "/echo").ask("barrier") == ("echo", "barrier")
        assert not sending.done()
        release.set()  # the actor stops after this message: "queued" is never taken out
        with pytest.raises(NotDelivered, match="/stops"):
            await sending
        letter_messages = {(await letters.receive(SAFETY)).message for _ in range(2)}
        assert letter_messages == {"queued", "waits for room"}
