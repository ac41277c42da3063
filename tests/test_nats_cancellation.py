"""The NATS transport's awaited calls, cancelled at every loop turn they can be cut at (an
`asyncio.timeout` around them): a cancelled `start` leaves no connection behind, a cancelled
`flush` leaves the transport hearing, and either way the next call of the kind works."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import pytest

from actorkit import Actor, ActorSystem
from actorkit.nats import NatsTransport

from .cancelling import cancelled_after
from .invariants import TaskSnapshot
from .nats_support import NatsServer, link_of, requires_nats

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


async def test_a_cancelled_flush_leaves_the_transport_hearing(server: NatsServer) -> None:
    """`flush` waits for PONGs: nats-py's own flush, cut short, left its cancelled future among
    the PONG waiters, and the PONG then killed the client's read loop, so the system, still
    connected to all appearances, heard neither requests nor replies any more."""
    async with asyncio.timeout(40):
        async with (
            ActorSystem("flushed", transport=transport(server)) as flushed,
            ActorSystem("peer", transport=transport(server)) as peer,
        ):
            flushed.expose(await flushed.spawn(Echo, name="echo"))
            peer.expose(await peer.spawn(Echo, name="echo"))
            for turns in range(6):
                await cancelled_after(turns, link_of(flushed).flush())
                inbound = peer.remote("flushed", "/echo")
                outbound = flushed.remote("peer", "/echo")
                assert await inbound.ask(("in", turns), timeout=5) == ("in", turns)
                assert await outbound.ask(("out", turns), timeout=5) == ("out", turns)
            await link_of(flushed).flush(timeout=5)


async def test_a_start_cancelled_while_it_claims_its_name_leaves_no_error_unretrieved(
    server: NatsServer,
) -> None:
    """The claim asks its own subject and, cancelled, cancels that request: one that had
    just ended with nats-py's `NoRespondersError` (the name is free) kept it, and asyncio
    logged "Task exception was never retrieved" once the task was collected."""
    loop = asyncio.get_running_loop()
    reported: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _, context: reported.append(context))
    try:
        async with asyncio.timeout(60):
            for turns in range(40):  # every turn of the start, past its claim
                system = ActorSystem("claim", transport=transport(server))
                await cancelled_after(turns, system.start())
                await system.shutdown()
            gc.collect()  # a task is reported when it is collected
            await asyncio.sleep(0)
    finally:
        loop.set_exception_handler(None)
    assert [context.get("message") for context in reported] == []
