"""A connection that closes or drops while the start's name claim waits for its answer:
nats-py's close leaves the request's future pending, so the claim must end on the close, not
on its own one-second timeout (the docs promise the server's error as soon as the connection
closes); a request lost with a drop is sent again once the connection is back."""

from __future__ import annotations

import asyncio
from typing import Any

import nats.errors
import pytest
from nats.aio.client import Client

from actorkit import ActorSystem, NameTaken

from .invariants import TaskSnapshot
from .nats_support import SAFETY, NatsServer, requires_nats, transport

pytestmark = requires_nats


async def test_a_start_whose_connection_closes_during_its_name_claim_fails_at_once(
    own: NatsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server's error line is read just after the claim's request left, before its
    answer: the claim waited out its second, took the silence for a free name, and only the
    next subscription found the connection closed."""
    publish, request = Client.publish, Client.request
    timed_out: list[BaseException] = []

    async def closed_after_the_claim(self: Client, subject: str, *args: Any, **kw: Any) -> None:
        await publish(self, subject, *args, **kw)
        if subject == "actorkit.actor.claiming":
            await self._process_err("'Maximum Subscriptions Exceeded'")

    async def watched(self: Client, *args: Any, **kw: Any) -> Any:
        try:
            return await request(self, *args, **kw)
        except TimeoutError as error:
            timed_out.append(error)
            raise

    monkeypatch.setattr(Client, "publish", closed_after_the_claim)
    monkeypatch.setattr(Client, "request", watched)
    tasks = TaskSnapshot()
    system = ActorSystem("claiming", transport=transport(own))
    async with asyncio.timeout(SAFETY):
        with pytest.raises(ConnectionError, match=r"server's error .*[Ss]ubscriptions"):
            await system.start()
    assert timed_out == [], "the claim waited out its own timeout"
    await tasks.assert_no_leaks()


async def test_a_name_claim_whose_request_was_lost_with_a_drop_asks_again(
    own: NatsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The claim's request is lost as its connection drops (never written here): the claim
    took the silence that followed for a free name, and a second system of that name ran."""
    publish = Client.publish
    lost = asyncio.Event()

    async def lose_the_claim(self: Client, subject: str, *args: Any, **kw: Any) -> None:
        if subject == "actorkit.actor.twin" and not lost.is_set():
            lost.set()
            return
        await publish(self, subject, *args, **kw)

    async with ActorSystem("twin", transport=transport(own)):
        monkeypatch.setattr(Client, "publish", lose_the_claim)
        link = transport(own)
        twin = ActorSystem("twin", transport=link)
        starting = asyncio.ensure_future(twin.start())
        try:
            async with asyncio.timeout(SAFETY):
                await lost.wait()
                nc = link._link.connection  # noqa: SLF001
                await nc._process_op_err(nats.errors.UnexpectedEOF())  # noqa: SLF001
                with pytest.raises(NameTaken, match="already connected"):
                    await starting
        finally:
            await twin.shutdown()
