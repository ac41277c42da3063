"""A system that reconnects to find another of its name answering (started while this one was
cut off from NATS, where the name claim could not see it) says so in an ERROR: from then on
both handle every tell, send and ask to the name, and nothing else tells the operator."""

from __future__ import annotations

import asyncio
import logging

from actorkit import ActorSystem
from actorkit.nats import NatsTransport

from .nats_proxy import Cut, proxy
from .nats_support import Keeper, NatsServer, link_of, requires_nats, transport

pytestmark = requires_nats


class Said(logging.Handler):
    """Keeps the ERRORs of logger `actorkit` about a namesake; `heard` is set at the first."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.lines: list[str] = []
        self.heard = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if "another system named" in record.getMessage():
            self.lines.append(record.getMessage())
            self.heard.set()


async def test_a_namesake_found_after_a_reconnect_is_an_error(server: NatsServer) -> None:
    said = Said()
    logging.getLogger("actorkit").addHandler(said)
    cut = Cut()
    try:
        async with asyncio.timeout(20), proxy(server, cut) as url:
            first = ActorSystem("orders", transport=NatsTransport(url, reconnect_time_wait=0.05))
            async with first:
                first.expose(await first.spawn(Keeper, name="k"))
                cut.cut("actorkit orders")
                await link_of(first).link_down.wait()
                async with ActorSystem("orders", transport=transport(server)) as second:
                    second.expose(await second.spawn(Keeper, name="k"))
                    cut.mend()
                    await said.heard.wait()
        assert len(said.lines) == 1
        assert "each handles every message" in said.lines[0]
    finally:
        logging.getLogger("actorkit").removeHandler(said)


async def test_a_reconnect_with_no_namesake_says_nothing(server: NatsServer) -> None:
    said = Said()
    logging.getLogger("actorkit").addHandler(said)
    try:
        async with asyncio.timeout(20), ActorSystem("alone", transport=transport(server)) as system:
            link = link_of(system)
            server.restart()
            await link.link_down.wait()
            await link.link_up.wait()
            await link.flush()
        assert not said.lines
    finally:
        logging.getLogger("actorkit").removeHandler(said)


async def test_the_recheck_leaves_no_subscription_behind(server: NatsServer) -> None:
    """Its inbox is unsubscribed once the answers are read: a link that reconnects for
    months would otherwise gain a subscription at each reconnect."""
    async with asyncio.timeout(20), ActorSystem("alone", transport=transport(server)) as system:
        link = link_of(system)
        nc = link._link.nc  # noqa: SLF001 - nats-py reconnects this client in place
        assert nc is not None
        before = len(nc._subs)  # noqa: SLF001
        server.restart()
        await link.link_down.wait()
        await link.link_up.wait()
        rechecking = link._probes._rechecking  # noqa: SLF001
        assert rechecking is not None
        await rechecking  # no namesake: it listened out its whole wait
        assert len(nc._subs) == before  # noqa: SLF001
