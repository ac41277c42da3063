"""Order from one sender to one remote actor holds while nats-py's buffer is over its limit:
tells wait in the outbox for the flusher, an ask or send may leave at once from its own task
when nothing is queued ahead of it, and each must still land behind what came before."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor, ActorSystem
from actorkit.nats import NatsTransport

from .nats_support import SAFETY, NatsServer, link_of, requires_nats

pytestmark = requires_nats

PENDING = 64 * 1024
"""nats-py's pending buffer (`pending_size`): each large tell below is past it."""


class Recorder(Actor):
    def __init__(self, seen: list[int], done: asyncio.Event, last: int) -> None:
        self.seen = seen
        self.done = done
        self.last = last

    async def receive(self, message: Any) -> Any:
        number = message[0]
        self.seen.append(number)
        if number == self.last:
            self.done.set()
        return number


async def test_tells_asks_and_sends_past_the_pending_size_keep_their_order(
    server: NatsServer,
) -> None:
    seen: list[int] = []
    done = asyncio.Event()
    count = 60
    async with (
        asyncio.timeout(SAFETY),
        ActorSystem("sink", transport=NatsTransport(server.url)) as sink,
        ActorSystem("burst", transport=NatsTransport(server.url, pending_size=PENDING)) as burst,
    ):
        sink.expose(await sink.spawn(Recorder, seen, done, count - 1, name="rec"))
        await link_of(sink).flush()
        rec = burst.remote("sink", "/rec")
        for n in range(count):
            body = (n, b"x" * (PENDING if n % 3 else 10))
            if n % 5 == 4:
                assert await rec.ask(body, timeout=SAFETY) == n
            elif n % 7 == 6:
                await rec.send(body)
            else:
                rec.tell(body)
        await done.wait()
        assert seen == list(range(count))
        assert burst.dead_letters.by_reason == {}
