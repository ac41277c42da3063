"""A publish over NATS reaches every subscribing system once."""

from __future__ import annotations

from actorkit import ActorSystem, testing
from actorkit.testing import Probe

from .nats_node import Add
from .nats_support import NatsServer, requires_nats, transport

pytestmark = requires_nats


async def test_publish_reaches_every_system_once(server: NatsServer) -> None:
    async with (
        ActorSystem("pub", transport=transport(server)) as pub,
        ActorSystem("sub", transport=transport(server)) as sub,
    ):
        here = await Probe.spawn(pub)
        there = await Probe.spawn(sub)
        for system, probe in ((pub, here), (sub, there)):
            system.subscribe(probe.ref, "orders.>")
            system.subscribe(probe.ref, "orders.*")  # two matching patterns, still once
        assert pub.publish("orders.eu", Add(5)) == 1  # local deliveries
        assert pub.publish("nobody.listens", 1) == 0
        await here.expect(Add(5))
        await there.expect(Add(5))
        assert sub.publish("orders.us", "back") == 1
        await here.expect("back")
        await there.expect("back")
        for system in (pub, sub):  # every echo of those publishes has been handled now
            assert testing.transport(system) is not None
            await testing.transport(system).flush()
        for probe in (here, there):
            await probe.ref.ask("sync")
            await probe.expect("sync")
            probe.expect_empty()
        assert "no_subscribers" not in pub.dead_letters.by_reason
