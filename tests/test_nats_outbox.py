"""A request waiting for room in a full outbound buffer: what ends its wait, and what it is
told then."""

from __future__ import annotations

import asyncio
from asyncio import Future
from types import SimpleNamespace
from typing import Any, cast

import pytest

from actorkit import ActorSystem, AskTimeout, NotDelivered
from actorkit._nats._batches import Out
from actorkit._nats._client import Client
from actorkit._nats._core import Core
from actorkit._nats._frames import ASK
from actorkit._nats._link import Link
from actorkit._nats._outbound import Outbox
from actorkit._nats._probes import Probes
from actorkit._nats._requests import Requests

from .nats_support import SAFETY, NatsServer, requires_nats, transport
from .nats_systems_support import Echo, ask_waiting_for_room


def not_called() -> None:
    raise AssertionError("only nats-py's callbacks call the link's reactions")


def connected_link() -> Link:
    """A link whose requests' connection is a stand-in, up until a test says otherwise."""
    link = Link(
        ["nats://127.0.0.1:4222"],
        {},
        1.0,
        lost=not_called,
        back=not_called,
        gone=not_called,
        farewell=cast(Any, not_called),
    )
    link.nc = cast(Client, SimpleNamespace(is_connected=True, max_payload=1 << 20))
    return link


def listening(core: Core, outbox: Outbox) -> Requests:
    """Requests through `outbox` with the inbox `listen` would have subscribed to: without
    one, a request is refused as made during the transport's start."""
    requests = Requests(core, outbox)
    requests._inbox = "_INBOX.stand-in"  # noqa: SLF001
    return requests


def full_outbox(link: Link) -> tuple[Outbox, Requests]:
    """A one-message outbox, already full, and the requests that go through it."""
    core = Core("actorkit", link)
    outbox = Outbox(core, cast(Probes, None), max_buffered=1)
    assert outbox.enqueue(Out("actorkit.actor.b", b"", "", "held", "b:/x", False, None))
    return outbox, listening(core, outbox)


async def ask_in_full_outbox(link: Link) -> tuple[Outbox, Requests, Future[Any]]:
    """An ask through a one-message outbox already full: it waits for room (two loop turns
    given: its own first step, then its wait's)."""
    outbox, requests = full_outbox(link)
    waiting = asyncio.ensure_future(
        requests.request("actorkit.actor.b", ASK, "/echo", "b:/echo", "hi", SAFETY)
    )
    for _ in range(2):
        await asyncio.sleep(0)  # turns, not a wait for time
    assert not waiting.done()
    assert outbox._room_waiters == 1  # noqa: SLF001 - waiting for room, not for its reply
    return outbox, requests, waiting


async def an_outage_fails_it(link: Link, outbox: Outbox, waiting: Future[Any]) -> None:
    """The link drops: the request waiting for room fails at once, not at its deadline."""
    link.connection.is_connected = False  # type: ignore[misc]
    outbox.outage()
    async with asyncio.timeout(SAFETY / 4):
        with pytest.raises(NotDelivered, match="not connected to NATS; the outbound"):
            await waiting


async def test_an_outage_fails_a_request_waiting_for_room_at_once() -> None:
    """The writer wakes such a waiter after each of its turns, but it may take none as the
    link drops (it waits for the topics connection, say, this one being up): the outage
    itself wakes it, to fail as a new request would."""
    link = connected_link()
    outbox, requests, waiting = await ask_in_full_outbox(link)
    try:
        await an_outage_fails_it(link, outbox, waiting)
    finally:
        requests.close("the test ended")


async def test_an_outage_before_a_request_s_wait_for_room_first_runs_fails_it_at_once() -> None:
    """The outage wakes the waiters it finds; a wait for room made but not yet run is not one
    of them, and must see the dropped link itself rather than wait for a wake that is over."""
    link = connected_link()
    outbox, requests = full_outbox(link)
    waiting = asyncio.ensure_future(
        requests.request("actorkit.actor.b", ASK, "/echo", "b:/echo", "hi", SAFETY)
    )
    try:
        await asyncio.sleep(0)  # one turn: the ask finds the outbox full, its wait not yet run
        assert outbox._room_waiters == 0  # noqa: SLF001
        await an_outage_fails_it(link, outbox, waiting)
    finally:
        requests.close("the test ended")


async def test_a_request_whose_deadline_passes_while_it_waits_for_room_times_out() -> None:
    """Its deadline ends the wait, though the outbox stays full and the link up: the ask
    raises AskTimeout then, and leaves no wait for room behind."""
    link = connected_link()
    outbox, requests = full_outbox(link)
    try:
        async with asyncio.timeout(SAFETY / 4):
            with pytest.raises(AskTimeout, match=r"within 0\.01s: it never left this system's"):
                await requests.request("actorkit.actor.b", ASK, "/echo", "b:/echo", "hi", 0.01)
        await asyncio.sleep(0)  # one turn, not a wait for time: the cancelled wait unwinds
        assert outbox._room_waiters == 0  # noqa: SLF001 - its wait for room ended with it
        assert len(outbox) == 1  # only the message that held the room
    finally:
        requests.close("the test ended")


async def test_a_final_close_landing_as_a_request_waiting_for_room_wakes_fails_it() -> None:
    """The writer wakes a waiter after each of its turns, room or not, and the asker runs
    again two turns after its wait for room ended. A final close in between empties the
    queue: the ask must not take that room, where nothing would send it nor fail it, to wait
    out its deadline."""
    link = connected_link()
    outbox, requests, waiting = await ask_in_full_outbox(link)
    try:
        outbox._room.set()  # noqa: SLF001 - the writer's wake after a turn that made no room
        await asyncio.sleep(0)  # one turn: the wait for room ends, the asker has not run
        link.connection.is_connected = False  # type: ignore[misc]
        link.closed = True  # closed for good: what `NatsTransport._gone` does
        requests.fail("the NATS connection closed for good")
        outbox.close("transport_closed", "the NATS connection closed for good")
        async with asyncio.timeout(SAFETY / 4):  # not after the request's own deadline
            with pytest.raises(NotDelivered, match="closed for good"):
                await waiting
        assert len(outbox) == 0
    finally:
        requests.close("the test ended")


@requires_nats
async def test_a_request_waiting_for_room_as_its_system_stops_is_told_so(
    own: NatsServer,
) -> None:
    """Connected all along: the error says the system is shutting down, not that NATS is
    unreachable, which would send its reader looking for an outage."""
    link = transport(own, max_buffered=1, buffer_timeout=SAFETY)
    system = await ActorSystem("closing", transport=link).start()
    try:
        system.expose(await system.spawn(Echo, name="echo"))
        waiting = await ask_waiting_for_room(system, own, link)
        async with asyncio.timeout(SAFETY / 4):
            await system.shutdown()
            with pytest.raises(NotDelivered, match="shutting down"):
                await waiting
    finally:
        await system.shutdown()
