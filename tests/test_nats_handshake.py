"""A server's first PING read where nats-py 2.16 waits for its handshake's PONG.

The server pings a client about 2 s after it accepted the connection. When that PING lands
between its reading the client's CONNECT and the client's PING (a loaded machine stalls one
of them), nats-py takes it for no answer and leaves the connection CONNECTING for good:
`connect` returns, nothing it buffers is ever written (subscriptions, publishes), and it
never reconnects, until the server drops it as stale minutes later. Nothing was logged; the
system started as if connected. The proxy here puts that PING first every time."""

from __future__ import annotations

import asyncio

import nats
import pytest

from actorkit import ActorSystem
from actorkit.nats import NatsTransport

from .nats_proxy import PING, Forward, proxy
from .nats_support import SAFETY, NatsServer, link_of, requires_nats, settled
from .nats_systems_support import Echo

pytestmark = requires_nats


def ping_first(connection: int) -> Forward:
    """The server's PING ahead of the PONG to the handshake of the `connection`th client."""

    def forward(
        n: int, line: bytes, to_server: asyncio.StreamWriter, to_client: asyncio.StreamWriter
    ) -> None:
        if n == connection and line == PING and not pinged:
            pinged.append(n)
            to_client.write(PING)
        to_server.write(line)

    pinged: list[int] = []
    return forward


@pytest.mark.parametrize("connection", [1, 2], ids=["requests", "topics"])
async def test_a_connection_whose_handshake_nats_py_misread_is_opened_again(
    server: NatsServer, connection: int
) -> None:
    async with asyncio.timeout(SAFETY), proxy(server, ping_first(connection)) as url:
        raw = await nats.connect(server.url)
        try:
            async with ActorSystem("misread", transport=NatsTransport(url)) as system:
                assert link_of(system).health()["state"] == "connected"
                system.expose(await system.spawn(Echo, name="echo"))
                seen = await raw.subscribe("actorkit.topic.>")
                await settled(raw)
                system.publish("t.x", "out")
                assert (await seen.next_msg(SAFETY)).data == b"\x91\xa3out"
                ping = b"\x94\x03\xa0\xc0\xc0"  # [PING, "", None, None]: its subscription
                assert (await raw.request("actorkit.actor.misread", ping, SAFETY)).data
        finally:
            await raw.close()
