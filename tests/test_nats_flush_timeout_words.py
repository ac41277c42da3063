"""A `flush` that outlasts its timeout says what did not happen in time, and for which system:
it raised a bare `TimeoutError()`, a line with no words in a deploy script's log."""

from __future__ import annotations

import asyncio

import pytest

from actorkit import ActorSystem

from .nats_support import SAFETY, NatsServer, requires_nats, transport

pytestmark = requires_nats


async def test_a_flush_past_its_timeout_says_what_it_waited_for(own: NatsServer) -> None:
    link = transport(own)
    async with asyncio.timeout(SAFETY), ActorSystem("late", transport=link):
        own.stop()
        await link.link_down.wait()
        with pytest.raises(TimeoutError) as late:
            await link.flush(timeout=0.1)
        said = str(late.value)
        assert said.startswith("late: NATS did not confirm"), said
        assert "within 0.1 s" in said
        own.start()
        await link.link_up.wait()
        await link.flush()
