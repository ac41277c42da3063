"""The NATS link in health and metrics, a lost link, and systems that are gone or vanish."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from actorkit import ActorStopped, ActorSystem, AskTimeout
from actorkit.nats import NatsTransport

from .nats_support import NatsServer, link_of, requires_nats, transport
from .nats_systems_support import Echo, Holder, metric

pytestmark = requires_nats


async def test_gone_systems_fail_fast_and_vanishing_ones_time_out(server: NatsServer) -> None:
    asker_link = transport(server)
    async with ActorSystem("asker", transport=asker_link) as asker:
        with pytest.raises(ActorStopped, match="not connected"):
            await asker.remote("nobody", "/x").ask("hi", timeout=5.0)
        with pytest.raises(ActorStopped, match="no member"):
            await asker.remote_group("empty").ask("hi", timeout=5.0)
        held = ActorSystem("vanishing", transport=transport(server))
        await held.start()
        arrived, release = asyncio.Event(), asyncio.Event()
        held.expose(await held.spawn(Holder, arrived, release, name="holder"))
        remote = asker.remote("vanishing", "/holder")
        asking = asyncio.ensure_future(remote.ask("hold", timeout=0.5))
        await arrived.wait()
        await link_of(held).stop()  # the process "dies": no reply will ever come
        with pytest.raises(AskTimeout) as timed_out:
            await asking
        assert str(timed_out.value) == (
            "no reply from vanishing:/holder within 0.5s; either its handler is slower than "
            "that (raise the ask's timeout or make the handler faster), the process serving "
            "it stopped answering (frozen, cut off, or gone before NATS noticed: check that "
            "it runs), or its NATS user may not publish to _INBOX.> (the server refused the "
            "reply: that system logs a permissions violation)"
        )
        awaited = asker_link._requests._replies  # noqa: SLF001
        assert awaited == {}  # a late reply has nobody to find: none is kept waiting for
        release.set()
        await held.shutdown()
        with pytest.raises(ActorStopped):
            await remote.ask("hi", timeout=5.0)


async def test_health_and_metrics_show_the_link(server: NatsServer) -> None:
    async with ActorSystem("watched", transport=transport(server)) as system:
        http = await system.serve_http(port=0)
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{http.url}/healthz") as response:
                body = await response.json()
            assert response.status == 200
            assert body["status"] == "ok"
            assert body["transport"]["state"] == "connected"
            assert body["transport"]["server"] == server.url
            async with session.get(f"{http.url}/metrics") as response:
                text = await response.text()
        assert "actorkit_nats_connected 1.0" in text
        assert 'actorkit_nats_messages_total{direction="out"}' in text
        assert 'actorkit_nats_rejected_total{reason="bad_payload"} 0.0' in text


async def test_a_lost_link_is_degraded_health_and_comes_back() -> None:
    own = NatsServer()
    own.start()
    try:
        link = NatsTransport(own.url, reconnect_time_wait=0.05)
        async with ActorSystem("resilient", transport=link) as system:
            http = await system.serve_http(port=0)
            system.expose(await system.spawn(Echo, name="echo"))
            echo = system.remote("resilient", "/echo")
            async with aiohttp.ClientSession() as session:
                assert link.reconnects == 0
                own.stop()
                await link.link_down.wait()
                async with session.get(f"{http.url}/healthz") as response:
                    body = await response.json()
                assert response.status == 200
                assert body["status"] == "degraded"
                assert body["transport"]["state"] == "reconnecting"
                assert await metric(system, "actorkit_nats_connected") == 0.0
                with pytest.raises(ActorStopped, match="not connected"):
                    await echo.ask("got")  # fails at once instead of waiting for a timeout
                echo.tell("kept")  # buffered until the link and the target are back
                own.start()
                await link.link_up.wait()
                assert await echo.ask("got") == ["kept"]
                await link.flush()
                async with session.get(f"{http.url}/healthz") as response:
                    assert (await response.json())["status"] == "ok"
            assert await metric(system, "actorkit_nats_reconnects_total") >= 1
            assert link.reconnects >= 1
    finally:
        own.stop()


async def test_a_flush_begun_during_an_outage_returns_once_both_connections_are_back() -> None:
    """nats-py forgets the PINGs it was asked to send while reconnecting (a reconnection
    starts a new list of PONG waiters), so a flush that pinged a connection still down waited
    for an answer that never came and timed out although the link was back."""
    own = NatsServer()
    own.start()
    try:
        link = NatsTransport(own.url, reconnect_time_wait=0.05)
        async with ActorSystem("flushing", transport=link):
            own.stop()
            await link.link_down.wait()
            flushing = asyncio.ensure_future(link.flush(timeout=10.0))
            await asyncio.sleep(0)  # it has begun, against connections that are down
            own.start()
            async with asyncio.timeout(10):
                await flushing
            topics = link._link.topics  # noqa: SLF001 - the second connection, flushed too
            assert link.link_up.is_set() and topics is not None and topics.is_connected
    finally:
        own.stop()
