"""A system on NATS never shut down (a test that forgets `shutdown()`): the end of its loop
(`asyncio.run` cancelling every task left) shuts it down, closing its connection at once,
without the goodbye a shutdown sends (nats-py's own tasks were cancelled with the rest, so
the goodbye's round trip would wait out the connect timeout for each forgotten system)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from actorkit import Actor, ActorSystem
from actorkit.nats import NatsTransport

from .nats_support import NatsServer, link_of, requires_nats

pytestmark = requires_nats

BOUND = 5.0
SLOW_GOODBYE = 30.0
"""A connect timeout far past `BOUND`: a loop's end that waited for a goodbye would show."""


class Echo(Actor):
    async def receive(self, message: Any) -> Any:
        return message


def test_the_loop_ending_closes_a_forgotten_systems_nats_connection_at_once(
    server: NatsServer,
) -> None:
    links: list[NatsTransport] = []

    async def forgotten() -> None:
        transport = NatsTransport(server.url, connect_timeout=SLOW_GOODBYE)
        system = ActorSystem("forgotten-on-nats", transport=transport)
        async with asyncio.timeout(BOUND):
            await system.start()
            echo = await system.spawn(Echo, name="echo")
            system.expose(echo)
            remote = system.remote("forgotten-on-nats", "/echo")
            assert await remote.ask("hello", timeout=BOUND) == "hello"
            assert await echo.ask("hi") == "hi"
        links.append(link_of(system))

    began = time.monotonic()
    with asyncio.Runner() as runner:
        runner.run(forgotten())
    took = time.monotonic() - began
    [link] = links
    nc = link._link.nc  # noqa: SLF001
    assert nc is None or nc.is_closed
    assert took < BOUND
