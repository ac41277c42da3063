"""What nats-py drops as a slow consumer (a subscription's pending queue full, behind a
message on the slower path of `_direct`) is accounted for: tells are dead letters
`slow_consumer`, an ask is answered that it was not handled. nats-py only reported a bare
`SlowConsumerError()`; the tells were gone and the asker waited out its timeout."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import msgspec
import nats
import pytest
from nats.aio.client import Client
from nats.aio.subscription import Subscription

from actorkit import ActorSystem
from actorkit._nats._frames import ASK, ERROR, PING, TELL
from actorkit._nats._inbound import Inbound

from .nats_support import SAFETY, NatsServer, link_of, requires_nats, settled, transport
from .nats_systems_support import Echo

pytestmark = requires_nats

ROOM = 4
"""The subscriptions' pending queue holds this many messages (nats-py's default: 524,288)."""


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> tuple[asyncio.Event, asyncio.Event]:
    """Small pending queues, and the first message on the slower path held until `release`
    is set: what comes after it waits in the queue."""
    subscribe = Client.subscribe

    async def small(self: Client, subject: str, **kwargs: Any) -> Subscription:
        return await subscribe(self, subject, pending_msgs_limit=ROOM, **kwargs)

    arrived, release = asyncio.Event(), asyncio.Event()
    on_request = Inbound.on_request

    async def holding(self: Inbound, msg: Any, group: str | None = None) -> None:
        if not arrived.is_set():
            arrived.set()
            await release.wait()
        await on_request(self, msg, group)

    monkeypatch.setattr(Client, "subscribe", small)
    monkeypatch.setattr(Inbound, "on_request", holding)
    return arrived, release


@pytest.mark.parametrize("group", [None, "sinks"])
async def test_what_nats_py_drops_as_a_slow_consumer_is_counted_or_refused(
    server: NatsServer,
    held: tuple[asyncio.Event, asyncio.Event],
    group: str | None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    arrived, release = held
    encode = msgspec.msgpack.encode
    subject = "actorkit.actor.sink" if group is None else f"actorkit.group.{group}"
    async with asyncio.timeout(SAFETY), ActorSystem("sink", transport=transport(server)) as sink:
        echo = await sink.spawn(Echo, name="echo")
        sink.expose(echo, group=group)
        await link_of(sink).flush()  # a group's subscription is on the server
        client = await nats.connect(server.url)
        try:
            answers = await client.subscribe("answers.*")
            await client.publish(subject, encode([PING, "", None, None]), "answers.ping")
            await settled(client)
            await arrived.wait()  # the ping is held on the slower path: the rest follow it
            path = "/echo" if group is None else ""
            for n in range(ROOM + 6):
                await client.publish(subject, encode([TELL, path, n, None]))
            await client.publish(subject, encode([ASK, path, "dropped?", 5.0]), "answers.ask")
            await settled(client)
            refusal = await answers.next_msg(SAFETY)
            assert refusal.subject == "answers.ask"
            # Certainly not handled: `NotDelivered`, which says a retry is safe.
            status, name, _, why = msgspec.msgpack.decode(refusal.data)
            assert (status, name) == (ERROR, "actorkit.NotDelivered")
            assert "slow consumer" in why
        finally:
            await client.close()
        release.set()
        assert sink.dead_letters.by_reason == {"slow_consumer": 6}
        assert [letter.message for letter in sink.dead_letters.recent] == list(range(ROOM, 10))
        assert await echo.ask("got") == list(range(ROOM))
        said = [
            record.getMessage()
            for record in caplog.records
            if "slow consumer" in record.getMessage() and record.levelno >= logging.WARNING
        ]
        assert said == [  # the first of the 7 drops, not each
            f"NATS error in sink: a slow consumer: nats-py dropped a message on {subject}, 1 so "
            "far (each tell a dead letter slow_consumer, each ask or send answered as not "
            "handled)"
        ]


async def test_a_dropped_frame_that_does_not_decode_is_kept_and_a_dropped_ping_is_not_answered(
    server: NatsServer, held: tuple[asyncio.Event, asyncio.Event]
) -> None:
    """A broken batch or frame is a dead letter of its raw bytes (it escaped the drop's
    handler instead, and was lost without a word); a ping is left unanswered, as by a
    system that is not there: answered as not handled, a probe took it for an answer."""
    arrived, release = held
    encode = msgspec.msgpack.encode
    subject = "actorkit.actor.sink"
    async with asyncio.timeout(SAFETY), ActorSystem("sink", transport=transport(server)) as sink:
        sink.expose(await sink.spawn(Echo, name="echo"))
        client = await nats.connect(server.url)
        try:
            answers = await client.subscribe("answers.*")
            await client.publish(subject, encode([PING, "", None, None]), "answers.held")
            await settled(client)
            await arrived.wait()
            for n in range(ROOM):
                await client.publish(subject, encode([TELL, "/echo", n, None]))
            await client.publish(subject, b"\x92\x04\xc1")  # a batch, then garbage
            await client.publish(subject, b"\xc1")
            await client.publish(subject, encode([PING, "", None, None]), "answers.dropped")
            await client.publish(subject, encode([ASK, "/echo", "x", 5.0]), "answers.ask")
            await settled(client)
            assert (await answers.next_msg(SAFETY)).subject == "answers.ask"
            release.set()
            assert (await answers.next_msg(SAFETY)).subject == "answers.held"
        finally:
            await client.close()
        letters = [(d.reason, d.message) for d in sink.dead_letters.recent]
        assert letters == [("slow_consumer", b"\x92\x04\xc1"), ("slow_consumer", b"\xc1")]
