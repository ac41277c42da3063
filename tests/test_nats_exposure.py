"""Exposure is the only way in over NATS, and hostile payloads are rejected and counted."""

from __future__ import annotations

import nats
import pytest

from actorkit import ActorStopped, ActorSystem, NotDelivered, testing

from .nats_support import NatsServer, link_of, requires_nats, transport
from .nats_systems_support import Echo, metric

pytestmark = requires_nats


async def test_only_exposed_actors_are_reachable(server: NatsServer) -> None:
    async with (
        ActorSystem("outside", transport=transport(server)) as outside,
        ActorSystem("inside", transport=transport(server)) as inside,
    ):
        hidden = await inside.spawn(Echo, name="hidden")
        shown = await inside.spawn(Echo, name="shown")
        inside.expose(shown)
        outside.remote("inside", "/hidden").tell("sneak")
        # Refused before any actor saw it: `NotDelivered`, so a retry (once exposed) is safe.
        with pytest.raises(NotDelivered, match="not exposed"):
            await outside.remote("inside", "/hidden").ask("sneak")
        with pytest.raises(NotDelivered, match="not exposed"):
            await outside.remote("inside", "/hidden").send("sneak")
        assert await outside.remote("inside", "/shown").ask("got") == []  # after the tell
        assert await hidden.ask("got") == []
        assert inside.dead_letters.by_reason["not_exposed"] == 3
        assert testing.transport(inside) is not None
        assert await metric(inside, 'actorkit_nats_rejected_total{reason="not_exposed"}') == 3.0
        await shown.stop()
        with pytest.raises(ActorStopped):
            await outside.remote("inside", "/shown").ask("got")


async def test_an_actor_of_another_system_cannot_be_exposed(server: NatsServer) -> None:
    """It was exposed, but its stop reaches only its own system: it stayed in the group, and
    the next request NATS routed to it was refused though another member was alive."""
    async with (
        ActorSystem("host", transport=transport(server)) as host,
        ActorSystem("elsewhere") as elsewhere,
    ):
        foreign = await elsewhere.spawn(Echo, name="echo")
        with pytest.raises(ValueError, match="belongs to actor system 'elsewhere'"):
            host.expose(foreign, group="jobs")
        with pytest.raises(ValueError, match="expose it there"):
            host.expose(foreign)


async def test_hostile_payloads_are_rejected_and_counted(server: NatsServer) -> None:
    async with ActorSystem("target", transport=transport(server)) as target:
        echo = await target.spawn(Echo, name="echo")
        target.expose(echo)
        raw = await nats.connect(server.url)
        try:
            ext = b"\xc7\x07\x01\x92\xa4Evil\x80"  # an object of a type nobody registered
            for payload in (
                b"\xff\x00garbage",
                b"\x94\x00\xa5/echo\xc0",  # a truncated frame
                b"\x94\x09\xa5/echo\xc0\xc0",  # an unknown kind
                b"\x94\x00\xa5/echo" + ext + b"\xc0",
                b"\x92\xa1x\xc7\x01\x63\x00",  # an unknown extension type
            ):
                answer = await raw.request("actorkit.actor.target", payload, timeout=2)
                assert b"TypeError" in answer.data or (
                    payload.endswith(ext + b"\xc0") and b"IncompatibleMessage" in answer.data
                )
            await raw.publish("actorkit.topic.t", b"\x92\xa1x\xc7\x01\x63\x00")
            await raw.flush()
        finally:
            await raw.close()
        assert await target.remote("target", "/echo").ask("got") == []
        await link_of(target).flush()
        assert target.dead_letters.by_reason["bad_payload"] >= 5
        assert target.dead_letters.by_reason["incompatible"] == 1  # Evil, a type of no class here
        assert await metric(target, 'actorkit_nats_rejected_total{reason="bad_payload"}') >= 5


async def test_expose_refuses_a_stopped_actor_and_a_second_member_of_a_group(
    server: NatsServer,
) -> None:
    async with ActorSystem("host", transport=transport(server)) as host:
        first = await host.spawn(Echo, name="first")
        second = await host.spawn(Echo, name="second")
        host.expose(first, group="jobs")
        with pytest.raises(ValueError, match="group 'jobs' is already served by /first"):
            host.expose(second, group="jobs")
        await second.stop()
        with pytest.raises(ActorStopped, match="/second is stopped and cannot be exposed"):
            host.expose(second)


async def test_a_group_exposed_twice_is_left_once_its_member_stops(server: NatsServer) -> None:
    """A second subscription for the same group would stay behind its member: NATS routed
    the group's traffic to it, and it refused each request as not exposed."""
    async with (
        ActorSystem("client", transport=transport(server)) as client,
        ActorSystem("host", transport=transport(server)) as host,
    ):
        member = await host.spawn(Echo, name="member")
        host.expose(member, group="jobs")
        host.expose(member, group="jobs")
        await link_of(host).flush()
        assert await client.remote_group("jobs").ask("hi") == ("echo", "hi")
        await member.stop()
        await link_of(host).flush()
        with pytest.raises(NotDelivered, match="no member of that group"):
            await client.remote_group("jobs").ask("hi")


async def test_a_member_stopped_before_it_joined_its_group_leaves_it(server: NatsServer) -> None:
    async with (
        ActorSystem("client", transport=transport(server)) as client,
        ActorSystem("host", transport=transport(server)) as host,
    ):
        member = await host.spawn(Echo, name="member")
        host.expose(member, group="jobs")
        await member.stop()
        await link_of(host).flush()
        with pytest.raises(NotDelivered, match="no member of that group"):
            await client.remote_group("jobs").ask("hi")
