"""A publish on a system whose NATS transport has not started yet reaches no one (there is no
connection, and no actor can subscribe before the start): it is a dead letter
`no_subscribers`, as it is on a system without a transport. It was dropped without a trace: the
transport's refusal went to the dead letters of a system it did not know yet."""

from __future__ import annotations

import asyncio

from actorkit import ActorSystem
from actorkit.nats import NatsTransport

from .nats_support import SAFETY, NatsServer, requires_nats, transport

pytestmark = requires_nats


async def test_a_publish_before_the_start_is_a_dead_letter(server: NatsServer) -> None:
    link = transport(server)
    system = ActorSystem("early", transport=link)
    assert system.publish("orders.created", {"id": 7}) == 0
    assert system.dead_letters.by_reason == {"no_subscribers": 1}
    (letter,) = system.dead_letters.recent
    assert (letter.message, letter.recipient) == ({"id": 7}, "orders.created")
    async with asyncio.timeout(SAFETY):
        await system.start()
        try:
            await link.flush()
            assert system.dead_letters.by_reason == {"no_subscribers": 1}
        finally:
            await system.shutdown()


def test_a_publish_on_a_system_never_started_is_a_dead_letter() -> None:
    system = ActorSystem("never", transport=NatsTransport("nats://127.0.0.1:1"))
    assert system.publish("orders.created", "lost?") == 0
    assert system.dead_letters.count == 1
