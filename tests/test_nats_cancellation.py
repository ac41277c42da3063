"""The NATS transport's awaited calls, cancelled at every loop turn they can be cut at (an
`asyncio.timeout` around them): a cancelled `start` leaves no connection behind, and the next
call of the kind works."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem
from actorkit.nats import NatsTransport

from .cancelling import cancelled_after
from .invariants import TaskSnapshot
from .nats_support import NatsServer, requires_nats

pytestmark = [requires_nats, pytest.mark.timeout(60)]


class Echo(Actor):
    async def receive(self, message: Any) -> Any:
        return message


def transport(server: NatsServer) -> NatsTransport:
    return NatsTransport(server.url, reconnect_time_wait=0.05)


async def test_a_start_cancelled_while_it_connects_leaves_no_connection_behind(
    server: NatsServer,
) -> None:
    """Its connections are opened in tasks of their own: cancelled while it waited for one,
    the start left that client connected, with nats-py's reader, pinger and flusher running
    for the life of the process, and nothing that would ever close it."""
    async with asyncio.timeout(40):
        for turns in range(0, 40, 4):  # from before the first connection to after the last
            tasks = TaskSnapshot()
            system = ActorSystem("cut", transport=transport(server))
            await cancelled_after(turns, system.start())
            await system.shutdown()
            await tasks.assert_no_leaks()
        async with ActorSystem("cut", transport=transport(server)) as system:
            system.expose(await system.spawn(Echo, name="echo"))
            assert await system.remote("cut", "/echo").ask("still here", timeout=10) == "still here"
