"""The requests' connection drops during the start's last round trip (the topics
connection's): the start still returns, the system runs, and `link_up` tells the truth. It
was set at the end of the start whatever the connection's state, so that `link_up` and
`link_down` were both set, and code waiting for the link went on while it was down."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem
from actorkit._nats import _transport
from actorkit._nats._round_trip import across_drops
from actorkit.nats import NatsTransport

from .nats_support import NatsServer, link_of, requires_nats

pytestmark = requires_nats

LONG = 10.0
BACK_AFTER = 0.5
"""Seconds nats-py waits before reconnecting to the server it just had: the start's last
round trip ends long before that."""


class Echo(Actor):
    async def receive(self, message: Any) -> Any:
        return message


async def test_a_drop_during_the_topics_round_trip_leaves_the_link_down_until_it_is_back(
    own: NatsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    dropped = asyncio.Event()

    async def drop_requests_first(nc: Any, within: float, *events: asyncio.Event) -> None:
        transport = link_of(system)
        link = transport._link  # noqa: SLF001
        if nc is link.topics and not dropped.is_set():
            assert link.nc is not None
            await link.nc._process_op_err(ConnectionResetError("dropped by the test"))  # noqa: SLF001
            dropped.set()
        await across_drops(nc, within, *events)

    monkeypatch.setattr(_transport, "across_drops", drop_requests_first)
    link = NatsTransport(own.url, reconnect_time_wait=BACK_AFTER)
    system = ActorSystem("dropping", transport=link)
    async with asyncio.timeout(LONG):
        async with system:
            assert dropped.is_set()
            assert link.link_down.is_set()
            assert not link.link_up.is_set(), "link_up set while the connection was down"
            await link.link_up.wait()
            assert not link.link_down.is_set()
            echo = await system.spawn(Echo, name="echo")
            system.expose(echo)
            await link.flush(timeout=LONG)
            assert await system.remote("dropping", "/echo").ask("hi", timeout=LONG) == "hi"
