"""`settled`, the tests' wait for the server to have a raw client's subscription, against
nats-py's `flush`, which can return before the server read the SUB written just before it:
a publish from another connection then reaches nobody, and nothing says so. The proxy here
makes the server read the SUB late every time, as it sometimes does under load."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import nats
import pytest
from nats.aio.client import Client

from actorkit._nats._round_trip import round_trip

from .nats_support import SAFETY, NatsServer, requires_nats, settled

pytestmark = requires_nats

PING = b"PING\r\n"


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while data := await reader.read(65536):
        writer.write(data)
        await writer.drain()
    writer.close()


async def _late_commands(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """The client's commands in order, each but a PING held until the client writes a PING
    after it: the server answers a PING before it reads what follows it."""
    held: list[bytes] = []
    while line := await reader.readline():
        if line == PING:
            writer.write(b"".join([*held, line]))
            held.clear()
            await writer.drain()
        else:
            held.append(line)
    writer.close()


@asynccontextmanager
async def late_proxy(server: NatsServer) -> AsyncIterator[str]:
    pumps: set[asyncio.Task[None]] = set()

    async def accepted(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        server_r, server_w = await asyncio.open_connection("127.0.0.1", server.port)
        pumps.add(asyncio.current_task())  # type: ignore[arg-type]
        await asyncio.gather(_pump(server_r, client_w), _late_commands(client_r, server_w))

    proxy = await asyncio.start_server(accepted, "127.0.0.1", 0)
    try:
        yield f"nats://127.0.0.1:{proxy.sockets[0].getsockname()[1]}"
    finally:
        proxy.close()
        if pumps:  # each ends once its client closed, the server's side after it
            await asyncio.wait(pumps)


async def flushed(client: Client) -> None:
    """nats-py's own wait, which this proxy shows short: the first publish is lost."""
    await client.flush(timeout=int(SAFETY))


@pytest.mark.parametrize(("wait", "first"), [(flushed, b"after"), (settled, b"lost?")])
async def test_a_subscription_is_on_the_server_once_settled_not_once_flushed(
    server: NatsServer, wait: Callable[[Client], Awaitable[None]], first: bytes
) -> None:
    async with asyncio.timeout(SAFETY), late_proxy(server) as url:
        subscriber = await nats.connect(url)
        publisher = await nats.connect(server.url)
        try:
            seen = await subscriber.subscribe("late.>")
            await wait(subscriber)
            await publisher.publish("late.x", b"lost?")
            await round_trip(publisher, SAFETY)  # the server routed it, or had nobody to
            await settled(subscriber)  # the SUB is on the server now, however it waited
            await publisher.publish("late.x", b"after")
            assert (await seen.next_msg(SAFETY)).data == first
        finally:
            await subscriber.close()
            await publisher.close()
