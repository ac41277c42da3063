"""What the NATS transport's errors advise, in each case its own: the advice must be one that
works in that case (a send cannot wait for room while NATS is unreachable), and the words must
name the case (a group or a system, the asker's message or the reply)."""

from __future__ import annotations

import pytest

from actorkit import ActorSystem, MailboxFull

from .nats_support import NatsServer, requires_nats, transport

pytestmark = requires_nats


async def test_a_full_buffer_while_unreachable_advises_what_can_work(own: NatsServer) -> None:
    link = transport(own, max_buffered=1)
    async with ActorSystem("cut", transport=link) as system:
        ghost = system.remote("ghost", "/x")
        own.stop()
        await link.link_down.wait()
        ghost.tell(1)
        with pytest.raises(MailboxFull) as refused:
            ghost.tell(2)
    words = str(refused.value)
    assert "unreachable" in words and "link_up" in words and "max_buffered" in words
    assert "ref.send" not in words  # a send fails at once while disconnected


async def test_a_full_buffer_while_connected_advises_send(server: NatsServer) -> None:
    async with ActorSystem("busy", transport=transport(server, max_buffered=1)) as system:
        ghost = system.remote("ghost", "/x")
        ghost.tell(1)  # no await: the writer has not run yet
        with pytest.raises(MailboxFull, match=r"await ref\.send\(msg\)"):
            ghost.tell(2)
