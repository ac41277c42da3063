"""A publish over NATS reaches every subscribing system once, and none that is shutting down."""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
import nats
import pytest
from nats.aio.msg import Msg

from actorkit import Actor, ActorSystem, testing
from actorkit._nats._inbound import Inbound
from actorkit.testing import Probe

from .nats_node import Add
from .nats_support import SAFETY, NatsServer, link_of, requires_nats, transport

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
            await link_of(system).flush()
        for probe in (here, there):
            await probe.ref.ask("sync")
            await probe.expect("sync")
            probe.expect_empty()
        for system in (pub, sub):  # a publish another system may want is no dead letter
            assert "no_subscribers" not in system.dead_letters.by_reason


class Lingering(Actor):
    """Holds its system's shutdown open until released; subscribed to what is published."""

    def __init__(self, got: list[Any], stopping: asyncio.Event, release: asyncio.Event) -> None:
        self.got = got
        self.stopping = stopping
        self.release = release

    async def receive(self, message: Any) -> None:
        self.got.append(message)

    async def on_stop(self) -> None:
        self.stopping.set()
        await self.release.wait()


async def test_a_publish_arriving_during_shutdown_is_a_dead_letter_shutdown(
    server: NatsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its system no longer accepts work but still reads NATS: the publish is refused, as a
    local one would be, not handed to subscribers that are stopping."""
    got: list[Any] = []
    stopping, release, handled = asyncio.Event(), asyncio.Event(), asyncio.Event()
    topic_now = Inbound.topic_now

    def routed(inbound: Inbound, msg: Msg) -> bool:
        try:
            return topic_now(inbound, msg)
        finally:
            handled.set()

    monkeypatch.setattr(Inbound, "topic_now", routed)  # before `start` subscribes with it
    client = await nats.connect(server.url)
    sub = await ActorSystem("sub", transport=transport(server)).start()
    try:
        lingering = await sub.spawn(Lingering, got, stopping, release, name="lingering")
        sub.subscribe(lingering, "orders")
        shutting = asyncio.create_task(sub.shutdown())
        async with asyncio.timeout(SAFETY):
            await stopping.wait()
            assert not testing.accepting(sub)
            await client.publish("actorkit.topic.orders", msgspec.msgpack.encode(["late"]))
            await handled.wait()
        assert sub.dead_letters.by_reason == {"shutdown": 1}
        assert [d.message for d in sub.dead_letters.recent] == ["late"]
    finally:
        release.set()
        await sub.shutdown()
        await client.close()
    await shutting
    assert got == []
