"""`actorkit_published_messages_total` counts a system's own `publish` calls: a publish that
arrives from another system over NATS is a delivery here (`actorkit_publish_deliveries_total`),
not a publish of this system's. Counted in both, each publish showed once per system that
received it, and a dashboard's cluster-wide rate of publishes (a sum over instances) grew
with the number of systems."""

from __future__ import annotations

import asyncio

from actorkit import ActorSystem
from actorkit.testing import Probe

from .nats_support import SAFETY, NatsServer, requires_nats, transport
from .nats_systems_support import metric

pytestmark = requires_nats


async def test_a_publish_from_another_system_is_a_delivery_here_not_a_publish(
    server: NatsServer,
) -> None:
    link = transport(server)
    async with (
        asyncio.timeout(SAFETY),
        ActorSystem("publisher", transport=transport(server)) as publisher,
        ActorSystem("subscriber", transport=link) as subscriber,
    ):
        probe = await Probe.spawn(subscriber)
        subscriber.subscribe(probe.ref, "news.>")
        await link.flush()
        assert publisher.publish("news.today", "hello") == 0  # no local subscriber
        await probe.expect("hello")
        counts = [
            await metric(system, f"actorkit_{family}_total")
            for system in (publisher, subscriber)
            for family in ("published_messages", "publish_deliveries")
        ]
    assert counts == [1.0, 0.0, 0.0, 1.0]
