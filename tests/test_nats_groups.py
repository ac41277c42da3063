"""Groups share work across systems over NATS; members leave without dropping a message,
nor one queued for them as they leave."""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
import nats
import pytest
from nats.aio.client import Client
from nats.aio.msg import Msg

import actorkit
from actorkit import Actor, ActorStopped, ActorSystem
from actorkit._nats import _direct
from actorkit._nats._frames import ASK, OK, PING, STOPPED
from actorkit._nats._inbound import Inbound
from actorkit._nats._round_trip import round_trip

from .nats_node import Job
from .nats_support import SAFETY, NatsServer, link_of, requires_nats, transport
from .nats_systems_support import Echo

pytestmark = requires_nats


async def test_groups_share_work_across_systems(server: NatsServer) -> None:
    async with (
        ActorSystem("client", transport=transport(server)) as client,
        ActorSystem("worker-a", transport=transport(server)) as worker_a,
        ActorSystem("worker-b", transport=transport(server)) as worker_b,
    ):
        for system in (worker_a, worker_b):
            pool = await system.spawn_pool(Echo, size=2, name="pool")
            system.expose(pool, group="jobs")
            await link_of(system).flush()
        jobs = client.remote_group("jobs")
        for i in range(60):
            assert await jobs.ask(Job(i)) == ("echo", Job(i))
        served = []
        for system in (worker_a, worker_b):
            pool_ref = system.lookup("/pool")
            assert isinstance(pool_ref, actorkit.PoolRef)
            served.append(sum([len(await member.ask("got")) for member in pool_ref.members]))
        assert sum(served) == 60 and all(served), served


async def test_a_stopped_group_member_leaves_the_group_as_it_stops(server: NatsServer) -> None:
    """Before, the member stayed subscribed until NATS routed it a message, which it could
    only refuse: an ask failed with ActorStopped though another member was alive."""
    async with (
        ActorSystem("client", transport=transport(server)) as client,
        ActorSystem("worker-a", transport=transport(server)) as worker_a,
        ActorSystem("worker-b", transport=transport(server)) as worker_b,
    ):
        for system in (worker_a, worker_b):
            system.expose(await system.spawn(Echo, name="echo"), group="jobs")
            await link_of(system).flush()
        jobs = client.remote_group("jobs")
        leaving = worker_a.lookup("/echo")
        assert leaving is not None
        await leaving.stop()
        await link_of(worker_a).flush()  # the departure has reached the server
        for i in range(40):
            assert await jobs.ask(Job(i)) == ("echo", Job(i))
        staying = worker_b.lookup("/echo")
        assert staying is not None
        assert len(await staying.ask("got")) == 40
        assert worker_a.dead_letters.count == 0


class Tally(Actor):
    """Answers a `Job` and notes every tell it gets in a list the test holds."""

    def __init__(self, told: list[int]) -> None:
        self.told = told

    async def receive(self, message: Any) -> Any:
        if isinstance(message, int):
            self.told.append(message)
        return message


async def test_what_reaches_a_leaving_member_is_refused_not_dropped(server: NatsServer) -> None:
    """nats-py forgot the subscription the moment the member left, so what NATS had routed
    to it before the server saw the departure was dropped without a word: asks waited for
    their timeout, tells vanished. Now each is refused (`ActorStopped`, a dead letter)."""
    told: list[int] = []
    async with (
        ActorSystem("client", transport=transport(server)) as client,
        ActorSystem("worker-a", transport=transport(server)) as worker_a,
        ActorSystem("worker-b", transport=transport(server)) as worker_b,
    ):
        for system in (worker_a, worker_b):
            system.expose(await system.spawn(Tally, told, name="tally"), group="jobs")
            await link_of(system).flush()
        jobs = client.remote_group("jobs")
        asking = [asyncio.create_task(jobs.ask(Job(i), timeout=SAFETY)) for i in range(60)]
        for i in range(60):
            jobs.tell(i)
        await asyncio.sleep(0)  # the asks are out: NATS routes some to the leaving member
        leaving = worker_b.lookup("/tally")
        assert leaving is not None
        await leaving.stop()
        async with asyncio.timeout(SAFETY / 4):  # none waits for its timeout
            outcomes = await asyncio.gather(*asking, return_exceptions=True)
        assert all(o == Job(i) or isinstance(o, ActorStopped) for i, o in enumerate(outcomes))
        await link_of(client).flush()
        await link_of(worker_b).flush()
        staying = worker_a.lookup("/tally")
        assert staying is not None
        await staying.ask("sync")  # it has taken every tell sent before
        refused = [d.message for d in worker_b.dead_letters.recent if isinstance(d.message, int)]
        assert sorted(told + refused) == list(range(60))


class Lingering(Actor):
    """Holds its system's shutdown open until released."""

    def __init__(self, stopping: asyncio.Event, release: asyncio.Event) -> None:
        self.stopping = stopping
        self.release = release

    async def on_stop(self) -> None:
        self.stopping.set()
        await self.release.wait()


async def test_a_system_shutting_down_leaves_its_groups_before_its_actors_stop(
    server: NatsServer,
) -> None:
    """Before, a member system refused its share of the group's requests (`ActorStopped`,
    a dead letter `shutdown` for a tell) for as long as its actors took to stop, though
    another member was alive."""
    async with (
        ActorSystem("client", transport=transport(server)) as client,
        ActorSystem("worker-b", transport=transport(server)) as worker_b,
    ):
        worker_a = ActorSystem("worker-a", transport=transport(server))
        await worker_a.start()
        for system in (worker_a, worker_b):
            system.expose(await system.spawn(Echo, name="echo"), group="jobs")
            await link_of(system).flush()
        stopping, release = asyncio.Event(), asyncio.Event()
        await worker_a.spawn(Lingering, stopping, release, name="lingering")  # stops first
        shutdown = asyncio.create_task(worker_a.shutdown())
        try:
            await stopping.wait()
            await link_of(worker_a).flush()  # the departure has reached the server
            jobs = client.remote_group("jobs")
            for i in range(40):
                assert await jobs.ask(Job(i)) == ("echo", Job(i))
        finally:
            release.set()
            await shutdown
        staying = worker_b.lookup("/echo")
        assert staying is not None
        assert len(await staying.ask("got")) == 40
        assert worker_a.dead_letters.count == 0


async def test_a_request_queued_for_a_leaving_member_is_answered_before_it_leaves(
    server: NatsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An ask queued behind a request still being handled on the subscription's slower path
    (`_direct`) as its member leaves the group: leaving waits for the callback to handle it,
    so its asker hears at once that the member is gone. Forgetting the subscription as the
    round trip ended cancelled that callback, and the ask waited for its timeout."""
    answering, round_tripped = asyncio.Event(), asyncio.Event()
    on_request = Inbound.on_request

    async def ping_held(inbound: Inbound, msg: Msg, group: str | None = None) -> None:
        if not answering.is_set():  # the ping: handled once the departure's round trip ended
            answering.set()
            await round_tripped.wait()
        await on_request(inbound, msg, group)

    async def signalled(nc: Client, timeout: float, *ends: asyncio.Event | None) -> None:
        await round_trip(nc, timeout, *ends)
        round_tripped.set()

    monkeypatch.setattr(Inbound, "on_request", ping_held)  # before `expose` subscribes
    monkeypatch.setattr(_direct, "round_trip", signalled)
    client = await nats.connect(server.url)
    try:
        async with ActorSystem("member", transport=transport(server)) as system:
            echo = await system.spawn(Echo, name="echo")
            system.expose(echo, group="leaving")
            await link_of(system).flush()
            answers = await client.subscribe("answers.*")
            for slots, reply in (([PING, "", None, None], "ping"), ([ASK, "", "hi", 30.0], "ask")):
                payload = msgspec.msgpack.encode(slots)
                await client.publish("actorkit.group.leaving", payload, f"answers.{reply}")
            await client.flush()  # both are on their way to the member ahead of its UNSUB
            async with asyncio.timeout(SAFETY):
                await answering.wait()  # the ask queues behind the ping
                await echo.stop()
                replies = {}
                for _ in range(2):
                    answer = await answers.next_msg(timeout=SAFETY)
                    replies[answer.subject] = msgspec.msgpack.decode(answer.data)
            assert replies["answers.ping"][0] == OK
            assert replies["answers.ask"] == [STOPPED, "member:group leaving is not exposed"]
    finally:
        await client.close()
