"""Bytes that are not UTF-8 where nats-py expects text (a message's subject, its reply
subject, its header's status line) or a header block it cannot parse (`NATS/1.0` alone). Any
client on the account can send them (a raw PUB on `actorkit.topic.>`, a request to a
system's subject); nats-py reads them in its read loop, and the error ended that loop: the
connection stayed up and deaf until its unanswered pings made it reconnect, every publish or
request meanwhile lost without a word. Each must leave the connection hearing what comes
next, and the message accounted for."""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec

from actorkit import Actor, ActorSystem
from actorkit.testing import Probe

from .nats_support import SAFETY, NatsServer, link_of, requires_nats, transport

pytestmark = requires_nats


class Echo(Actor):
    async def receive(self, message: Any) -> Any:
        return message


def frame(*slots: Any) -> bytes:
    return msgspec.msgpack.encode(list(slots))


def pub(subject: bytes, payload: bytes, reply: bytes = b"") -> bytes:
    head = b"PUB " + subject + (b" " + reply if reply else b"")
    return head + b" %d\r\n" % len(payload) + payload + b"\r\n"


def hpub(subject: bytes, headers: bytes, payload: bytes) -> bytes:
    sizes = b" %d %d\r\n" % (len(headers), len(headers) + len(payload))
    return b"HPUB " + subject + sizes + headers + payload + b"\r\n"


async def send_raw(server: NatsServer, *commands: bytes) -> None:
    """Write `commands` on one plain socket (nats-py cannot send bytes that are not UTF-8),
    in order, and return once the server has answered the PING after them."""
    async with asyncio.timeout(SAFETY):
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        try:
            await reader.readline()  # INFO
            connect = b'CONNECT {"verbose":false,"pedantic":false,"headers":true}\r\n'
            writer.write(connect + b"".join(commands) + b"PING\r\n")
            await writer.drain()
            while (line := await reader.readline()) != b"PONG\r\n":
                assert line, "the server closed the raw connection"
        finally:
            writer.close()


async def subscribed(system: ActorSystem) -> Probe:
    """A probe subscribed to `events.>`, its subscription flushed to the server."""
    probe = await Probe.spawn(system)
    system.subscribe(probe.ref, "events.>")
    await link_of(system).flush()
    return probe


async def test_a_topic_subject_that_is_not_utf8_is_a_bad_topic_and_the_next_is_heard(
    server: NatsServer,
) -> None:
    async with ActorSystem("bytes", transport=transport(server)) as system:
        probe = await subscribed(system)
        await send_raw(
            server,
            pub(b"actorkit.topic.events.\xff\xfe", frame("bad")),
            pub(b"actorkit.topic.events.ok", frame("good")),  # after it, on one connection
        )
        await probe.expect("good", timeout=SAFETY)
        probe.expect_empty()
        assert system.dead_letters.by_reason == {"bad_topic": 1}
        assert link_of(system).rejected["bad_topic"] == 1
        [letter] = system.dead_letters.recent
        assert (letter.message, letter.recipient) == ("bad", r"topic events.\xff\xfe")


async def test_a_header_block_nats_py_cannot_read_leaves_the_publish_delivered(
    server: NatsServer,
) -> None:
    async with ActorSystem("bytes", transport=transport(server)) as system:
        probe = await subscribed(system)
        await send_raw(
            server,
            hpub(b"actorkit.topic.events.a", b"NATS/1.0 \xff\xfe\r\n\r\n", frame("status")),
            hpub(b"actorkit.topic.events.b", b"NATS/1.0 503 \xff\r\n\r\n", frame("text")),
            hpub(b"actorkit.topic.events.c", b"NATS/1.0", frame("bare")),  # no line end at all
            pub(b"actorkit.topic.events.d", frame("plain")),
        )
        for expected in ("status", "text", "bare", "plain"):
            await probe.expect(expected, timeout=SAFETY)
        assert system.dead_letters.count == 0


async def test_a_request_whose_reply_subject_is_not_utf8_leaves_the_system_answering(
    server: NatsServer,
) -> None:
    async with (
        ActorSystem("target", transport=transport(server)) as target,
        ActorSystem("caller", transport=transport(server)) as caller,
    ):
        target.expose(await target.spawn(Echo, name="echo"))
        await link_of(target).flush()
        await send_raw(server, pub(b"actorkit.actor.target", frame(1, "/echo", "x", 1.0), b"\xff"))
        remote = caller.remote("target", "/echo")
        assert await remote.ask("alive", timeout=SAFETY) == "alive"
