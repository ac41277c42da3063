"""A `flush` waiting for the outbound queue while the connection closes for good: nothing
queued will ever leave, so it fails at once, as the docs promise, instead of at its
timeout."""

from __future__ import annotations

import asyncio

import nats.errors
import pytest

from actorkit import DEAD_LETTER_TOPIC, ActorSystem
from actorkit.testing import Probe

from .nats_support import SAFETY, NatsServer, link_of, requires_nats, transport

pytestmark = requires_nats


async def test_a_flush_waiting_for_tells_buffered_in_an_outage_fails_when_it_ends_for_good(
    own: NatsServer,
) -> None:
    """The tell waits, buffered, for the link; the reconnection gives up and the tell becomes a
    dead letter. The flush waiting for it to leave waited out its timeout and raised
    `TimeoutError`: the writer, asleep until something new came, never said the queue was
    empty."""
    async with ActorSystem("doomed", transport=transport(own, max_reconnect_attempts=1)) as system:
        link = link_of(system)
        letters = await Probe.spawn(system)
        system.subscribe(letters.ref, DEAD_LETTER_TOPIC)
        own.stop()
        await link.link_down.wait()
        system.remote("elsewhere", "/x").tell("buffered")
        flushing = asyncio.ensure_future(link.flush(timeout=SAFETY))
        async with asyncio.timeout(SAFETY / 2):
            letter = await letters.receive(timeout=SAFETY / 2)
            assert (letter.message, letter.reason) == ("buffered", "transport_closed")
            with pytest.raises(nats.errors.ConnectionClosedError):
                await flushing
