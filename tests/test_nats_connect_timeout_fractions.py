"""`NatsTransport(connect_timeout=...)` bounds each connection attempt nats-py makes, not
only actorkit's own wait. It reached nats-py as `max(1, int(connect_timeout))`: 1.9 s became
1 s there, so a server whose handshake took 1.3 s was given up on at 1 s, every attempt,
and the system never connected within the 1.9 s its owner gave. nats-py takes seconds as a
float (`asyncio.wait_for`, aiohttp's websocket timeout): it gets the timeout as given."""

from __future__ import annotations

import asyncio

from actorkit import ActorSystem
from actorkit.nats import NatsTransport

from .nats_proxy import PING, Forward, proxy
from .nats_support import SAFETY, NatsServer, link_of, requires_nats

pytestmark = requires_nats

SLOW_HANDSHAKE = 1.3
"""Seconds the server takes to answer a client's handshake: past 1 s, well within 1.9 s."""


def slow_handshake() -> Forward:
    """Each connection's first PING (its handshake's) reaches the server `SLOW_HANDSHAKE`
    late, and what the client writes after it keeps its place behind it."""
    held: dict[int, list[bytes] | None] = {}  # None once released: the rest passes

    def release(n: int, to_server: asyncio.StreamWriter) -> None:
        lines, held[n] = held[n], None
        if lines and not to_server.is_closing():
            to_server.writelines(lines)

    def forward(
        n: int, line: bytes, to_server: asyncio.StreamWriter, _: asyncio.StreamWriter
    ) -> None:
        lines = held.get(n)
        if lines is not None:
            lines.append(line)
        elif n not in held and line == PING:
            held[n] = [line]
            asyncio.get_running_loop().call_later(SLOW_HANDSHAKE, release, n, to_server)
        else:
            to_server.write(line)

    return forward


async def test_a_handshake_slower_than_a_second_connects_within_a_fractional_timeout(
    server: NatsServer,
) -> None:
    async with asyncio.timeout(SAFETY), proxy(server, slow_handshake()) as url:
        transport = NatsTransport(url, connect_timeout=1.9)
        async with ActorSystem("fractions", transport=transport) as system:
            assert link_of(system).health()["state"] == "connected"
