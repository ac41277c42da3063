"""Batches: tells and publishes queued for one subject leave as one NATS message, in order,
each frame decoded on its own; queue-group tells are never batched."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import msgspec
import nats

from actorkit import DEAD_LETTER_TOPIC, ActorSystem
from actorkit._nats._frames import batch
from actorkit.testing import Probe

from .nats_support import SAFETY, Keeper, NatsServer, link_of, requires_nats, settled, transport

pytestmark = requires_nats


class Seen(list[bytes]):
    """NATS messages a plain subscriber saw; `reached` is set at `expected` of them."""

    def __init__(self, expected: int) -> None:
        super().__init__()
        self.expected = expected
        self.reached = asyncio.Event()


@asynccontextmanager
async def watching(server: NatsServer, subject: str, expected: int = 0) -> AsyncIterator[Seen]:
    """Every NATS message on `subject`, as a plain subscriber sees it."""
    client = await nats.connect(server.url)
    seen = Seen(expected)

    async def keep(msg: Any) -> None:
        seen.append(msg.data)
        if len(seen) == seen.expected:
            seen.reached.set()

    try:
        await client.subscribe(subject, cb=keep)
        await settled(client)
        yield seen
    finally:
        await client.close()


async def test_tells_asks_and_sends_keep_their_order_and_tells_share_messages(
    server: NatsServer,
) -> None:
    async with (
        ActorSystem("teller", transport=transport(server)) as teller,
        ActorSystem("keeper", transport=transport(server)) as keeper,
        watching(server, "actorkit.actor.keeper") as seen,
    ):
        keeper.expose(await keeper.spawn(Keeper, name="k", mailbox_size=None))
        keeper.expose(await keeper.spawn(Keeper, name="other", mailbox_size=None))
        k, other = teller.remote("keeper", "/k"), teller.remote("keeper", "/other")
        for i in range(3000):
            k.tell(i)  # no await: all queued before the writer runs
            other.tell(-i)
        assert await k.ask(3000, SAFETY) == 3001  # queued behind the tells: sent after them
        for i in range(3001, 3500):
            k.tell(i)
        await k.send(3500)
        assert await k.ask("got", SAFETY) == list(range(3501))
        assert await other.ask("got", SAFETY) == [-i for i in range(3000)]
        assert len(seen) < 100  # 6,000 tells, a few batches


async def test_a_batch_stays_within_the_servers_max_payload(
    own: NatsServer, tmp_path: Path
) -> None:
    """300 tells queued in one turn are some 5 KB of frames: over a server's `max_payload`
    of 1,000 bytes they leave as several batches, none refused by the client."""
    own.configure(tmp_path / "small.conf", "max_payload: 1000\n")
    own.restart()
    async with ActorSystem("small", transport=transport(own)) as system:
        system.expose(await system.spawn(Keeper, name="k", mailbox_size=None))
        k = system.remote("small", "/k")
        for i in range(300):
            k.tell(i)  # no await: all queued before the writer runs
        assert await k.ask("got", SAFETY) == list(range(300))
        assert system.dead_letters.count == 0


async def test_a_frame_that_does_not_decode_costs_only_itself(server: NatsServer) -> None:
    async with ActorSystem("target", transport=transport(server)) as system:
        system.expose(await system.spawn(Keeper, name="k"))
        letters = await Probe.spawn(system)
        system.subscribe(letters.ref, DEAD_LETTER_TOPIC)
        await link_of(system).flush()
        encode = msgspec.msgpack.encode
        unknown = msgspec.msgpack.Ext(1, encode(["NoSuchType", {}]))
        frames = [
            encode([0, "/k", 1, None]),
            encode([0, "/k", unknown, None]),  # a type this process did not register
            encode([1, "/k", "an ask", 1.0]),  # only tells travel in a batch
            encode([3, "/k", "a ping", None]),  # even one that needs no reply subject
            encode([0, "/nowhere", 2, None]),  # not exposed
            encode([0, "/k", 3, None]),
        ]
        client = await nats.connect(server.url)
        try:
            await client.publish("actorkit.actor.target", batch(frames))
            await client.publish("actorkit.actor.target", b"\x92\x04\xc1")  # a broken batch
            inner = [msgspec.Raw(encode([0, "/k", 9, None]))]
            await client.publish("actorkit.actor.target", encode([5, inner]))  # no batch head
        finally:
            await client.close()
        # Both handled, not merely flushed: nats-py's flush writes its PING ahead of the
        # publishes it still holds, so the server may route the ask below (another connection)
        # first. A batch is handled in one synchronous call: its letters in, its tells are too.
        reasons = [(await letters.receive(SAFETY)).reason for _ in range(6)]
        assert sorted(reasons) == ["bad_payload"] * 4 + ["incompatible", "not_exposed"]
        assert await system.remote("target", "/k").ask("got", SAFETY) == [1, 3]
        assert system.dead_letters.by_reason == {
            "bad_payload": 4,
            "incompatible": 1,  # the unregistered type: the sender may run another version
            "not_exposed": 1,
        }
        assert link_of(system).received == 9  # each frame of the batch, the other two, the ask


async def test_publishes_are_batched_in_order(server: NatsServer) -> None:
    async with (
        ActorSystem("pub", transport=transport(server)) as pub,
        ActorSystem("sub", transport=transport(server)) as sub,
        watching(server, "actorkit.topic.>") as seen,
    ):
        probe = await Probe.spawn(sub)
        sub.subscribe(probe.ref, "ticks")
        await link_of(sub).flush()
        for i in range(500):
            pub.publish("ticks", i)
        assert [await probe.receive(SAFETY) for _ in range(500)] == list(range(500))
        assert len(seen) < 50


async def test_tells_to_a_queue_group_are_one_message_each(server: NatsServer) -> None:
    async with (
        ActorSystem("producer", transport=transport(server)) as producer,
        ActorSystem("worker", transport=transport(server)) as worker,
        watching(server, "actorkit.group.workers", expected=201) as seen,
    ):
        worker.expose(await worker.spawn(Keeper, name="k", mailbox_size=None), group="workers")
        await link_of(worker).flush()
        group = producer.remote_group("workers")
        for i in range(200):
            group.tell(i)
        assert await group.ask("got", SAFETY) == list(range(200))
        async with asyncio.timeout(SAFETY):
            await seen.reached.wait()  # 200 tells and the ask: one NATS message each
        assert len(seen) == 201


async def test_tells_after_a_send_wait_for_it_on_the_receiving_side(server: NatsServer) -> None:
    async with (
        ActorSystem("sender", transport=transport(server)) as sender,
        ActorSystem("receiver", transport=transport(server)) as receiver,
    ):
        receiver.expose(await receiver.spawn(Keeper, name="k"))
        k = sender.remote("receiver", "/k")
        for round_ in range(10):
            sending = asyncio.ensure_future(k.send(("send", round_)))
            await asyncio.sleep(0)  # the send leaves first, on its own task's turn
            for i in range(3):
                k.tell((round_, i))  # one batch, right behind the send
            await sending
        expected = [("send", r) if i < 0 else (r, i) for r in range(10) for i in (-1, 0, 1, 2)]
        assert await k.ask("got", SAFETY) == expected
