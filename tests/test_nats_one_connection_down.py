"""One of a system's two NATS connections down, the other up (the server, or a proxy, cut
just that one): only the messages for the one that is down wait.

Requests (tells, sends, asks) travel on the requests' connection, publishes on the topics
one, and the writer hands them to nats-py from one queue. A publish meeting the topics
connection down held up everything queued behind it: an ask to a healthy system waited out
its timeout and failed with an `AskTimeout` blaming the other process, though it was never
sent, and tells waited for the topics connection. The proxy keeps the cut connection down
until the test mends it, every time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from actorkit import ActorSystem, MailboxFull, NotDelivered
from actorkit.nats import NatsTransport
from actorkit.testing import Probe

from .nats_proxy import Cut, proxy
from .nats_support import SAFETY, NatsServer, link_of, requires_nats, transport
from .nats_systems_support import Echo

pytestmark = requires_nats

ASK = SAFETY / 4
"""An ask's timeout here: an ask the cut connection held up fails the test in that time."""


@asynccontextmanager
async def cut_systems(
    server: NatsServer, cut: Cut, **options: Any
) -> AsyncIterator[tuple[ActorSystem, ActorSystem, Probe]]:
    """`here`, connected through the proxy, and `there`, connected straight, which exposes
    an `Echo` at /echo and has a probe subscribed to the topic `news`."""
    async with (
        asyncio.timeout(SAFETY),
        proxy(server, cut) as url,
        ActorSystem("there", transport=transport(server)) as there,
        ActorSystem(
            "here", transport=NatsTransport(url, reconnect_time_wait=0.05, **options)
        ) as here,
    ):
        there.expose(await there.spawn(Echo, name="echo"))
        listener = await Probe.spawn(there)
        there.subscribe(listener.ref, "news")
        yield here, there, listener


async def topics_cut(here: ActorSystem, cut: Cut) -> None:
    cut.cut("actorkit here topics")
    await link_of(here)._link.topics_down.wait()  # noqa: SLF001


async def test_a_topics_outage_holds_back_only_the_publishes(server: NatsServer) -> None:
    cut = Cut()
    async with cut_systems(server, cut) as (here, there, listener):
        link = link_of(here)
        echo = here.remote("there", "/echo")
        await topics_cut(here, cut)
        here.publish("news", 1)
        here.publish("news", 2)
        echo.tell("told")
        assert await echo.ask("asked", timeout=ASK) == ("echo", "asked")
        assert await echo.ask("got", timeout=ASK) == ["told", "asked"]
        assert (link.connected, link.health()["buffered"]) == (True, 2)
        listener.expect_empty()
        cut.mend()
        assert [await listener.expect(1), await listener.expect(2)] == [1, 2]
        await link.flush(SAFETY)
        assert link.health()["buffered"] == 0
        assert here.dead_letters.count == there.dead_letters.count == 0


async def test_publishes_held_for_the_topics_connection_have_a_buffer_of_their_own(
    server: NatsServer,
) -> None:
    """They are `max_buffered` at most, beyond which they are dead letters `buffer_full`,
    and take no room from the requests: those go on for as long as the outage lasts."""
    cut = Cut()
    async with cut_systems(server, cut, max_buffered=2) as (here, there, listener):
        echo = here.remote("there", "/echo")
        await topics_cut(here, cut)
        for n in (1, 2, 3):
            here.publish("news", n)
        assert here.dead_letters.by_reason == {"buffer_full": 1}
        echo.tell("told")
        echo.tell("told too")
        with pytest.raises(MailboxFull, match="outbound buffer is full"):
            echo.tell("no room")  # two tells queued, besides the publishes
        assert await echo.ask("asked", timeout=ASK) == ("echo", "asked")
        assert await echo.ask("got", timeout=ASK) == ["told", "told too", "asked"]
        assert link_of(here).health()["buffered"] == 2
        cut.mend()
        assert [await listener.expect(1), await listener.expect(2)] == [1, 2]
        assert there.dead_letters.count == 0


async def test_publishes_held_for_the_topics_connection_are_dead_letters_at_shutdown(
    server: NatsServer,
) -> None:
    cut = Cut()
    async with cut_systems(server, cut) as (here, _, __):
        await topics_cut(here, cut)
        here.publish("news", 1)
        assert link_of(here).health()["buffered"] == 1
        await here.shutdown()
        assert here.dead_letters.by_reason == {"shutdown": 1}
        cut.mend()


async def test_a_requests_outage_lets_publishes_through(server: NatsServer) -> None:
    cut = Cut()
    async with cut_systems(server, cut) as (here, _, listener):
        link = link_of(here)
        echo = here.remote("there", "/echo")
        assert await echo.ask("before", timeout=ASK) == ("echo", "before")
        cut.cut("actorkit here")
        await link.link_down.wait()
        echo.tell("told")
        here.publish("news", 1)
        assert await listener.expect(1) == 1
        assert not link.connected
        with pytest.raises(NotDelivered, match=r"^not connected to NATS: the ask to there:/echo"):
            await echo.ask("asked", timeout=ASK)
        assert link.health()["buffered"] == 1
        cut.mend()
        await link.link_up.wait()
        assert await echo.ask("after", timeout=ASK) == ("echo", "after")
        assert await echo.ask("got", timeout=ASK) == ["before", "told", "after"]


async def test_health_reads_reconnecting_and_the_link_follows_the_requests_connection(
    server: NatsServer,
) -> None:
    """distributed.md: with one connection down, `/healthz` reads `reconnecting` (its
    `connected` false, and `actorkit_nats_connected` 0) either way, while a remote ref's
    `is_alive`, `link_up` and `link_down` follow the requests' connection alone."""
    cut = Cut()
    async with cut_systems(server, cut) as (here, _, __):
        link = link_of(here)
        echo = here.remote("there", "/echo")
        gauge = "actorkit_nats_connected"

        def linked() -> tuple[bool, bool, bool]:
            return echo.is_alive, link.link_up.is_set(), link.link_down.is_set()

        assert here.metrics.registry.get_sample_value(gauge) == 1
        await topics_cut(here, cut)
        assert (link.health()["state"], link.health()["connected"]) == ("reconnecting", False)
        assert here.metrics.registry.get_sample_value(gauge) == 0
        assert linked() == (True, True, False)
        cut.mend()
        await link._link.topics_up.wait()  # noqa: SLF001
        assert link.health()["state"] == "connected"
        cut.cut("actorkit here")
        await link.link_down.wait()
        assert (link.health()["state"], link.health()["connected"]) == ("reconnecting", False)
        assert here.metrics.registry.get_sample_value(gauge) == 0
        assert linked() == (False, False, True)
        cut.mend()
        await link.link_up.wait()
        assert linked() == (True, True, False)
        assert link.health()["state"] == "connected"
