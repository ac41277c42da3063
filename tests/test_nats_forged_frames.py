"""Frames no actorkit process writes, from a peer on the same NATS account (or another
version's bug): each costs only itself, a dead letter that says where it went, and an error
reply whose arguments its type does not take still reaches the asker."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import msgspec
import nats
import pytest
from nats.aio.client import Client
from nats.aio.msg import Msg

from actorkit import Actor, ActorSystem
from actorkit._transport import Host
from actorkit.nats import RemoteError
from actorkit.testing import Probe

from .nats_support import (
    SAFETY,
    NatsServer,
    barrier_passed,
    link_of,
    requires_nats,
    topic_barrier,
    transport,
)

pytestmark = requires_nats

encode = msgspec.msgpack.encode
UNKNOWN = encode(msgspec.msgpack.Ext(1, encode(["Gone", {}])))
"""An object of a registered-class name nobody here has: the codec refuses it as
`incompatible`, before it reads on."""


class Echo(Actor):
    async def receive(self, message: Any) -> Any:
        return message


async def handled_before(client: Client) -> None:
    """An ask on the peer's own connection, answered after all it sent before."""
    ask = encode([1, "/echo", "after", SAFETY])
    answer = await client.request("actorkit.actor.target", ask, timeout=SAFETY)
    assert msgspec.msgpack.decode(answer.data) == [0, "after"]


async def test_a_refused_frame_that_names_no_actor_is_kept_for_its_subject(
    server: NatsServer,
) -> None:
    """Where an incompatible request went is read off the frame; one cut short after its
    object, or whose path is no string, is kept for the subject it came on."""
    async with (
        asyncio.timeout(SAFETY),
        ActorSystem("target", transport=transport(server)) as system,
    ):
        system.expose(await system.spawn(Echo, name="echo"))
        await link_of(system).flush()
        client = await nats.connect(server.url)
        try:
            cut_short = b"\x94" + encode(0) + encode("/echo") + UNKNOWN  # 3 of its 4 slots
            no_path = b"\x94" + encode(0) + encode(7) + UNKNOWN + encode(None)
            named = b"\x94" + encode(0) + encode("/echo") + UNKNOWN + encode(None)
            for payload in (cut_short, no_path, named):
                await client.publish("actorkit.actor.target", payload)
            await handled_before(client)
        finally:
            await client.close()
        letters = [(d.reason, d.recipient) for d in system.dead_letters.recent]
        assert letters == [
            ("incompatible", "actorkit.actor.target"),
            ("incompatible", "actorkit.actor.target"),
            ("incompatible", "/echo"),
        ]


async def test_a_broken_batch_of_publishes_is_a_dead_letter_of_its_topic(
    server: NatsServer,
) -> None:
    async with (
        asyncio.timeout(SAFETY),
        ActorSystem("target", transport=transport(server)) as system,
    ):
        barrier = await topic_barrier(system)
        await link_of(system).flush()
        client = await nats.connect(server.url)
        try:
            await client.publish("actorkit.topic.t", b"\x92\x04\xc1")  # a batch, then garbage
            await barrier_passed(client, barrier)
        finally:
            await client.close()
        letters = [(d.reason, d.recipient) for d in system.dead_letters.recent]
        assert letters == [("bad_payload", "topic t")]


async def test_a_publish_the_local_delivery_fails_is_logged_and_kept(
    server: NatsServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Run in nats-py's read loop, the failure would end it: nothing else arrived after."""
    deliver = Host.publish_local

    def failing(host: Host, topic: str, message: object) -> int:
        if topic == "boom":
            raise RuntimeError("the router failed")
        return deliver(host, topic, message)

    monkeypatch.setattr(Host, "publish_local", failing)
    async with (
        asyncio.timeout(SAFETY),
        ActorSystem("pub", transport=transport(server)) as pub,
        ActorSystem("sub", transport=transport(server)) as sub,
    ):
        probe = await Probe.spawn(sub)
        sub.subscribe(probe.ref, "boom")
        sub.subscribe(probe.ref, "fine")
        await link_of(sub).flush()
        pub.publish("boom", "lost")
        pub.publish("fine", "after")
        await probe.expect("after")
        letters = [(d.reason, d.recipient, d.message) for d in sub.dead_letters.recent]
        assert letters == [("undeliverable", "topic boom", "lost")]
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert errors == [
        "sub could not deliver a str from NATS to topic boom: RuntimeError('the router failed')"
    ]


async def test_an_error_reply_its_type_cannot_be_rebuilt_from_is_a_remote_error(
    server: NatsServer,
) -> None:
    """The allow-listed type's constructor refused the reply's arguments: the asker got
    that TypeError instead of the remote error, or nothing."""

    async def answer(msg: Msg) -> None:
        error = [1, "actorkit.nats.RemoteError", ["one argument of two"], "it failed there"]
        await peer.publish(msg.reply, encode(error))

    peer = await nats.connect(server.url)
    try:
        await peer.subscribe("actorkit.actor.forger", cb=answer)
        await peer.flush()
        async with ActorSystem("asker", transport=transport(server)) as system:
            with pytest.raises(RemoteError) as caught:
                await system.remote("forger", "/x").ask("hi", timeout=SAFETY)
    finally:
        await peer.close()
    assert (caught.value.type_name, caught.value.message) == (
        "actorkit.nats.RemoteError",
        "it failed there",
    )
