"""A request waiting for room in a full outbound buffer: what ends its wait, and what it is
told then."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import cast

import pytest

from actorkit import ActorSystem, NotDelivered
from actorkit._nats._batches import Out
from actorkit._nats._core import Core
from actorkit._nats._outbound import Outbox
from actorkit._nats._probes import Probes

from .nats_support import SAFETY, NatsServer, requires_nats, transport
from .nats_systems_support import Echo, ask_waiting_for_room


async def test_an_outage_fails_a_request_waiting_for_room_at_once() -> None:
    """The writer wakes such a waiter after each of its turns, but it may take none as the
    link drops (it waits for the topics connection, say, this one being up): the outage
    itself wakes it, to fail as a new request would."""
    link = SimpleNamespace(connected=True, stopping=False, refusal=lambda: "the link dropped")
    outbox = Outbox(cast(Core, SimpleNamespace(link=link)), cast(Probes, None), max_buffered=1)
    assert outbox.enqueue(Out("actorkit.actor.b", b"", "", "held", "b:/x", False, None))
    waiting = asyncio.ensure_future(outbox.wait_for_room())
    await asyncio.sleep(0)  # one turn: it waits for room, not for time
    assert not waiting.done()
    link.connected = False
    outbox.outage()
    async with asyncio.timeout(SAFETY / 4):  # not after the request's own deadline
        with pytest.raises(NotDelivered, match="the link dropped"):
            await waiting


@requires_nats
async def test_a_request_waiting_for_room_as_its_system_stops_is_told_so(
    own: NatsServer,
) -> None:
    """Connected all along: the error says the system is shutting down, not that NATS is
    unreachable, which would send its reader looking for an outage."""
    link = transport(own, max_buffered=1, buffer_timeout=SAFETY)
    system = await ActorSystem("closing", transport=link).start()
    try:
        system.expose(await system.spawn(Echo, name="echo"))
        waiting = await ask_waiting_for_room(system, own, link)
        async with asyncio.timeout(SAFETY / 4):
            await system.shutdown()
            with pytest.raises(NotDelivered, match="shutting down"):
                await waiting
    finally:
        await system.shutdown()
