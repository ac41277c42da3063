"""What a user is told when NATS fails part of the way: a queue group the client would not
join, and a request the link lost before or after it left the outbound queue."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
import nats.errors
import pytest

from actorkit import Actor, ActorStopped, ActorSystem, NotDelivered

from .nats_support import (
    SAFETY,
    Gate,
    NatsServer,
    refused_subscriptions,
    requires_nats,
    transport,
)

pytestmark = requires_nats


class Echo(Actor):
    async def receive(self, message: Any) -> Any:
        return message


async def test_a_group_the_client_would_not_join_is_reported_until_exposed_again(
    server: NatsServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    link = transport(server)
    async with asyncio.timeout(SAFETY), ActorSystem("joining", transport=link) as system:
        http = await system.serve_http(port=0)
        echo = await system.spawn(Echo, name="echo")
        with refused_subscriptions(link, monkeypatch):
            with caplog.at_level(logging.WARNING, "actorkit"):
                system.expose(echo, group="g")
                with pytest.raises(nats.errors.ConnectionDrainingError):
                    await link.flush()
            assert "could not join the NATS queue group 'g'" in caplog.text
            assert link.health()["failed_groups"] == ["g"]
            async with aiohttp.ClientSession() as session, session.get(f"{http.url}/healthz") as r:
                response, body = r, await r.json()
            assert (response.status, body["status"]) == (200, "degraded")
            with pytest.raises(NotDelivered, match="nobody answers"):
                await system.remote_group("g").ask("hi")
        system.expose(echo, group="g")  # tries again
        await link.flush()
        assert link.health()["failed_groups"] == []
        assert await system.remote_group("g").ask("hi") == "hi"


async def test_a_group_exposed_while_the_link_is_down_is_joined_when_it_is_back(
    own: NatsServer,
) -> None:
    """nats-py keeps the subscription and sends it after the reconnect: nothing fails."""
    link = transport(own)
    async with asyncio.timeout(SAFETY), ActorSystem("later", transport=link) as system:
        own.stop()
        await link.link_down.wait()
        system.expose(await system.spawn(Echo, name="echo"), group="g")
        own.start()
        await link.link_up.wait()  # the client resent the subscription first, then the ask
        assert link.health()["failed_groups"] == []
        assert await system.remote_group("g").ask("hi") == "hi"


async def test_a_lost_link_fails_queued_requests_as_not_sent_and_sent_ones_as_unknown(
    own: NatsServer,
) -> None:
    """A request still in the outbound queue never reached nats-py: `NotDelivered`, safe to
    retry. One handed to nats-py may have been handled: plain `ActorStopped`."""
    link = transport(own, buffer_timeout=SAFETY)
    async with asyncio.timeout(SAFETY), ActorSystem("losing", transport=link) as system:
        arrived, release = asyncio.Event(), asyncio.Event()
        system.expose(await system.spawn(Gate, arrived, release, name="gate"))
        gate = system.remote("losing", "/gate")
        sent = asyncio.ensure_future(gate.ask("sent", SAFETY))
        await arrived.wait()
        own.stop()
        await link.link_down.wait()
        ghost = system.remote("ghost", "/x")
        ghost.tell("held")  # queued until ghost answers a probe
        own.start()
        await link.link_up.wait()
        queued = [  # behind the held tell to the same target
            asyncio.ensure_future(ghost.ask("queued", SAFETY)),
            asyncio.ensure_future(ghost.send("queued")),
        ]
        await asyncio.sleep(0)  # one turn: both are in the queue, not a wait for time
        assert link.health()["buffered"] == 3
        own.stop()
        await link.link_down.wait()
        for request in queued:
            with pytest.raises(NotDelivered, match="before it left the outbound queue"):
                await request
        with pytest.raises(ActorStopped, match="may or may not have been handled") as caught:
            await sent
        assert not isinstance(caught.value, NotDelivered)
        release.set()


async def test_an_ask_waiting_for_room_fails_at_once_when_the_connection_closes_for_good(
    own: NatsServer,
) -> None:
    """A client that does not reconnect (`allow_reconnect=False`) reports the drop and the
    close back to back: the ask waiting for room must not take the room the close made."""
    link = transport(own, max_buffered=1, buffer_timeout=SAFETY)
    async with ActorSystem("closing", transport=link) as system:
        system.expose(await system.spawn(Echo, name="echo"))
        own.stop()
        await link.link_down.wait()
        system.remote("ghost", "/x").tell("held")  # fills the buffer; waits for a probe
        own.start()
        await link.link_up.wait()
        waiting = asyncio.ensure_future(system.remote("closing", "/echo").ask("hi", SAFETY))
        await asyncio.sleep(0)  # one turn: the ask is queued for room, not a wait for time
        assert not waiting.done()
        link._link.connection.options["allow_reconnect"] = False  # noqa: SLF001
        own.stop()
        async with asyncio.timeout(SAFETY / 4):  # not after the ask's own timeout
            with pytest.raises(NotDelivered):
                await waiting


async def test_an_ask_waiting_for_its_reply_fails_at_once_when_its_system_shuts_down(
    server: NatsServer,
) -> None:
    arrived, release = asyncio.Event(), asyncio.Event()
    async with ActorSystem("holding", transport=transport(server)) as holding:
        holding.expose(await holding.spawn(Gate, arrived, release, name="gate"))
        asker = ActorSystem("leaving", transport=transport(server))
        await asker.start()
        try:
            asking = asyncio.ensure_future(asker.remote("holding", "/gate").ask("hi", SAFETY))
            await arrived.wait()
        finally:
            await asker.shutdown()
        async with asyncio.timeout(SAFETY / 4):  # not after the ask's own timeout
            with pytest.raises(ActorStopped, match="shut down before the reply arrived"):
                await asking
        release.set()
