"""Promises docs/distributed.md makes that no other test pinned: prefixes keep clusters apart,
a bare `host:port`, a subclass in a field refused on receipt, re-exposing an actor under an
old name, the metrics and the health the transport reports."""

from __future__ import annotations

import asyncio
import dataclasses
import ssl
from pathlib import Path
from typing import Any

import msgspec
import nats
import pytest
import trustme

import actorkit
from actorkit import Actor, ActorStopped, ActorSystem, AskTimeout, NotDelivered
from actorkit._nats._options import nats_options
from actorkit._wire import Codec
from actorkit.nats import NatsTransport
from actorkit.testing import ManualClock, Probe

from .nats_support import SAFETY, Gate, NatsServer, requires_nats, transport
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
            await raw.flush()  # the server has the subscription before the publish
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
        assert s.dead_letters.by_reason == {"bad_payload": 2}


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


async def test_what_waits_for_the_link_shows_in_health_and_metrics(own: NatsServer) -> None:
    link = transport(own)
    async with asyncio.timeout(SAFETY), ActorSystem("waiting", transport=link) as system:
        assert link.health() == {
            "state": "connected",
            "connected": True,
            "server": own.url,
            "buffered": 0,
            "failed_groups": [],
        }
        own.stop()
        await link.link_down.wait()
        system.remote("elsewhere", "/x").tell("kept")
        system.remote_group("jobs").tell("kept too")
        health = link.health()
        assert (health["state"], health["connected"], health["buffered"]) == (
            "reconnecting",
            False,
            2,
        )
        assert await metric(system, "actorkit_nats_buffered") == 2
        assert await metric(system, "actorkit_nats_connected") == 0


async def test_a_periodic_tell_to_a_remote_ref_finding_the_buffer_full_is_a_dead_letter(
    own: NatsServer,
) -> None:
    clock = ManualClock()
    link = transport(own, max_buffered=1)
    async with (
        asyncio.timeout(SAFETY),
        ActorSystem("ticking", clock=clock, transport=link) as system,
    ):
        own.stop()
        await link.link_down.wait()
        system.remote("ghost", "/x").tell("fills the buffer")
        ticks = system.schedule_every(1.0, system.remote("ticking", "/probe"), "tick")
        await clock.advance(1.0)
        await clock.advance(1.0)
        assert ticks.active  # it goes on ticking
        assert system.dead_letters.by_reason == {"mailbox_full": 2}
        assert ticks.cancel()


async def test_a_certificate_for_another_host_is_refused_at_once_unless_tls_hostname_names_it(
    tmp_path: Path,
) -> None:
    ca = trustme.CA()
    issued = ca.issue_cert("nats.internal")
    cert, key = tmp_path / "server.pem", tmp_path / "server.key"
    issued.cert_chain_pems[0].write_to_path(str(cert))
    issued.private_key_pem.write_to_path(str(key))
    secured = NatsServer("--tls", "--tlscert", str(cert), "--tlskey", str(key))
    secured.start()
    url = f"tls://127.0.0.1:{secured.port}"
    trusting = ssl.create_default_context()
    ca.configure_trust(trusting)
    try:
        async with asyncio.timeout(SAFETY):
            elsewhere = ActorSystem("elsewhere", transport=NatsTransport(url, tls=trusting))
            with pytest.raises(ConnectionRefusedError, match=r"not valid for '127\.0\.0\.1'"):
                async with asyncio.timeout(2.0):  # at once, not after connect_timeout (5 s)
                    await elsewhere.start()
            named = NatsTransport(url, tls=trusting, tls_hostname="nats.internal")
            async with ActorSystem("named", transport=named) as system:
                system.expose(await system.spawn(Echo, name="echo"))
                assert await system.remote("named", "/echo").ask(1) == ("echo", 1)
    finally:
        secured.stop()


def test_the_client_reconnects_for_ever_and_gets_every_security_option() -> None:
    credentials = {"token": None, "user": "u", "password": "p", "user_credentials": "a.creds"}
    options = nats_options(5.0, credentials | {"tls_hostname": "h"}, {"nkeys_seed": "a.nk"})
    assert (options["max_reconnect_attempts"], options["reconnect_time_wait"]) == (-1, 0.5)
    assert "token" not in options  # not given: nats-py's own default
    for key, value in (("user", "u"), ("password", "p"), ("user_credentials", "a.creds")):
        assert options[key] == value
    assert (options["tls_hostname"], options["nkeys_seed"]) == ("h", "a.nk")
    assert nats_options(5.0, {}, {"reconnect_time_wait": 2})["reconnect_time_wait"] == 2


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
        for call in (lambda: s.remote("café", "/x"), lambda: s.remote_group("équipe")):
            with pytest.raises(ValueError, match="ASCII letters, digits"):
                call()
    with pytest.raises(ValueError, match="ASCII letters, digits"):
        await ActorSystem("café", transport=transport(server)).start()


class Leaving(Actor):
    """Tells, publishes, asks and sends to another system from its `on_stop`."""

    def __init__(self, outcomes: list[Any]) -> None:
        self.outcomes = outcomes

    async def receive(self, message: Any) -> None:
        pass

    async def on_stop(self) -> None:
        echo = self.system.remote("staying", "/echo")
        echo.tell("told")
        self.system.publish("t.bye", "published")
        self.outcomes.append(await echo.ask("asked"))
        await echo.send("sent")
        self.outcomes.append("sent")


async def test_what_on_stop_sends_in_a_shutdown_still_leaves(server: NatsServer) -> None:
    outcomes: list[Any] = []
    async with (
        asyncio.timeout(SAFETY),
        ActorSystem("staying", transport=transport(server)) as staying,
    ):
        echo = await staying.spawn(Echo, name="echo")
        staying.expose(echo)
        probe = await Probe.spawn(staying)
        staying.subscribe(probe.ref, "t.>")
        async with ActorSystem("leaving", transport=transport(server)) as leaving:
            await leaving.spawn(Leaving, outcomes)
        assert outcomes == [("echo", "asked"), "sent"]
        assert leaving.dead_letters.count == 0
        assert await echo.ask("got") == ["told", "asked", "sent"]
        await probe.expect("published")
