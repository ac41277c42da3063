"""A connection nats-py closes while a round trip waits for its PONG: nats-py leaves that
waiter pending, so the wait must end on the link's close, not on its timeout.

Each test holds the requests' connection's PINGs back (registered as nats-py does, never
written, so no PONG can come) and lets nats-py read the server's error line, which closes
the connection, only once a PING was held: the order a loaded machine gave the start test in
`test_nats_start_failures.py` now and then."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import nats.errors
import pytest
from nats.aio.client import Client

from actorkit import Actor, ActorSystem

from .invariants import TaskSnapshot
from .nats_support import NatsServer, link_of, requires_nats, transport

pytestmark = requires_nats

LONG = 10.0
"""A connect and flush timeout the tests must not wait out (they allow half of it)."""


class Echo(Actor):
    async def receive(self, message: Any) -> Any:
        return message


@pytest.fixture
def pinged(monkeypatch: pytest.MonkeyPatch) -> asyncio.Event:
    """Set once the requests' connection held back a PING (`hold`); nats-py reads a
    server's error line only after that."""
    held = asyncio.Event()
    process_err = Client._process_err  # noqa: SLF001

    async def error_after_the_ping(self: Client, message: str) -> None:
        await held.wait()
        await process_err(self, message)

    monkeypatch.setattr(Client, "_process_err", error_after_the_ping)
    return held


def hold(monkeypatch: pytest.MonkeyPatch, pinged: asyncio.Event) -> None:
    """From here on, the requests' connection (not the topics one) registers the PINGs it is
    asked for as nats-py does, and writes none: no PONG comes for them."""
    send_ping = Client._send_ping  # noqa: SLF001

    async def ping(self: Client, future: asyncio.Future[Any] | None = None) -> None:
        if self.options["name"].endswith(" topics"):
            await send_ping(self, future)
            return
        assert future is not None
        self._pongs.append(future)
        pinged.set()

    monkeypatch.setattr(Client, "_send_ping", ping)


async def test_a_start_whose_connection_closes_after_its_ping_fails_with_the_servers_error(
    own: NatsServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pinged: asyncio.Event
) -> None:
    """A second subscription over the server's limit closes the requests' connection once its
    error line is read. Read after the start's round trip sent its PING, the start waited out
    `connect_timeout` and failed with nats-py's `FlushTimeoutError`, not the server's error."""
    own.configure(tmp_path / "one.conf", "max_subscriptions: 1\n")
    own.restart()
    hold(monkeypatch, pinged)
    tasks = TaskSnapshot()
    system = ActorSystem("late", transport=transport(own, connect_timeout=LONG))
    async with asyncio.timeout(LONG / 2):
        with pytest.raises(ConnectionError, match=r"server's error .*[Ss]ubscriptions"):
            await system.start()
    assert pinged.is_set()
    await tasks.assert_no_leaks()


async def test_a_start_whose_last_round_trip_is_never_answered_fails_after_connect_timeout(
    own: NatsServer, monkeypatch: pytest.MonkeyPatch, pinged: asyncio.Event
) -> None:
    """A server that stops answering (a frozen process) once the system subscribed: the
    start does not return as if the server had its subscriptions, and fails as a start
    that cannot reach its server does: a `ConnectionError` that says so."""
    hold(monkeypatch, pinged)
    tasks = TaskSnapshot()
    system = ActorSystem("unanswered", transport=transport(own, connect_timeout=1.0))
    async with asyncio.timeout(LONG / 2):
        with pytest.raises(ConnectionError, match=r"did not answer while 'unanswered' started"):
            await system.start()
    assert pinged.is_set()
    await tasks.assert_no_leaks()


async def test_a_flush_whose_connection_closes_after_its_ping_fails_at_once(
    own: NatsServer, monkeypatch: pytest.MonkeyPatch, pinged: asyncio.Event
) -> None:
    """The same close during `flush`: it raised `TimeoutError` at its timeout."""
    async with ActorSystem("flushing", transport=transport(own)) as system:
        link = link_of(system)
        nc = link._link.connection  # noqa: SLF001
        hold(monkeypatch, pinged)
        flushing = asyncio.ensure_future(link.flush(timeout=LONG))
        async with asyncio.timeout(LONG / 2):
            await pinged.wait()
            await nc._process_err("'Maximum Subscriptions Exceeded'")  # noqa: SLF001
            with pytest.raises(nats.errors.ConnectionClosedError):
                await flushing


async def test_a_flush_waiting_for_a_departure_whose_connection_closes_fails_at_once(
    own: NatsServer, monkeypatch: pytest.MonkeyPatch, pinged: asyncio.Event
) -> None:
    """A group member stops; its departure's round trip waits for a PONG as the connection
    closes. The flush waiting for that departure waited out `connect_timeout` (the
    departure's bound) or raised `TimeoutError` at its own."""
    link = transport(own, connect_timeout=LONG)
    async with ActorSystem("departing", transport=link) as system:
        member = await system.spawn(Echo, name="member")
        system.expose(member, group="jobs")
        await link.flush(timeout=LONG)
        nc = link._link.connection  # noqa: SLF001
        hold(monkeypatch, pinged)
        await member.stop()
        async with asyncio.timeout(LONG / 2):
            await pinged.wait()
        flushing = asyncio.ensure_future(link.flush(timeout=LONG))
        await nc._process_err("'Maximum Subscriptions Exceeded'")  # noqa: SLF001
        # Not under `asyncio.timeout`: cancelled, the departure ends on the closed
        # connection's error, which would pass for the flush's own.
        await asyncio.wait((flushing,), timeout=LONG / 2)
        assert flushing.done(), "the flush still waits for the departure"
        assert isinstance(flushing.exception(), nats.errors.ConnectionClosedError)


async def test_a_shutdown_whose_connection_closes_as_it_leaves_its_subject_ends_at_once(
    own: NatsServer, monkeypatch: pytest.MonkeyPatch, pinged: asyncio.Event
) -> None:
    """The shutdown leaves its subject with a round trip; the connection closes while its
    PING waits for the PONG. The shutdown waited out `connect_timeout` for it."""
    link = transport(own, connect_timeout=LONG)
    system = ActorSystem("leaving", transport=link)
    await system.start()
    tasks = TaskSnapshot()
    nc = link._link.connection  # noqa: SLF001
    hold(monkeypatch, pinged)
    stopping = asyncio.ensure_future(system.shutdown())
    async with asyncio.timeout(LONG / 2):
        await pinged.wait()
    await nc._process_err("'Maximum Subscriptions Exceeded'")  # noqa: SLF001
    await asyncio.wait((stopping,), timeout=LONG / 2)  # see the flush's test
    assert stopping.done(), "the shutdown still waits to leave its subject"
    stopping.result()
    assert nc.is_closed
    await tasks.assert_no_leaks()
