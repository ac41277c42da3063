"""A remote ask or send whose deadline passes before it left the outbound queue says so.

It was never sent, so never handled: its `AskTimeout` used to blame the other process (a
handler slower than the timeout, or a process that stopped answering) and a send's to say
it "may still be delivered". Here the ask waits behind a tell that is held until its
target answers again after an outage."""

from __future__ import annotations

import asyncio

import pytest

from actorkit import ActorRef, ActorSystem, AskTimeout
from actorkit.nats import NatsTransport

from .nats_support import SAFETY, NatsServer, requires_nats, transport

pytestmark = requires_nats


async def held_by_an_outage(own: NatsServer, link: NatsTransport, system: ActorSystem) -> ActorRef:
    """`ghost:/x`, with a tell to it held in the outbound queue after an outage: what is sent
    to it next waits behind that tell until ghost answers a ping, which it never does."""
    ghost = system.remote("ghost", "/x")
    own.stop()
    await link.link_down.wait()
    ghost.tell("held")
    own.start()
    await link.link_up.wait()
    return ghost


@pytest.mark.parametrize("kind", ["ask", "send"])
async def test_a_request_held_in_the_queue_past_its_deadline_says_it_was_not_sent(
    own: NatsServer, kind: str
) -> None:
    link = transport(own, buffer_timeout=SAFETY, send_timeout=0.2)
    async with asyncio.timeout(SAFETY), ActorSystem("held", transport=link) as system:
        ghost = await held_by_an_outage(own, link, system)
        with pytest.raises(AskTimeout) as raised:
            await (ghost.ask("behind it", timeout=0.2) if kind == "ask" else ghost.send("too"))
        text = str(raised.value)
        assert text.startswith("no reply from ghost:/x within 0.2s: it never left this system's")
        assert "was not handled" in text
        assert "may still be delivered" not in text
        assert "check that it runs" not in text
        assert link.asks["timeout"] == 1
        # While connected, the shutdown gives the held tell a second to drain, waiting on a
        # ghost that never answers; with the link down it has nowhere to drain and ends now
        own.stop()
        await link.link_down.wait()
