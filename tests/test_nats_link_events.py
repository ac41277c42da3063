"""`link_up` and `link_down` tell the connection's state to the end: once the system shut down
(or its start failed) the link is down, as it is once it closed for good."""

from __future__ import annotations

import asyncio

import pytest

from actorkit import ActorSystem
from actorkit.nats import NatsTransport

from .nats_support import SAFETY, NatsServer, requires_nats, transport
from .processes import HeldPort

pytestmark = requires_nats


async def test_a_shut_down_system_is_link_down(server: NatsServer) -> None:
    """`link_up` stayed set after the shutdown closed the connections, so code waiting on
    `link_down` to learn that the system lost NATS waited for ever."""
    link = transport(server)
    assert not (link.link_up.is_set() or link.link_down.is_set())  # not started yet
    async with asyncio.timeout(SAFETY):
        async with ActorSystem("closing", transport=link):
            assert link.link_up.is_set() and not link.link_down.is_set()
        assert link.link_down.is_set()
        assert not link.link_up.is_set()


async def test_a_start_that_failed_is_link_down() -> None:
    with HeldPort(shared=False) as nowhere:
        link = NatsTransport(f"nats://127.0.0.1:{nowhere.port}", connect_timeout=0.2)
        async with asyncio.timeout(SAFETY):
            with pytest.raises(ConnectionError):
                await ActorSystem("unborn", transport=link).start()
    assert link.link_down.is_set() and not link.link_up.is_set()
