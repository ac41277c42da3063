"""Promises docs/distributed.md makes that no other test pinned: prefixes keep clusters apart,
a bare `host:port`, a subclass in a field refused on receipt, re-exposing an actor under an
old name, the metrics of requests and messages, what a bad payload leaves, names' rules."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable

import msgspec
import nats
import pytest

import actorkit
from actorkit import ActorStopped, ActorSystem, AskTimeout, NotDelivered
from actorkit._wire import Codec
from actorkit.nats import NatsTransport
from actorkit.testing import Probe

from .nats_support import SAFETY, Gate, NatsServer, requires_nats, settled, transport
from .nats_systems_support import Echo, metric

pytestmark = requires_nats


@actorkit.message("promises.Parent")
@dataclasses.dataclass(frozen=True)
class Parent:
    x: int


@actorkit.message("promises.Child")
@dataclasses.dataclass(frozen=True)
class Child(Parent):
    y: int = 0


@actorkit.message("promises.Holds")
@dataclasses.dataclass(frozen=True)
class Holds:
    parent: Parent


async def test_systems_under_different_prefixes_do_not_reach_each_other(
    server: NatsServer,
) -> None:
    async with (
        asyncio.timeout(SAFETY),
        ActorSystem("one-a", transport=transport(server, prefix="one")) as one,
        ActorSystem("two-b", transport=transport(server, prefix="two")) as two,
    ):
        two.expose(await two.spawn(Echo, name="echo"))
        probe = await Probe.spawn(two)
        two.subscribe(probe.ref, "t.>")
        with pytest.raises(NotDelivered, match="not connected to NATS"):
            await one.remote("two-b", "/echo").ask("hi")
        raw = await nats.connect(server.url)
        try:
            seen = await raw.subscribe("one.topic.>")
            await settled(raw)  # the server has the subscription before the publish
            one.publish("t.x", "from one")
            assert (await seen.next_msg(SAFETY)).subject == "one.topic.t.x"
            # The server routed "from one" before this, so `two` would have had it first.
            await raw.publish("two.topic.t.x", msgspec.msgpack.encode(["last"]))
            await raw.flush()
        finally:
            await raw.close()
        await probe.expect("last")
        probe.expect_empty()


async def test_a_bare_host_and_port_means_nats(server: NatsServer) -> None:
    bare = NatsTransport(f"127.0.0.1:{server.port}")
    async with asyncio.timeout(SAFETY), ActorSystem("bare", transport=bare) as system:
        system.expose(await system.spawn(Echo, name="echo"))
        assert await system.remote("bare", "/echo").ask("hi") == ("echo", "hi")
        assert bare.health()["server"] == server.url


async def test_a_subclass_in_a_field_of_its_parent_class_is_refused_on_receipt(
    server: NatsServer,
) -> None:
    async with asyncio.timeout(SAFETY), ActorSystem("fields", transport=transport(server)) as s:
        s.expose(await s.spawn(Echo, name="echo"))
        echo = s.remote("fields", "/echo")
        with pytest.raises(TypeError, match="Expected `object`, got `Child`"):
            await echo.ask(Holds(Child(1, 2)))
        echo.tell(Holds(Child(1, 2)))
        assert await echo.ask(Holds(Parent(1))) == ("echo", Holds(Parent(1)))
        assert await echo.ask("got") == [Holds(Parent(1))]  # the tell never reached it
        assert s.dead_letters.by_reason == {"incompatible": 2}  # the class refuses the field


async def test_an_actor_spawned_again_under_an_exposed_name_must_be_exposed_again(
    server: NatsServer,
) -> None:
    async with asyncio.timeout(SAFETY), ActorSystem("again", transport=transport(server)) as s:
        first = await s.spawn(Echo, name="echo")
        s.expose(first)
        echo = s.remote("again", "/echo")
        assert await echo.ask(1) == ("echo", 1)
        await first.stop()
        second = await s.spawn(Echo, name="echo")
        with pytest.raises(ActorStopped, match="not exposed"):
            await echo.ask(2)
        s.expose(second)
        assert await echo.ask(3) == ("echo", 3)


async def test_requests_are_counted_by_outcome_and_messages_without_their_replies(
    server: NatsServer,
) -> None:
    async with (
        asyncio.timeout(SAFETY),
        ActorSystem("counting", transport=transport(server)) as asker,
        ActorSystem("counted", transport=transport(server)) as counted,
    ):
        counted.expose(await counted.spawn(Echo, name="echo"))
        arrived, release = asyncio.Event(), asyncio.Event()
        counted.expose(await counted.spawn(Gate, arrived, release, name="gate"))
        probe = await Probe.spawn(counted)
        counted.subscribe(probe.ref, "t.>")
        echo = asker.remote("counted", "/echo")
        with pytest.raises(ValueError, match="bad value"):
            await echo.ask("value-error")  # first: its actor restarts, and forgets
        assert await echo.ask("hi") == ("echo", "hi")
        await echo.send("sent")
        with pytest.raises(ActorStopped, match="not exposed"):
            await asker.remote("counted", "/hidden").ask("hi")
        with pytest.raises(AskTimeout):
            await asker.remote("counted", "/gate").ask("hi", timeout=0.05)
        release.set()
        for n in range(3):
            echo.tell(n)
        asker.publish("t.x", "published")
        await probe.expect("published")
        assert await echo.ask("got") == ["hi", "sent", 0, 1, 2]
        outcomes = {"ok": 3, "error": 1, "timeout": 1, "stopped": 1}
        for outcome, count in outcomes.items():
            series = f'actorkit_nats_requests_total{{outcome="{outcome}"}}'
            assert await metric(asker, series) == count, outcome
        # 5 asks, a send, 3 tells and a publish; the replies are counted by their askers only.
        assert await metric(asker, 'actorkit_nats_messages_total{direction="out"}') == 10
        assert await metric(asker, 'actorkit_nats_messages_total{direction="in"}') == 0
        assert await metric(counted, 'actorkit_nats_messages_total{direction="in"}') == 10
        assert await metric(counted, 'actorkit_nats_messages_total{direction="out"}') == 0


def test_fields_the_receiving_class_does_not_know_are_ignored() -> None:
    """A sender with a newer version of the class, one more field with a default."""
    newer = msgspec.msgpack.Ext(1, msgspec.msgpack.encode(["promises.Parent", {"x": 1, "z": 2}]))
    assert Codec().decode(msgspec.msgpack.encode([newer])) == [Parent(1)]


async def test_a_payload_that_cannot_be_decoded_is_kept_as_its_first_256_bytes(
    server: NatsServer,
) -> None:
    async with asyncio.timeout(SAFETY), ActorSystem("strict", transport=transport(server)) as s:
        s.expose(await s.spawn(Echo, name="echo"))
        junk = b"\xc1" + bytes(range(256)) * 4
        raw = await nats.connect(server.url)
        try:
            reply = await raw.request("actorkit.actor.strict", junk, timeout=SAFETY)
        finally:
            await raw.close()
        assert b"TypeError" in reply.data  # the requester is answered
        (letter,) = s.dead_letters.recent
        assert (letter.reason, letter.message) == ("bad_payload", junk[:256])


async def test_a_publish_to_a_full_local_mailbox_is_still_a_dead_letter(
    server: NatsServer,
) -> None:
    async with asyncio.timeout(SAFETY), ActorSystem("local", transport=transport(server)) as s:
        arrived, release = asyncio.Event(), asyncio.Event()
        held = await s.spawn(Gate, arrived, release, mailbox_size=1)
        s.subscribe(held, "t.>")
        assert s.publish("t.x", "handled") == 1
        await arrived.wait()
        assert s.publish("t.x", "queued") == 1
        assert s.publish("t.x", "no room") == 0
        assert s.dead_letters.by_reason == {"mailbox_full": 1}
        release.set()


async def test_a_name_with_a_letter_outside_ascii_is_refused_in_words_that_say_so(
    server: NatsServer,
) -> None:
    """'café' was refused as not "letters, digits, '_' or '-'", which it seems to be."""
    async with asyncio.timeout(SAFETY), ActorSystem("names", transport=transport(server)) as s:
        calls: tuple[Callable[[], object], ...] = (
            lambda: s.remote("café", "/x"),
            lambda: s.remote_group("équipe"),
        )
        for call in calls:
            with pytest.raises(ValueError, match="ASCII letters, digits"):
                call()
    with pytest.raises(ValueError, match="ASCII letters, digits"):
        await ActorSystem("café", transport=transport(server)).start()


def test_websocket_urls_are_not_mixed_with_the_others() -> None:
    with pytest.raises(ValueError, match="must not mix ws:// or wss:// with nats:// or tls://"):
        NatsTransport(["wss://nats-1:443", "tls://nats-2:4222"])
