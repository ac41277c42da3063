"""Fault paths of the NATS transport, injected against a real nats-server: invalid subjects
and malformed frames from a raw client, routing that raises, an unreachable peer, a full
outbound buffer, a failing write, a connection closed for good and the drain timeout in
`stop`. Every message the transport drops is a dead letter with a reason and is counted in
`rejected`; no subscription callback raises."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import msgspec
import nats
import pytest

from actorkit import DEAD_LETTER_TOPIC, Actor, ActorStopped, ActorSystem, MailboxFull, testing
from actorkit.nats import NatsTransport
from actorkit.testing import Probe

from .nats_support import SAFETY, NatsServer, requires_nats

pytestmark = requires_nats


@pytest.fixture(scope="module")
def server() -> Iterator[NatsServer]:
    running = NatsServer()
    running.start()
    yield running
    running.stop()


@pytest.fixture
def own() -> Iterator[NatsServer]:
    """A server of the test's own, to stop and start."""
    running = NatsServer()
    running.start()
    yield running
    running.stop()


def transport(server: NatsServer, **options: Any) -> NatsTransport:
    return NatsTransport(server.url, reconnect_time_wait=0.05, **options)


class Echo(Actor):
    async def receive(self, message: Any) -> Any:
        return message


@asynccontextmanager
async def raw(server: NatsServer) -> AsyncIterator[nats.NATS]:
    client = await nats.connect(server.url)
    try:
        yield client
    finally:
        await client.close()


def frame(*slots: Any) -> bytes:
    return msgspec.msgpack.encode(list(slots))


def rejected(system: ActorSystem) -> dict[str, int]:
    link = testing.transport(system)
    assert isinstance(link, NatsTransport)
    return link.rejected


async def test_raw_publishes_on_invalid_topic_subjects_are_dead_letters(
    server: NatsServer,
) -> None:
    async with ActorSystem("topics", transport=transport(server)) as system:
        probe = await Probe.spawn(system)
        system.subscribe(probe.ref, "events.>")
        async with raw(server) as client:
            for subject in ("a*b", "events.a*b", "events.x>", "events.*", "events.>"):
                await client.publish(f"actorkit.topic.{subject}", frame("bad"))
            await client.publish("actorkit.topic.events.ok", frame("good"))
            await client.flush()
        await probe.expect("good")  # published after the others, on the same subscription
        probe.expect_empty()
        assert system.dead_letters.by_reason == {"bad_topic": 5}
        assert rejected(system)["bad_topic"] == 5
        assert {letter.recipient for letter in system.dead_letters.recent} >= {"topic a*b"}


def by_name(message: Any) -> object:
    if message == "boom":
        raise KeyError("no key in boom")
    return message


async def test_a_remote_tell_a_pool_cannot_route_is_a_dead_letter(server: NatsServer) -> None:
    async with (
        ActorSystem("router", transport=transport(server)) as owner,
        ActorSystem("caller", transport=transport(server)) as caller,
    ):
        pool = await owner.spawn_pool(
            Echo, size=2, name="pool", routing="consistent_hash", hash_key=by_name
        )
        owner.expose(pool)
        remote = caller.remote("router", "/pool")
        remote.tell("boom")
        assert await remote.ask("after") == "after"  # handled after the tell, in order
        assert owner.dead_letters.by_reason == {"undeliverable": 1}
        assert owner.dead_letters.recent[0].message == "boom"
        assert rejected(owner)["undeliverable"] == 1
        with pytest.raises(KeyError, match="no key in boom"):
            await remote.ask("boom")  # an ask gets the routing error back, as locally


async def test_malformed_replies_fail_the_ask_and_are_counted(server: NatsServer) -> None:
    async with ActorSystem("asker", transport=transport(server)) as system, raw(server) as fake:
        replies = iter([b"\xff\xfe", frame(9, 1), frame(1, 5, [], "x"), frame(2, 7), frame(0), b""])

        async def answer(msg: Any) -> None:
            await msg.respond(next(replies))

        await fake.subscribe("actorkit.actor.fake", cb=answer)
        await fake.flush()
        remote = system.remote("fake", "/x")
        for _ in range(6):
            with pytest.raises(TypeError, match="could not be decoded"):
                await remote.ask("hi", timeout=SAFETY)
        assert system.dead_letters.by_reason == {"bad_payload": 6}
        assert rejected(system)["bad_payload"] == 6


async def test_malformed_requests_are_answered_or_counted(server: NatsServer) -> None:
    async with ActorSystem("target", transport=transport(server)) as system, raw(server) as client:
        system.expose(await system.spawn(Echo, name="echo"))
        for payload in (
            frame(1, "/echo", "x", 0),  # an ask without a positive timeout
            frame(1, "/echo", "x", float("inf")),
            frame(1, 5, "x", 1.0),  # a path that is not a str
            frame("tell", "/echo", "x", None),
            frame(0, "/echo", "x"),
            b"\xc1",  # a byte msgpack never uses
        ):
            answer = await client.request("actorkit.actor.target", payload, timeout=SAFETY)
            assert b"TypeError" in answer.data
        await client.publish("actorkit.actor.target", frame(1, "/echo", "x", 1.0))  # no reply
        await client.publish("actorkit.topic.events", frame("a", "b"))  # 2 slots
        await client.flush()
        assert await system.remote("target", "/echo").ask("alive") == "alive"
        link = testing.transport(system)
        assert link is not None
        await link.flush()
        assert system.dead_letters.by_reason == {"bad_payload": 8}
        assert rejected(system)["bad_payload"] == 8


async def test_tells_for_an_unreachable_peer_become_dead_letters(own: NatsServer) -> None:
    link = transport(own, buffer_timeout=0.2)
    async with ActorSystem("lonely", transport=link) as system:
        own.stop()
        await link.link_down.wait()
        system.remote("ghost", "/x").tell("lost")  # buffered until ghost answers a probe
        own.start()
        await link.link_up.wait()
        await link.flush(timeout=SAFETY)  # the probe gave up and dropped it
        assert system.dead_letters.by_reason == {"unreachable": 1}
        assert link.rejected["unreachable"] == 1


async def test_a_full_buffer_during_an_outage(own: NatsServer) -> None:
    link = transport(own, max_buffered=2)
    async with ActorSystem("full", transport=link) as system:
        system.expose(await system.spawn(Echo, name="echo"))
        echo = system.remote("full", "/echo")
        own.stop()
        await link.link_down.wait()
        echo.tell(1)
        echo.tell(2)
        with pytest.raises(MailboxFull, match="outbound buffer is full"):
            echo.tell(3)
        assert system.publish("events.x", "dropped") == 0
        with pytest.raises(ActorStopped, match="not connected"):
            await echo.ask("hi")
        assert system.dead_letters.by_reason == {"buffer_full": 1}
        assert link.rejected["buffer_full"] == 2
        own.start()
        await link.link_up.wait()
        assert await echo.ask("hi") == "hi"


class Gate(Actor):
    """Answers once `release` is set."""

    def __init__(self, arrived: asyncio.Event, release: asyncio.Event) -> None:
        self.arrived = arrived
        self.release = release

    async def receive(self, message: Any) -> Any:
        self.arrived.set()
        await self.release.wait()
        return message


async def test_an_ask_waiting_for_room_fails_at_once_when_the_link_drops(
    own: NatsServer,
) -> None:
    link = transport(own, max_buffered=1, buffer_timeout=SAFETY)
    async with ActorSystem("crowded", transport=link) as system:
        system.expose(await system.spawn(Echo, name="echo"))
        own.stop()
        await link.link_down.wait()
        system.remote("ghost", "/x").tell("held")  # fills the buffer; waits for a probe
        own.start()
        await link.link_up.wait()  # connected, the writer probing ghost: no room
        waiting = asyncio.ensure_future(system.remote("crowded", "/echo").ask("hi", SAFETY))
        await asyncio.sleep(0)  # one turn: the ask is queued for room, not a wait for time
        assert not waiting.done()
        own.stop()
        await link.link_down.wait()
        async with asyncio.timeout(SAFETY / 4):  # not after the ask's own timeout
            with pytest.raises(ActorStopped, match="not connected"):
                await waiting


async def test_stop_drops_what_does_not_drain_within_its_second(own: NatsServer) -> None:
    link = transport(own, buffer_timeout=SAFETY)
    system = ActorSystem("drainer", transport=link)
    await system.start()
    try:
        own.stop()
        await link.link_down.wait()
        system.remote("ghost", "/x").tell("first")  # its probe holds the queue up
        system.publish("events.x", "second")
        own.start()
        await link.link_up.wait()
        started = asyncio.get_running_loop().time()
        await system.shutdown()
        assert asyncio.get_running_loop().time() - started < SAFETY / 4
        assert system.dead_letters.by_reason == {"shutdown": 2}
        assert link.rejected["shutdown"] == 2
        assert link.health()["buffered"] == 0
    finally:
        await system.shutdown()


async def test_a_connection_closed_for_good_fails_and_drops_everything(own: NatsServer) -> None:
    link = transport(own, max_reconnect_attempts=1)
    async with ActorSystem("doomed", transport=link) as system:
        arrived, release = asyncio.Event(), asyncio.Event()
        system.expose(await system.spawn(Gate, arrived, release, name="gate"))
        letters = await Probe.spawn(system)
        system.subscribe(letters.ref, DEAD_LETTER_TOPIC)
        gate = system.remote("doomed", "/gate")
        asking = asyncio.ensure_future(gate.ask("held", timeout=SAFETY))
        await arrived.wait()
        own.stop()
        await link.link_down.wait()
        with pytest.raises(ActorStopped, match="may or may not have been handled"):
            await asking  # at once, not after its timeout
        gate.tell("buffered")
        letter = await letters.receive(timeout=SAFETY)  # when the reconnect gave up
        assert (letter.message, letter.reason) == ("buffered", "transport_closed")
        assert link.health()["state"] == "closed"
        assert link.health()["buffered"] == 0
        gate.tell("after")
        system.publish("events.x", "after")
        with pytest.raises(ActorStopped, match="not connected"):
            await gate.ask("after")
        assert system.dead_letters.by_reason == {"transport_closed": 3}
        assert link.rejected["transport_closed"] == 3
        release.set()


async def test_a_write_the_client_refuses_is_a_dead_letter(own: NatsServer, tmp_path: Path) -> None:
    """Encoded under one server's `max_payload`, sent after a reconnect to a server that
    takes less: nats-py refuses the write."""
    link = transport(own)
    async with ActorSystem("shrinking", transport=link) as system:
        probe = await Probe.spawn(system, name="probe")
        system.expose(probe.ref)
        remote = system.remote("shrinking", "/probe")
        own.stop()
        await link.link_down.wait()
        remote.tell("x" * 200)
        remote.tell("small")
        config = tmp_path / "small.conf"
        config.write_text("max_payload: 100\n")
        own.args = ("-c", str(config))
        own.start()
        await link.link_up.wait()
        assert await probe.receive(timeout=SAFETY) == "small"
        assert system.dead_letters.by_reason == {"send_failed": 1}
        assert link.rejected["send_failed"] == 1
