"""Promises docs/distributed.md makes of the link that no other test pinned: health and
metrics in an outage, what an outage logs, a periodic remote tell on a full buffer, TLS host
names, a websocket URL, the client's defaults, a flush's timeout, and what `on_stop` sends in a
shutdown."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import aiohttp
import nats.errors
import pytest

from actorkit import Actor, ActorSystem
from actorkit._nats._options import nats_options
from actorkit.nats import NatsTransport
from actorkit.testing import ManualClock, Probe

from .nats_support import SAFETY, NatsServer, requires_nats, server_certificate, transport
from .nats_systems_support import Echo, metric
from .processes import HeldPort

pytestmark = requires_nats


async def test_what_waits_for_the_link_shows_in_health_and_metrics(own: NatsServer) -> None:
    link = transport(own)
    async with asyncio.timeout(SAFETY), ActorSystem("waiting", transport=link) as system:
        assert link.health() == {
            "state": "connected",
            "connected": True,
            "server": own.url,
            "buffered": 0,
            "failed_groups": [],
        }
        own.stop()
        await link.link_down.wait()
        system.remote("elsewhere", "/x").tell("kept")
        system.remote_group("jobs").tell("kept too")
        health = link.health()
        assert (health["state"], health["connected"], health["buffered"]) == (
            "reconnecting",
            False,
            2,
        )
        assert await metric(system, "actorkit_nats_buffered") == 2
        assert await metric(system, "actorkit_nats_connected") == 0


async def test_a_periodic_tell_to_a_remote_ref_finding_the_buffer_full_is_a_dead_letter(
    own: NatsServer,
) -> None:
    clock = ManualClock()
    link = transport(own, max_buffered=1)
    async with (
        asyncio.timeout(SAFETY),
        ActorSystem("ticking", clock=clock, transport=link) as system,
    ):
        own.stop()
        await link.link_down.wait()
        system.remote("ghost", "/x").tell("fills the buffer")
        ticks = system.schedule_every(1.0, system.remote("ticking", "/probe"), "tick")
        await clock.advance(1.0)
        await clock.advance(1.0)
        assert ticks.active  # it goes on ticking
        assert system.dead_letters.by_reason == {"mailbox_full": 2}
        assert ticks.cancel()


async def test_a_certificate_for_another_host_is_refused_at_once_unless_tls_hostname_names_it(
    tmp_path: Path,
) -> None:
    certified = server_certificate(tmp_path, "nats.internal")
    secured = NatsServer("--tls", "--tlscert", str(certified.cert), "--tlskey", str(certified.key))
    secured.start()
    url = f"tls://127.0.0.1:{secured.port}"
    trusting = certified.trusting()
    try:
        async with asyncio.timeout(SAFETY):
            elsewhere = ActorSystem("elsewhere", transport=NatsTransport(url, tls=trusting))
            with pytest.raises(ConnectionRefusedError, match=r"not valid for '127\.0\.0\.1'"):
                async with asyncio.timeout(2.0):  # at once, not after connect_timeout (5 s)
                    await elsewhere.start()
            named = NatsTransport(url, tls=trusting, tls_hostname="nats.internal")
            async with ActorSystem("named", transport=named) as system:
                system.expose(await system.spawn(Echo, name="echo"))
                assert await system.remote("named", "/echo").ask(1) == ("echo", 1)
    finally:
        secured.stop()


def test_the_client_reconnects_for_ever_and_gets_every_security_option() -> None:
    credentials = {"token": None, "user": "u", "password": "p", "user_credentials": "a.creds"}
    options = nats_options(5.0, credentials | {"tls_hostname": "h"}, {"nkeys_seed": "a.nk"})
    assert (options["max_reconnect_attempts"], options["reconnect_time_wait"]) == (-1, 0.5)
    assert "token" not in options  # not given: nats-py's own default
    for key, value in (("user", "u"), ("password", "p"), ("user_credentials", "a.creds")):
        assert options[key] == value
    assert (options["tls_hostname"], options["nkeys_seed"]) == ("h", "a.nk")
    assert nats_options(5.0, {}, {"reconnect_time_wait": 2})["reconnect_time_wait"] == 2


class Leaving(Actor):
    """Tells, publishes, asks and sends to another system from its `on_stop`."""

    def __init__(self, outcomes: list[Any]) -> None:
        self.outcomes = outcomes

    async def receive(self, message: Any) -> None:
        pass

    async def on_stop(self) -> None:
        echo = self.system.remote("staying", "/echo")
        echo.tell("told")
        self.system.publish("t.bye", "published")
        self.outcomes.append(await echo.ask("asked"))
        await echo.send("sent")
        self.outcomes.append("sent")


async def test_what_on_stop_sends_in_a_shutdown_still_leaves(server: NatsServer) -> None:
    outcomes: list[Any] = []
    async with (
        asyncio.timeout(SAFETY),
        ActorSystem("staying", transport=transport(server)) as staying,
    ):
        echo = await staying.spawn(Echo, name="echo")
        staying.expose(echo)
        probe = await Probe.spawn(staying)
        staying.subscribe(probe.ref, "t.>")
        async with ActorSystem("leaving", transport=transport(server)) as leaving:
            await leaving.spawn(Leaving, outcomes)
        assert outcomes == [("echo", "asked"), "sent"]
        assert leaving.dead_letters.count == 0
        assert await echo.ask("got") == ["told", "asked", "sent"]
        await probe.expect("published")


async def test_an_outage_warns_of_each_lost_connection_once(
    own: NatsServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "actorkit")
    link = transport(own)
    async with asyncio.timeout(SAFETY), ActorSystem("cut", transport=link):
        own.stop()
        await link.link_down.wait()
        own.start()
        await link.link_up.wait()
        await link.flush()  # the topics connection is back too
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warned.count("cut lost its NATS connection; reconnecting") == 1
    assert warned.count("cut lost its NATS topics connection; reconnecting") == 1
    assert len(warned) <= 6, warned  # per connection: the error ending it, the loss, one attempt
    back = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert any(line.startswith("cut reconnected to NATS") for line in back), back
    assert any(line.startswith("cut (topics connection) reconnected") for line in back), back


async def test_a_flush_that_outlasts_its_timeout_raises_timeout_error_and_harms_nothing(
    own: NatsServer,
) -> None:
    link = transport(own)
    async with asyncio.timeout(SAFETY), ActorSystem("late", transport=link) as system:
        system.expose(await system.spawn(Echo, name="echo"))
        own.stop()
        await link.link_down.wait()
        with pytest.raises(TimeoutError):
            await link.flush(timeout=0.1)  # the outage outlasts it
        own.start()
        await link.link_up.wait()
        await link.flush()
        assert await system.remote("late", "/echo").ask("hi") == ("echo", "hi")


# nats-py hands aiohttp's `ws_connect` a float timeout, which aiohttp deprecates.
@pytest.mark.filterwarnings("ignore:parameter 'timeout' of type 'float':DeprecationWarning")
async def test_a_system_on_a_websocket_url_reaches_one_on_nats(tmp_path: Path) -> None:
    """`ws://` is one of the schemes `servers` takes: both connections go over it."""
    with HeldPort(shared=True) as web:
        both = NatsServer()
        both.configure(
            tmp_path / "ws.conf",
            f"websocket {{\n host: 127.0.0.1\n port: {web.port}\n no_tls: true\n}}\n",
        )
        both.start()
        try:
            async with (
                asyncio.timeout(SAFETY),
                ActorSystem("web", transport=NatsTransport(f"ws://127.0.0.1:{web.port}")) as w,
                ActorSystem("plain", transport=NatsTransport(both.url)) as plain,
            ):
                w.expose(await w.spawn(Echo, name="echo"))
                plain.expose(await plain.spawn(Echo, name="echo"))
                probe = await Probe.spawn(plain)
                plain.subscribe(probe.ref, "t.>")
                assert await w.remote("plain", "/echo").ask(1) == ("echo", 1)
                assert await plain.remote("web", "/echo").ask(2) == ("echo", 2)
                w.publish("t.x", "over a websocket")
                await probe.expect("over a websocket")
        finally:
            both.stop()


async def test_a_link_closed_for_good_makes_healthz_503_disconnected(own: NatsServer) -> None:
    link = transport(own, max_reconnect_attempts=1)
    async with asyncio.timeout(SAFETY), ActorSystem("given-up", transport=link) as system:
        http = await system.serve_http(port=0)
        own.stop()
        await link.link_down.wait()
        with pytest.raises(nats.errors.ConnectionClosedError):
            await link.flush(timeout=SAFETY)  # returns once the client gave up for good
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{http.url}/healthz") as response,
        ):
            body = await response.json()
        assert (response.status, body["status"]) == (503, "disconnected")
        assert (body["transport"]["state"], body["transport"]["connected"]) == ("closed", False)
