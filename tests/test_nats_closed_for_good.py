"""One of the transport's two connections closed for good (a finite `max_reconnect_attempts`
ran out) while the other is still up: the transport is closed for good as a whole, as the
docs promise, whichever connection went first. The survivor closes too (a requests'
connection leaving its subject and groups first, and sending the answers on their way); the
log says it once, and the shutdown that follows adds nothing."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from nats.aio.client import Client

from actorkit import DEAD_LETTER_TOPIC, Actor, ActorSystem, NotDelivered
from actorkit._nats._taken import Taken
from actorkit.nats import NatsTransport
from actorkit.testing import Probe

from .invariants import TaskSnapshot
from .nats_support import SAFETY, Gate, NatsServer, link_of, requires_nats, transport

pytestmark = requires_nats


class Echo(Actor):
    async def receive(self, message: Any) -> Any:
        return message


def _said(caplog: pytest.LogCaptureFixture, text: str) -> int:
    return sum(text in record.getMessage() for record in caplog.records)


async def test_the_topics_connection_closed_for_good_closes_the_transport(
    own: NatsServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "actorkit")
    link = transport(own, max_reconnect_attempts=1)
    async with ActorSystem("halved", transport=link) as system:
        system.expose(await system.spawn(Echo, name="echo"))
        letters = await Probe.spawn(system)
        system.subscribe(letters.ref, DEAD_LETTER_TOPIC)
        echo = system.remote("halved", "/echo")
        assert await echo.ask("before", timeout=SAFETY) == "before"
        topics = link._link.topics  # noqa: SLF001
        assert topics is not None
        await topics.close()  # what nats-py does once its reconnect attempts ran out
        assert link.health()["state"] == "closed"
        assert not link.connected
        with pytest.raises(NotDelivered, match=r"closed for good.*max_reconnect_attempts"):
            await echo.ask("after", timeout=SAFETY)
        with pytest.raises(NotDelivered, match="closed for good"):
            await echo.send("after")
        echo.tell("after")
        assert (await letters.receive(timeout=SAFETY)).reason == "transport_closed"
        assert _said(caplog, "closed for good") == 1
        assert _said(caplog, "reconnecting") == 0  # a closed connection does not reconnect
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == [
        "halved: the NATS connection closed for good"
    ]


async def test_a_give_up_warns_of_each_lost_connection_once(
    own: NatsServer, caplog: pytest.LogCaptureFixture
) -> None:
    """nats-py calls `disconnected_cb` again as it closes for good: that is no second loss,
    and nothing reconnects after it."""
    caplog.set_level(logging.WARNING, "actorkit")
    link = transport(own, max_reconnect_attempts=1)
    async with ActorSystem("doomed", transport=link) as system:
        letters = await Probe.spawn(system)
        system.subscribe(letters.ref, DEAD_LETTER_TOPIC)
        own.stop()
        await link.link_down.wait()
        system.remote("ghost", "/x").tell("buffered")
        assert (await letters.receive(timeout=SAFETY)).reason == "transport_closed"
        assert _said(caplog, "lost its NATS connection") <= 1
        assert _said(caplog, "lost its NATS topics connection") <= 1
    assert _said(caplog, "closed for good") == 1


# The survivor: once one connection closed for good, the other one closes too ---------------
WHICH = pytest.mark.parametrize("first", ["topics", "requests"])
"""Which connection nats-py gives up on first: the transport ends the same either way."""
PROMPT = SAFETY / 4
"""An ask that finds no responder fails within this, well before its own timeout (SAFETY)."""


class Named(Actor):
    """Answers with the name of the system it lives in: which member of a group served."""

    def __init__(self, system: str) -> None:
        self.home = system

    async def receive(self, message: Any) -> Any:
        return self.home


def _client(link: NatsTransport, first: str) -> Client:
    inner = link._link  # noqa: SLF001
    client = inner.topics if first == "topics" else inner.nc
    assert client is not None
    return client


async def _give_up(link: NatsTransport, first: str) -> None:
    """What nats-py does once the reconnect attempts of one connection ran out; then the
    transport's reaction to it, the survivor's farewell and close, ends."""
    await _client(link, first).close()
    ending = link._link.ending  # noqa: SLF001
    assert ending is not None
    await ending


def _both_closed(link: NatsTransport) -> bool:
    return _client(link, "topics").is_closed and _client(link, "requests").is_closed


async def test_a_peer_finds_a_halved_system_gone_at_once(own: NatsServer) -> None:
    """The requests' connection outlived the topics' one, subscribed: a peer's ask of the
    halved system was still taken and answered. Now it closes too, and the ask finds no
    responder at once."""
    halved_link = transport(own, max_reconnect_attempts=1)
    async with (
        asyncio.timeout(SAFETY),
        ActorSystem("halved", transport=halved_link) as halved,
        ActorSystem("peer", transport=transport(own)) as peer,
    ):
        halved.expose(await halved.spawn(Echo, name="echo"))
        echo = peer.remote("halved", "/echo")
        assert await echo.ask("before", timeout=SAFETY) == "before"
        await _give_up(halved_link, "topics")
        with pytest.raises(NotDelivered, match="nobody answers for halved:/echo"):
            async with asyncio.timeout(PROMPT):  # not after the ask's own timeout
                await echo.ask("after", timeout=SAFETY)
        assert _both_closed(halved_link)
        assert halved_link.health()["state"] == "closed"


async def test_a_group_goes_to_its_other_member(own: NatsServer) -> None:
    """A queue group kept routing a share of its asks to the halved member, which answered
    them though it could no longer send anything of its own nor hear a publish."""
    halved_link = transport(own, max_reconnect_attempts=1)
    async with (
        asyncio.timeout(SAFETY),
        ActorSystem("halved", transport=halved_link) as halved,
        ActorSystem("other", transport=transport(own)) as other,
        ActorSystem("client", transport=transport(own)) as client,
    ):
        for system in (halved, other):
            system.expose(await system.spawn(Named, system.name, name="named"), group="jobs")
            await link_of(system).flush()
        jobs = client.remote_group("jobs")
        before = {await jobs.ask(i, timeout=SAFETY) for i in range(40)}
        assert before == {"halved", "other"}
        await _give_up(halved_link, "topics")
        after = [await jobs.ask(i, timeout=SAFETY) for i in range(40)]
        assert after == ["other"] * 40
        assert _both_closed(halved_link)


async def test_the_requests_connection_gone_first_closes_the_topics_one(
    own: NatsServer,
) -> None:
    """The topics connection outlived the requests' one, still taking publishes for a system
    that can answer nothing. (What a peer's ask meets right after the requests' connection
    closed depends on whether the server has seen that yet: a connection nats-py gave up on
    has long been gone from the server, one closed by the test may not be.)"""
    halved_link = transport(own, max_reconnect_attempts=1)
    async with (
        asyncio.timeout(SAFETY),
        ActorSystem("halved", transport=halved_link) as halved,
    ):
        halved.expose(await halved.spawn(Named, "halved", name="named"), group="jobs")
        await halved_link.flush()
        await _give_up(halved_link, "requests")
        assert _both_closed(halved_link)
        assert halved_link.health()["state"] == "closed"


def _waiting_for_answers(monkeypatch: pytest.MonkeyPatch) -> asyncio.Event:
    """Set once the survivor's farewell left the subject and it waits for the answers of
    what it took (`Taken.settled`)."""
    waiting = asyncio.Event()
    settled = Taken.settled

    async def signalled(taken: Taken) -> None:
        waiting.set()
        await settled(taken)

    monkeypatch.setattr(Taken, "settled", signalled)
    return waiting


async def test_an_ask_taken_before_still_gets_its_answer(
    own: NatsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The survivor leaves its subscriptions first, then waits (within `connect_timeout`)
    for what it took to be answered before it closes: the asker is not left waiting for
    its timeout for an answer that was on its way, while new asks fail at once."""
    waiting = _waiting_for_answers(monkeypatch)
    halved_link = transport(own, max_reconnect_attempts=1, connect_timeout=SAFETY)
    arrived, release = asyncio.Event(), asyncio.Event()
    async with (
        asyncio.timeout(SAFETY),
        ActorSystem("halved", transport=halved_link) as halved,
        ActorSystem("peer", transport=transport(own)) as peer,
    ):
        halved.expose(await halved.spawn(Gate, arrived, release, name="gate"))
        halved.expose(await halved.spawn(Echo, name="echo"))
        held = asyncio.ensure_future(peer.remote("halved", "/gate").ask("held", timeout=SAFETY))
        await arrived.wait()
        await _client(halved_link, "topics").close()
        await waiting.wait()
        with pytest.raises(NotDelivered, match="nobody answers for halved:/echo"):
            async with asyncio.timeout(PROMPT):
                await peer.remote("halved", "/echo").ask("new", timeout=SAFETY)
        requests = _client(halved_link, "requests")
        assert not requests.is_closed  # held open for the answer on its way
        release.set()
        assert await held == "held"
        await halved_link._link.ended()  # noqa: SLF001
        assert requests.is_closed


async def test_a_send_waiting_for_room_before_still_gets_its_answer(
    own: NatsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As an ask taken before does: a send that waits for room in a full mailbox is one the
    survivor took, and it closes the connection its answer leaves by only once it went."""
    waiting, taken = _waiting_for_answers(monkeypatch), asyncio.Event()
    start = Taken.start

    def started(own_taken: Taken, answer: Any) -> asyncio.Task[None]:
        task = start(own_taken, answer)
        taken.set()  # the send waits for room in this task
        return task

    monkeypatch.setattr(Taken, "start", started)
    halved_link = transport(own, max_reconnect_attempts=1, connect_timeout=SAFETY)
    arrived, release = asyncio.Event(), asyncio.Event()
    async with (
        asyncio.timeout(SAFETY),
        ActorSystem("halved", transport=halved_link) as halved,
        ActorSystem("peer", transport=transport(own)) as peer,
    ):
        halved.expose(await halved.spawn(Gate, arrived, release, name="gate", mailbox_size=1))
        gate = peer.remote("halved", "/gate")
        await gate.send("held")
        await arrived.wait()  # in the handler
        await gate.send("queued")  # the mailbox is full
        taken.clear()
        sent = asyncio.ensure_future(gate.send("waits"))
        await taken.wait()
        await _client(halved_link, "topics").close()
        await waiting.wait()
        requests = _client(halved_link, "requests")
        assert not sent.done() and not requests.is_closed  # held open for its answer
        release.set()
        await sent
        await halved_link._link.ended()  # noqa: SLF001
        assert requests.is_closed


@WHICH
async def test_the_halved_system_shuts_down_cleanly(
    own: NatsServer, caplog: pytest.LogCaptureFixture, first: str
) -> None:
    """The shutdown right after (the survivor's farewell still under way) waits for it, says
    nothing more and leaves no task behind."""
    caplog.set_level(logging.WARNING, "actorkit")
    tasks = TaskSnapshot()
    halved_link = transport(own, max_reconnect_attempts=1)
    async with (
        asyncio.timeout(SAFETY),
        ActorSystem("peer", transport=transport(own)) as peer,
    ):
        async with ActorSystem("halved", transport=halved_link) as halved:
            halved.expose(await halved.spawn(Named, "halved", name="named"), group="jobs")
            halved.expose(await halved.spawn(Echo, name="echo"))
            await halved_link.flush()
            assert await peer.remote("halved", "/echo").ask("hi", timeout=SAFETY) == "hi"
            await _client(halved_link, first).close()  # and shut down at once
        assert _both_closed(halved_link)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == [
        "halved: the NATS connection closed for good"
    ]
    await tasks.assert_no_leaks()
