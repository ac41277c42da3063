"""What the NATS transport counts, says and keeps for remote requests, its outbound buffer,
the payloads it refuses, its remote refs and its exposed groups, through the public API: a
hand mutation review of `_requests`, `_outbound`, `_refusals`, `_remote_ref` and `_exposure`
found each of these unasserted (a counter left out, the words of another case, a request
timed out in the queue sent later all the same, a name read off the wrong side of a target,
a departure kept after it ended)."""

from __future__ import annotations

import asyncio
from typing import Any
from unittest import mock

import pytest

from actorkit import Actor, ActorSystem, AskTimeout, NotDelivered
from actorkit.testing import Probe

from .nats_support import SAFETY, Gate, NatsServer, link_of, requires_nats, settled, transport
from .nats_systems_support import Echo, metric
from .tables_census import census, grown
from .test_nats_hostile import frame, raw
from .test_nats_never_sent import held_by_an_outage

pytestmark = requires_nats


async def test_a_remote_ref_is_named_by_its_path_or_its_group(server: NatsServer) -> None:
    async with asyncio.timeout(SAFETY), ActorSystem("names", transport=transport(server)) as s:
        actor, group = s.remote("other", "/parent/child"), s.remote_group("workers")
        assert (actor.name, actor.path) == ("child", "/parent/child")
        assert (group.name, group.path) == ("workers", "")
        assert actor == mock.ANY  # not ours to say: Python asks the other side


async def test_a_request_refused_while_disconnected_counts_as_stopped(own: NatsServer) -> None:
    """Nothing was sent, and `NotDelivered` is an `ActorStopped`: the outcome says so, as
    docs/distributed.md lists it, not nothing at all."""
    link = transport(own)
    async with asyncio.timeout(SAFETY), ActorSystem("cut", transport=link) as system:
        own.stop()
        await link.link_down.wait()
        with pytest.raises(NotDelivered, match="was not sent"):
            await system.remote("ghost", "/x").ask("hi")
        stopped = await metric(system, 'actorkit_nats_requests_total{outcome="stopped"}')
    assert stopped == 1.0


async def test_publishes_sent_give_their_room_back(server: NatsServer) -> None:
    """A one-message buffer carries any number of publishes, one at a time: each sent frees
    its place, or the buffer filled for good after `max_buffered` of them."""
    async with (
        asyncio.timeout(SAFETY),
        ActorSystem("pub", transport=transport(server, max_buffered=1)) as pub,
        ActorSystem("sub", transport=transport(server)) as sub,
    ):
        probe = await Probe.spawn(sub)
        sub.subscribe(probe.ref, "t.>")
        await link_of(sub).flush()
        for n in range(4):
            pub.publish("t.n", n)
            await link_of(pub).flush()
        for n in range(4):
            await probe.expect(n)
        refused = await metric(pub, 'actorkit_nats_rejected_total{reason="buffer_full"}')
    assert refused == 0.0


async def test_an_ask_that_never_got_room_says_the_buffer_was_full(own: NatsServer) -> None:
    """Its deadline passed while it waited for room: the words name the full buffer and its
    size, not a queue it was never in."""
    link = transport(own, max_buffered=1, buffer_timeout=SAFETY)
    async with asyncio.timeout(SAFETY), ActorSystem("full", transport=link) as system:
        system.expose(await system.spawn(Echo, name="echo"))
        own.stop()
        await link.link_down.wait()
        system.remote("ghost", "/x").tell("held")  # fills the buffer; waits for a probe
        own.start()
        await link.link_up.wait()  # the writer probes ghost, which never answers
        with pytest.raises(AskTimeout) as late:
            await system.remote(system.name, "/echo").ask("hi", timeout=0.2)
    words = str(late.value)
    assert "never left this system's outbound queue" in words, words
    assert "waiting for room in the outbound buffer, full at max_buffered (1 messages)" in words


async def test_a_reply_with_a_frame_is_read_whatever_status_header_it_bears(
    server: NatsServer,
) -> None:
    """NATS says "no responders" with a bare 503 status, no payload: a reply that carries a
    frame is an answer, and a peer's header cannot turn it into "not connected"."""
    async with (
        asyncio.timeout(SAFETY),
        ActorSystem("asker", transport=transport(server)) as system,
        raw(server) as fake,
    ):

        async def answer(msg: Any) -> None:
            await fake.publish(msg.reply, frame(0, "answered"), headers={"Status": "503"})

        await fake.subscribe("actorkit.actor.fake", cb=answer)
        await settled(fake)
        assert await system.remote("fake", "/x").ask("hi", timeout=SAFETY) == "answered"


class _Recorder(Actor):
    def __init__(self, marker: asyncio.Event) -> None:
        self.got: list[Any] = []
        self.marker = marker

    async def receive(self, message: Any) -> Any:
        self.got.append(message)
        if message == "marker":
            self.marker.set()
        return self.got


async def test_an_ask_timed_out_in_the_queue_is_never_sent_later(own: NatsServer) -> None:
    """Its asker was told it "was not handled": once its target answers again, the messages
    held with it go out, and it stays behind."""
    link = transport(own, buffer_timeout=SAFETY)
    async with asyncio.timeout(SAFETY), ActorSystem("held", transport=link) as system:
        ghost = await held_by_an_outage(own, link, system)
        with pytest.raises(AskTimeout, match="never left"):
            await ghost.ask("behind it", timeout=0.2)
        ghost.tell("marker")
        marker = asyncio.Event()
        async with ActorSystem("ghost", transport=transport(own)) as target:
            recorder = await target.spawn(_Recorder, marker, name="x")
            target.expose(recorder)
            await marker.wait()
            assert await recorder.ask("got") == ["held", "marker", "got"]


async def test_a_remote_send_waits_for_the_transport_s_send_timeout(server: NatsServer) -> None:
    """A send waits for room in the remote mailbox as long as `send_timeout`, not an ask's
    default."""
    async with (
        asyncio.timeout(SAFETY),
        ActorSystem("sender", transport=transport(server, send_timeout=0.2)) as system,
    ):
        arrived, release = asyncio.Event(), asyncio.Event()
        held = await system.spawn(Gate, arrived, release, name="gate", mailbox_size=1)
        system.expose(held)
        gate = system.remote("sender", "/gate")
        gate.tell("holds the gate")
        await arrived.wait()
        held.tell("fills its mailbox")
        with pytest.raises(AskTimeout, match=r"within 0\.2 ?s"):
            await gate.send("waits behind it")
        release.set()


async def test_a_malformed_request_is_a_dead_letter_for_the_subject_it_came_on(
    server: NatsServer,
) -> None:
    """Only a message of another version is recorded for the actor its frame names: the path
    of a frame that is no request is the peer's word, not where anything went."""
    async with (
        asyncio.timeout(SAFETY),
        ActorSystem("target", transport=transport(server)) as system,
        raw(server) as client,
    ):
        system.expose(await system.spawn(Echo, name="echo"))
        await link_of(system).flush()
        answer = await client.request(
            "actorkit.actor.target", frame(1, "/echo", "x", 0), timeout=SAFETY
        )
        assert b"TypeError" in answer.data
        [letter] = system.dead_letters.recent
        assert (letter.reason, letter.recipient) == ("bad_payload", "actorkit.actor.target")


async def test_group_members_that_stop_leave_no_departure_behind(server: NatsServer) -> None:
    """Each member that stops leaves its group by a task of its own: a service whose pool
    members come and go for weeks keeps none of those tasks once they ended."""
    rounds = 6
    async with asyncio.timeout(SAFETY), ActorSystem("churn", transport=transport(server)) as system:
        sizes = []
        for _ in range(3):
            for _ in range(rounds):
                member = await system.spawn(Echo)
                system.expose(member, group="g")
                await link_of(system).flush()
                await member.stop()
                await link_of(system).flush()
            sizes.append(census(system))
        assert grown(*sizes, by=rounds) == []
