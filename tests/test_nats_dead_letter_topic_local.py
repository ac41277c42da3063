"""A publish to `actorkit.dead_letters` stays in its system: each system's dead-letter topic
is its own (docs/api.md §4), and another system refuses it from NATS as a `bad_topic` dead
letter (docs/distributed.md), so sent there it would only make a dead letter in every peer."""

from __future__ import annotations

import asyncio

from actorkit import DEAD_LETTER_TOPIC, ActorSystem
from actorkit.testing import Probe

from .nats_support import SAFETY, NatsServer, link_of, requires_nats, transport

pytestmark = requires_nats


async def test_a_publish_to_the_dead_letter_topic_reaches_local_watchers_and_no_peer(
    server: NatsServer,
) -> None:
    async with (
        asyncio.timeout(SAFETY),
        ActorSystem("here", transport=transport(server)) as here,
        ActorSystem("there", transport=transport(server)) as there,
    ):
        watcher = await Probe.spawn(here)
        here.subscribe(watcher.ref, DEAD_LETTER_TOPIC)
        far = await Probe.spawn(there)
        there.subscribe(far.ref, "after")
        there.subscribe(far.ref, DEAD_LETTER_TOPIC)
        await link_of(there).flush()  # its interest reached the server
        assert here.publish(DEAD_LETTER_TOPIC, "mine") == 1
        assert await watcher.receive(SAFETY) == "mine"
        # One connection carries both publishes in order: once "after" arrived there, the
        # first one would have too.
        here.publish("after", "barrier")
        assert await far.receive(SAFETY) == "barrier"
        assert there.dead_letters.count == 0
        assert here.dead_letters.count == 0
