"""A remote ask or send whose deadline passes before it left the outbound queue says so.

It was never sent, so never handled: its `AskTimeout` used to blame the other process (a
handler slower than the timeout, or a process that stopped answering) and a send's to say
it "may still be delivered". Here the ask waits behind a tell that is held until its
target answers again after an outage."""

from __future__ import annotations

import asyncio

import pytest

from actorkit import ActorSystem, AskTimeout

from .nats_support import SAFETY, NatsServer, requires_nats, transport

pytestmark = requires_nats


@pytest.mark.parametrize("kind", ["ask", "send"])
async def test_a_request_held_in_the_queue_past_its_deadline_says_it_was_not_sent(
    own: NatsServer, kind: str
) -> None:
    link = transport(own, buffer_timeout=SAFETY, send_timeout=0.2)
    async with asyncio.timeout(SAFETY), ActorSystem("held", transport=link) as system:
        ghost = system.remote("ghost", "/x")
        own.stop()
        await link.link_down.wait()
        ghost.tell("held")  # waits for ghost to answer a ping after the reconnect
        own.start()
        await link.link_up.wait()
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
