"""An ask that nats-py refuses, or fails to flush, whether it left at once or from the
outbound queue (behind a tell queued ahead of it): refused, the asker learns it was not sent
(`NotDelivered`, a retry is safe); failed in the flush, that it may or may not have been
handled (`ActorStopped`), at once either way, not at its timeout."""

from __future__ import annotations

import asyncio
from typing import Any

import nats.errors
import pytest

from actorkit import Actor, ActorRef, ActorStopped, ActorSystem, NotDelivered
from actorkit.nats import NatsTransport

from .nats_support import SAFETY, NatsServer, requires_nats
from .test_nats_flush import client_of, failing_flushes

pytestmark = requires_nats

PENDING = 100_000
"""The senders' `pending_size`: a publish past it waits for nats-py's flusher."""


class Echo(Actor):
    async def receive(self, message: Any) -> Any:
        return message


async def asked_both_ways(remote: ActorRef, message: bytes) -> list[BaseException]:
    """What an ask sent at once and one queued behind a tell raised."""
    raised: list[BaseException] = []
    for queued in (False, True):
        if queued:
            remote.tell("ahead")  # in the outbound queue until the writer's turn
        try:
            await remote.ask(message, timeout=SAFETY)
        except Exception as error:
            raised.append(error)
    return raised


async def test_an_ask_the_client_refuses_is_not_delivered(
    server: NatsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with (
        asyncio.timeout(SAFETY),
        ActorSystem("refusing", transport=NatsTransport(server.url)) as system,
    ):
        system.expose(await system.spawn(Echo, name="echo"))
        nc = client_of(system)
        publish = nc.publish

        async def refusing(subject: str, payload: bytes = b"", reply: str = "", **kw: Any) -> None:
            if b"refused" in payload:
                raise nats.errors.ConnectionClosedError
            await publish(subject, payload, reply=reply, **kw)

        monkeypatch.setattr(nc, "publish", refusing)
        raised = await asked_both_ways(system.remote("refusing", "/echo"), b"refused")
        assert [type(error) for error in raised] == [NotDelivered, NotDelivered]
        for error in raised:
            assert "the NATS client refused it (ConnectionClosedError())" in str(error)
            assert "refusing:/echo was not sent" in str(error)
        assert await system.remote("refusing", "/echo").ask("after") == "after"


async def test_an_ask_whose_flush_fails_may_or_may_not_have_been_handled(
    server: NatsServer,
) -> None:
    link = NatsTransport(server.url, pending_size=PENDING)
    async with asyncio.timeout(SAFETY), ActorSystem("failing", transport=link) as system:
        system.expose(await system.spawn(Echo, name="echo"))
        await link.flush()
        with failing_flushes(client_of(system)):
            raised = await asked_both_ways(system.remote("failing", "/echo"), b"x" * PENDING)
        assert [type(error) for error in raised] == [ActorStopped, ActorStopped]
        for error in raised:
            assert "the NATS client failed while sending it (ConnectionResetError" in str(error)
            assert "failing:/echo may or may not have got it" in str(error)
        assert await system.remote("failing", "/echo").ask("after") == "after"
