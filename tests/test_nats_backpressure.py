"""Backpressure over NATS: a remote send to a full mailbox, a full outbound buffer."""

from __future__ import annotations

import asyncio

import pytest

from actorkit import ActorSystem, AskTimeout, MailboxFull

from .nats_support import SAFETY, NatsServer, requires_nats, transport
from .nats_systems_support import Echo, Holder

pytestmark = requires_nats


async def test_a_remote_send_to_a_full_mailbox_times_out_with_ask_timeout(
    server: NatsServer,
) -> None:
    """Both sides keep `send_timeout`: whichever gives up first, the caller gets `AskTimeout`
    and it is counted as a timeout."""
    arrived, release = asyncio.Event(), asyncio.Event()
    sender_link = transport(server, send_timeout=0.3)
    async with (
        ActorSystem("full", transport=transport(server)) as full,
        ActorSystem("sender", transport=sender_link) as sender,
    ):
        held = await full.spawn(Holder, arrived, release, name="held", mailbox_size=1)
        full.expose(held)
        held.tell("handled")
        await arrived.wait()
        held.tell("queued")  # the mailbox is full
        remote = sender.remote("full", "/held")
        for _ in range(3):
            with pytest.raises(AskTimeout, match="the send may still be delivered"):
                await remote.send("more")
        assert (sender_link.asks["timeout"], sender_link.asks["error"]) == (3, 0)
        release.set()
        assert await remote.ask("after", SAFETY) is None  # the receiver still reads NATS


async def test_a_full_outbound_buffer_is_backpressure(server: NatsServer) -> None:
    async with ActorSystem("burst", transport=transport(server, max_buffered=5)) as system:
        system.expose(await system.spawn(Echo, name="echo"))
        echo = system.remote("burst", "/echo")
        for i in range(5):
            echo.tell(i)  # no await: the writer has not run yet
        with pytest.raises(MailboxFull, match="outbound buffer is full"):
            echo.tell(5)
        assert await echo.ask("got") == [0, 1, 2, 3, 4]
