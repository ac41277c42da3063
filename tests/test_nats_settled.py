"""`settled`, the tests' wait for the server to have a raw client's subscription, against
nats-py's `flush`, which can return before the server read the SUB written just before it:
a publish from another connection then reaches nobody, and nothing says so. The proxy here
makes the server read the SUB late every time, as it sometimes does under load."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import nats
import pytest
from nats.aio.client import Client

from actorkit._nats._round_trip import round_trip

from .nats_proxy import PING, Forward, proxy
from .nats_support import SAFETY, NatsServer, requires_nats, settled

pytestmark = requires_nats


def late_commands() -> Forward:
    """Each command but a PING held until its client writes a PING after it: the server
    answers a PING before it reads what was written after it."""
    held: dict[int, list[bytes]] = {}

    def forward(n: int, line: bytes, to_server: asyncio.StreamWriter, _: object) -> None:
        waiting = held.setdefault(n, [])
        if line == PING:
            to_server.write(b"".join([*waiting, line]))
            waiting.clear()
        else:
            waiting.append(line)

    return forward


async def flushed(client: Client) -> None:
    """nats-py's own wait, which this proxy shows short: the first publish is lost."""
    await client.flush(timeout=int(SAFETY))


@pytest.mark.parametrize(("wait", "first"), [(flushed, b"after"), (settled, b"lost?")])
async def test_a_subscription_is_on_the_server_once_settled_not_once_flushed(
    server: NatsServer, wait: Callable[[Client], Awaitable[None]], first: bytes
) -> None:
    async with asyncio.timeout(SAFETY), proxy(server, late_commands()) as url:
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
