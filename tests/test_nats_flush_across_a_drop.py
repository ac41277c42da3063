"""A round trip whose PING is lost with its connection (a flush's, a departure's, a start's):
nats-py starts a new list of PONG waiters as it reconnects and never answers the old one, so
the PING must go again once the link is back, not wait for an answer that cannot come."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from nats.aio.client import Client

from actorkit import Actor, ActorSystem

from .invariants import TaskSnapshot
from .nats_support import SAFETY, NatsServer, link_of, requires_nats, transport

pytestmark = requires_nats

LONG = 10.0


class Echo(Actor):
    async def receive(self, message: Any) -> Any:
        return message


def lose_the_next_ping(monkeypatch: pytest.MonkeyPatch) -> asyncio.Event:
    """The requests' connection's next PING is registered as nats-py does, but not written:
    as if lost with the connection. The event is set once it was."""
    held = asyncio.Event()
    send_ping = Client._send_ping  # noqa: SLF001

    async def lose_the_first(self: Client, future: asyncio.Future[Any] | None = None) -> None:
        if held.is_set() or self.options["name"].endswith(" topics"):
            await send_ping(self, future)
            return
        assert future is not None
        self._pongs.append(future)
        held.set()

    monkeypatch.setattr(Client, "_send_ping", lose_the_first)
    return held


async def test_a_flush_whose_ping_was_lost_with_the_connection_returns_once_it_is_back(
    own: NatsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The flush's first PING is registered as nats-py does, but never written, and the
    server restarts: the flush waited out its timeout and raised `TimeoutError`, though the
    link was back at once."""
    async with ActorSystem("dropping", transport=transport(own)) as system:
        link = link_of(system)
        held = lose_the_next_ping(monkeypatch)
        flushing = asyncio.ensure_future(link.flush(timeout=LONG))
        async with asyncio.timeout(LONG / 2):
            await held.wait()
        own.restart()
        await asyncio.wait((flushing,), timeout=LONG / 2)
        assert flushing.done(), "the flush still waits for the PONG of a PING the drop lost"
        flushing.result()
        assert link.connected


async def test_a_flush_waiting_for_a_departure_whose_ping_was_lost_returns_once_it_is_back(
    own: NatsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A group member stops; the connection drops while its departure waits for the PONG.
    The server forgot the subscription with the connection: the departure waited out
    `connect_timeout`, and the flush waiting for it raised `TimeoutError`."""
    link = transport(own, connect_timeout=LONG)
    async with ActorSystem("departing", transport=link) as system:
        member = await system.spawn(Echo, name="member")
        system.expose(member, group="jobs")
        await link.flush(timeout=LONG)
        held = lose_the_next_ping(monkeypatch)
        await member.stop()
        async with asyncio.timeout(LONG / 2):
            await held.wait()
        own.restart()
        flushing = asyncio.ensure_future(link.flush(timeout=LONG))
        await asyncio.wait((flushing,), timeout=LONG / 2)
        assert flushing.done(), "the flush still waits for the departure"
        flushing.result()
        assert link.health()["failed_groups"] == []


async def test_a_start_whose_ping_was_lost_with_the_connection_returns_once_it_is_back(
    own: NatsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The drop during the start's own round trip: the start waited out `connect_timeout`
    and failed with nats-py's `FlushTimeoutError`, the link back long before."""
    held = lose_the_next_ping(monkeypatch)
    link = transport(own, connect_timeout=LONG)
    system = ActorSystem("restarting", transport=link)
    starting = asyncio.ensure_future(system.start())
    try:
        async with asyncio.timeout(LONG / 2):
            await held.wait()
        own.restart()
        await asyncio.wait((starting,), timeout=LONG / 2)
        assert starting.done(), "the start still waits for the PONG of a PING the drop lost"
        starting.result()
        assert link.connected
    finally:
        await system.shutdown()


async def test_a_start_whose_connection_dropped_for_longer_than_connect_timeout_says_so(
    own: NatsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    held = lose_the_next_ping(monkeypatch)
    tasks = TaskSnapshot()
    system = ActorSystem("stranded", transport=transport(own, connect_timeout=0.5))
    starting = asyncio.ensure_future(system.start())
    async with asyncio.timeout(SAFETY):
        await held.wait()
        own.stop()
        with pytest.raises(ConnectionError, match=r"dropped while 'stranded' started.*0\.5 s"):
            await starting
    await tasks.assert_no_leaks()


async def test_a_shutdown_whose_connection_drops_as_it_leaves_its_subject_ends_at_once(
    own: NatsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server forgot the subject with the connection: the shutdown waited out
    `connect_timeout` for the PONG of the PING that leaving it sent."""
    system = ActorSystem("leaving", transport=transport(own, connect_timeout=LONG))
    await system.start()
    held = lose_the_next_ping(monkeypatch)
    stopping = asyncio.ensure_future(system.shutdown())
    async with asyncio.timeout(LONG / 2):
        await held.wait()
    own.restart()
    await asyncio.wait((stopping,), timeout=LONG / 2)
    assert stopping.done(), "the shutdown still waits to leave its subject"
    stopping.result()
