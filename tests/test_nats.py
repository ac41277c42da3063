"""The NATS transport against a real nats-server, with the systems in this process: remote
refs with local semantics, exposure as the only way in, hostile payloads, credentials,
duplicate names, health and metrics."""

from __future__ import annotations

import asyncio
import dataclasses
import ssl
from pathlib import Path
from typing import Any

import aiohttp
import nats
import pytest
import trustme

import actorkit
from actorkit import (
    Actor,
    ActorStopped,
    ActorSystem,
    AskTimeout,
    MailboxFull,
    NameTaken,
    Ref,
    testing,
)
from actorkit.nats import NatsTransport, RemoteError, RemoteRef
from actorkit.testing import Probe

from .nats_node import Add, Job
from .nats_support import SAFETY, NatsServer, link_of, requires_nats

pytestmark = requires_nats


class Unregistered:
    pass


@dataclasses.dataclass
class NotRegistered:
    x: int


class Custom(Exception):
    pass


class Echo(Actor):
    def __init__(self) -> None:
        self.got: list[Any] = []

    async def receive(self, message: Any) -> Any:
        if message == "got":
            return self.got
        if message == "value-error":
            raise ValueError("bad value", 3)
        if message == "custom":
            raise Custom("mine")
        if message == "unsendable":
            return Unregistered()
        self.got.append(message)
        return ("echo", message)


class Holder(Actor):
    def __init__(self, arrived: asyncio.Event, release: asyncio.Event) -> None:
        self.arrived = arrived
        self.release = release

    async def receive(self, message: Any) -> None:
        self.arrived.set()
        await self.release.wait()


def transport(server: NatsServer, **options: Any) -> NatsTransport:
    return NatsTransport(server.url, reconnect_time_wait=0.05, **options)


async def test_remote_ref_tell_send_ask_in_order(server: NatsServer) -> None:
    async with (
        ActorSystem("left", transport=transport(server)) as left,
        ActorSystem("right", transport=transport(server)) as right,
    ):
        right.expose(await right.spawn(Echo, name="echo"))
        echo = left.remote("right", "/echo")
        assert isinstance(echo, RemoteRef) and isinstance(echo, Ref)
        assert (
            echo == left.remote("right", "/echo")
            and len({echo, left.remote("right", "/echo")}) == 1
        )
        assert (echo.name, echo.path, echo.is_alive) == ("echo", "/echo", True)
        echo.tell(Add(1))
        await echo.send((1, "tuple", b"bytes", None, 2.5, True))
        echo.tell({"nested": [Add(2), {"k": (3,)}]})
        assert await echo.ask("got") == [
            Add(1),
            (1, "tuple", b"bytes", None, 2.5, True),
            {"nested": [Add(2), {"k": (3,)}]},
        ]
        assert await echo.ask(Job(7), timeout=2.0) == ("echo", Job(7))


async def test_an_ask_then_a_tell_reach_the_remote_mailbox_in_that_order(
    server: NatsServer,
) -> None:
    async with (
        ActorSystem("sender", transport=transport(server)) as sender,
        ActorSystem("receiver", transport=transport(server)) as receiver,
    ):
        receiver.expose(await receiver.spawn(Echo, name="echo"))
        echo = sender.remote("receiver", "/echo")
        for i in range(20):
            asking = asyncio.ensure_future(echo.ask(("ask", i), timeout=20.0))
            await asyncio.sleep(0)  # the ask leaves first, on its own task's turn
            echo.tell(("tell", i))
            assert await asking == ("echo", ("ask", i))
        got = await echo.ask("got", timeout=20.0)
        assert got == [(kind, i) for i in range(20) for kind in ("ask", "tell")]


async def test_remote_exceptions_are_rebuilt_only_from_the_allow_list(server: NatsServer) -> None:
    async with (
        ActorSystem("caller", transport=transport(server)) as caller,
        ActorSystem("callee", transport=transport(server)) as callee,
    ):
        callee.expose(await callee.spawn(Echo, name="echo"))
        echo = caller.remote("callee", "/echo")
        with pytest.raises(ValueError, match="bad value") as caught:
            await echo.ask("value-error")
        assert caught.value.args == ("bad value", 3)
        assert "callee:/echo" in caught.value.__notes__[0]
        with pytest.raises(RemoteError) as remote:
            await echo.ask("custom")
        assert remote.value.type_name == "tests.test_nats.Custom"
        assert remote.value.message == "mine"
        assert isinstance(remote.value, actorkit.ActorError)
        with pytest.raises(TypeError, match=r"cannot encode a tests\.test_nats\.Unregistered"):
            await echo.ask("unsendable")
        assert await echo.ask("got") == []  # the actor restarted after each failure


async def test_unregistered_types_are_refused_at_send_time(server: NatsServer) -> None:
    async with ActorSystem("strict", transport=transport(server)) as system:
        system.expose(await system.spawn(Echo, name="echo"))
        echo = system.remote("strict", "/echo")
        with pytest.raises(TypeError, match="NotRegistered is not a registered message type"):
            echo.tell(NotRegistered(1))
        with pytest.raises(TypeError, match=r"@actorkit\.message"):
            await echo.ask([NotRegistered(1)])
        with pytest.raises(TypeError, match=r"cannot encode a builtins\.set"):
            system.publish("events.x", {1, 2})
        with pytest.raises(TypeError, match="64 bits"):
            echo.tell(2**70)
        assert await echo.ask("got") == []


async def test_only_exposed_actors_are_reachable(server: NatsServer) -> None:
    async with (
        ActorSystem("outside", transport=transport(server)) as outside,
        ActorSystem("inside", transport=transport(server)) as inside,
    ):
        hidden = await inside.spawn(Echo, name="hidden")
        shown = await inside.spawn(Echo, name="shown")
        inside.expose(shown)
        outside.remote("inside", "/hidden").tell("sneak")
        with pytest.raises(ActorStopped, match="not exposed"):
            await outside.remote("inside", "/hidden").ask("sneak")
        with pytest.raises(ActorStopped, match="not exposed"):
            await outside.remote("inside", "/hidden").send("sneak")
        assert await outside.remote("inside", "/shown").ask("got") == []  # after the tell
        assert await hidden.ask("got") == []
        assert inside.dead_letters.by_reason["not_exposed"] == 3
        assert testing.transport(inside) is not None
        assert await metric(inside, 'actorkit_nats_rejected_total{reason="not_exposed"}') == 3.0
        await shown.stop()
        with pytest.raises(ActorStopped):
            await outside.remote("inside", "/shown").ask("got")


async def test_gone_systems_fail_fast_and_vanishing_ones_time_out(server: NatsServer) -> None:
    async with ActorSystem("asker", transport=transport(server)) as asker:
        with pytest.raises(ActorStopped, match="not connected"):
            await asker.remote("nobody", "/x").ask("hi", timeout=5.0)
        with pytest.raises(ActorStopped, match="no member"):
            await asker.remote_group("empty").ask("hi", timeout=5.0)
        held = ActorSystem("vanishing", transport=transport(server))
        await held.start()
        arrived, release = asyncio.Event(), asyncio.Event()
        held.expose(await held.spawn(Holder, arrived, release, name="holder"))
        remote = asker.remote("vanishing", "/holder")
        asking = asyncio.ensure_future(remote.ask("hold", timeout=0.5))
        await arrived.wait()
        assert testing.transport(held) is not None
        await testing.transport(held).stop()  # the process "dies": no reply will ever come
        with pytest.raises(AskTimeout) as timed_out:
            await asking
        assert str(timed_out.value) == (
            "no reply from vanishing:/holder within 0.5s; either its handler is slower than "
            "that (raise the ask's timeout or make the handler faster) or the process serving "
            "it stopped answering (frozen, cut off, or gone before NATS noticed): check that "
            "it runs"
        )
        release.set()
        await held.shutdown()
        with pytest.raises(ActorStopped):
            await remote.ask("hi", timeout=5.0)


async def test_publish_reaches_every_system_once(server: NatsServer) -> None:
    async with (
        ActorSystem("pub", transport=transport(server)) as pub,
        ActorSystem("sub", transport=transport(server)) as sub,
    ):
        here = await Probe.spawn(pub)
        there = await Probe.spawn(sub)
        for system, probe in ((pub, here), (sub, there)):
            system.subscribe(probe.ref, "orders.>")
            system.subscribe(probe.ref, "orders.*")  # two matching patterns, still once
        assert pub.publish("orders.eu", Add(5)) == 1  # local deliveries
        assert pub.publish("nobody.listens", 1) == 0
        await here.expect(Add(5))
        await there.expect(Add(5))
        assert sub.publish("orders.us", "back") == 1
        await here.expect("back")
        await there.expect("back")
        for system in (pub, sub):  # every echo of those publishes has been handled now
            assert testing.transport(system) is not None
            await testing.transport(system).flush()
        for probe in (here, there):
            await probe.ref.ask("sync")
            await probe.expect("sync")
            probe.expect_empty()
        assert "no_subscribers" not in pub.dead_letters.by_reason


async def test_groups_share_work_across_systems(server: NatsServer) -> None:
    async with (
        ActorSystem("client", transport=transport(server)) as client,
        ActorSystem("worker-a", transport=transport(server)) as worker_a,
        ActorSystem("worker-b", transport=transport(server)) as worker_b,
    ):
        for system in (worker_a, worker_b):
            pool = await system.spawn_pool(Echo, size=2, name="pool")
            system.expose(pool, group="jobs")
            assert testing.transport(system) is not None
            await testing.transport(system).flush()
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
            assert testing.transport(system) is not None
            await testing.transport(system).flush()
        jobs = client.remote_group("jobs")
        leaving = worker_a.lookup("/echo")
        assert leaving is not None
        await leaving.stop()
        assert testing.transport(worker_a) is not None
        await testing.transport(worker_a).flush()  # the departure has reached the server
        for i in range(40):
            assert await jobs.ask(Job(i)) == ("echo", Job(i))
        staying = worker_b.lookup("/echo")
        assert staying is not None
        assert len(await staying.ask("got")) == 40
        assert worker_a.dead_letters.count == 0


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
                assert b"TypeError" in answer.data
            await raw.publish("actorkit.topic.t", b"\x92\xa1x\xc7\x01\x63\x00")
            await raw.flush()
        finally:
            await raw.close()
        assert await target.remote("target", "/echo").ask("got") == []
        assert testing.transport(target) is not None
        await testing.transport(target).flush()
        assert target.dead_letters.by_reason["bad_payload"] >= 5
        assert await metric(target, 'actorkit_nats_rejected_total{reason="bad_payload"}') >= 5


async def test_duplicate_system_names_are_refused_at_start(server: NatsServer) -> None:
    async with ActorSystem("unique", transport=transport(server)):
        twin = ActorSystem("unique", transport=transport(server))
        with pytest.raises(NameTaken, match="already connected"):
            await twin.start()
        assert not twin.healthy


async def test_health_and_metrics_show_the_link(server: NatsServer) -> None:
    async with ActorSystem("watched", transport=transport(server)) as system:
        http = await system.serve_http(port=0)
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{http.url}/healthz") as response:
                body = await response.json()
            assert response.status == 200
            assert body["status"] == "ok"
            assert body["transport"]["state"] == "connected"
            assert body["transport"]["server"] == server.url
            async with session.get(f"{http.url}/metrics") as response:
                text = await response.text()
        assert "actorkit_nats_connected 1.0" in text
        assert 'actorkit_nats_messages_total{direction="out"}' in text
        assert 'actorkit_nats_rejected_total{reason="bad_payload"} 0.0' in text


async def test_remote_refuses_names_no_system_has_and_paths_no_actor_has(
    server: NatsServer,
) -> None:
    """In the words `ActorSystem`, `start` and spawn's paths use, from the system and from the
    transport alike: such a ref could only ever fail."""
    too_long = "s" * 256
    with pytest.raises(ValueError) as refused:
        ActorSystem(too_long)
    link = transport(server)
    async with ActorSystem("asker", transport=link) as asker:
        for remote in (asker.remote, link.remote):
            with pytest.raises(ValueError) as same:
                remote(too_long, "/x")
            assert str(same.value) == str(refused.value)
            with pytest.raises(ValueError, match="one NATS subject token\\) to be used with "):
                remote("has.dots", "/x")
            for path in ("/", "/a//b", "/a/", "/" + "n" * 256, "/a\n"):
                with pytest.raises(ValueError, match="path must be an actor path such as"):
                    remote("other", path)
            assert remote("other", "/$1/b").path == "/$1/b"  # generated names are names


async def test_misuse_is_explained() -> None:
    with pytest.raises(TypeError, match="NatsTransport"):
        ActorSystem("x", transport="nats://localhost")  # type: ignore[arg-type]
    async with ActorSystem("plain") as plain:
        with pytest.raises(RuntimeError, match="needs a transport"):
            plain.remote("other", "/x")
    with pytest.raises(ValueError, match="one NATS subject token"):
        await ActorSystem("has.dots", transport=NatsTransport("nats://127.0.0.1:1")).start()
    with pytest.raises(ValueError, match="max_buffered"):
        NatsTransport(max_buffered=0)


async def test_unreachable_servers_fail_start_with_a_clear_error() -> None:
    closed = NatsServer()  # never started: nothing listens on its port
    system = ActorSystem("lonely", transport=NatsTransport(closed.url, connect_timeout=0.5))
    with pytest.raises(ConnectionError, match="cannot connect system 'lonely'"):
        await system.start()


@pytest.mark.parametrize(
    ("server_args", "good", "bad"),
    [
        (
            ("--user", "actor", "--pass", "s3cret"),
            {"user": "actor", "password": "s3cret"},
            {"user": "actor", "password": "guess"},
        ),
        (("--auth", "t0ken-s3cret"), {"token": "t0ken-s3cret"}, {"token": "guess"}),
    ],
    ids=["user-password", "token"],
)
async def test_servers_with_authorisation_refuse_systems_without_credentials(
    server_args: tuple[str, ...], good: dict[str, str], bad: dict[str, str]
) -> None:
    guarded = NatsServer(*server_args)
    guarded.start()
    try:
        async with ActorSystem("member", transport=NatsTransport(guarded.url, **good)) as member:
            probe = await Probe.spawn(member)
            member.subscribe(probe.ref, "events.>")
            member.expose(probe.ref)
            intruder = ActorSystem("intruder", transport=NatsTransport(guarded.url))
            with pytest.raises(ConnectionRefusedError, match="refused system 'intruder'"):
                await intruder.start()
            assert intruder.publish("events.x", "forged") == 0  # never started: goes nowhere
            assert intruder.dead_letters.by_reason == {"transport_closed": 1}
            wrong = NatsTransport(guarded.url, **bad)
            with pytest.raises(ConnectionRefusedError, match="check the token"):
                await ActorSystem("guesser", transport=wrong).start()
            assert member.publish("events.ok", "real") == 1
            await probe.expect("real")
            probe.expect_empty()
    finally:
        guarded.stop()


async def metric(system: ActorSystem, series: str) -> float:
    from prometheus_client import generate_latest

    for line in generate_latest(system.metrics.registry).decode().splitlines():
        name, _, value = line.rpartition(" ")
        if name == series:
            return float(value)
    raise AssertionError(f"no series {series}")


async def test_tls_links_systems_and_refuses_a_client_that_does_not_trust_the_server(
    tmp_path: Path,
) -> None:
    ca = trustme.CA()
    issued = ca.issue_cert("127.0.0.1")
    cert, key = tmp_path / "server.pem", tmp_path / "server.key"
    issued.cert_chain_pems[0].write_to_path(str(cert))
    issued.private_key_pem.write_to_path(str(key))
    secured = NatsServer("--tls", "--tlscert", str(cert), "--tlskey", str(key))
    secured.start()
    url = f"tls://127.0.0.1:{secured.port}"
    trusting = ssl.create_default_context()
    ca.configure_trust(trusting)
    try:
        async with (
            ActorSystem("tls-a", transport=NatsTransport(url, tls=trusting)) as a,
            ActorSystem("tls-b", transport=NatsTransport(url, tls=trusting)) as b,
        ):
            b.expose(await b.spawn(Echo, name="echo"))
            assert await a.remote("tls-b", "/echo").ask(Job(7)) == ("echo", Job(7))
            stranger = ActorSystem(
                "stranger", transport=NatsTransport(url, tls=ssl.create_default_context())
            )
            with pytest.raises(ConnectionRefusedError, match=r"refused system 'stranger'.*TLS"):
                await stranger.start()  # at once: an untrusted certificate is not retried
    finally:
        secured.stop()


async def test_a_remote_send_to_a_full_mailbox_times_out_with_ask_timeout(
    server: NatsServer,
) -> None:
    """Both sides keep `send_timeout`: whichever gives up first, the caller gets `AskTimeout`
    and it is counted as a timeout."""
    arrived, release = asyncio.Event(), asyncio.Event()
    sender_link = transport(server, send_timeout=0.3)
    async with (
        ActorSystem("full", transport=transport(server)) as full,
        ActorSystem("sender", transport=sender_link) as sender,
    ):
        held = await full.spawn(Holder, arrived, release, name="held", mailbox_size=1)
        full.expose(held)
        held.tell("handled")
        await arrived.wait()
        held.tell("queued")  # the mailbox is full
        remote = sender.remote("full", "/held")
        for _ in range(3):
            with pytest.raises(AskTimeout, match="the send may still be delivered"):
                await remote.send("more")
        assert (sender_link.asks["timeout"], sender_link.asks["error"]) == (3, 0)
        release.set()


async def test_a_full_outbound_buffer_is_backpressure(server: NatsServer) -> None:
    async with ActorSystem("burst", transport=transport(server, max_buffered=5)) as system:
        system.expose(await system.spawn(Echo, name="echo"))
        echo = system.remote("burst", "/echo")
        for i in range(5):
            echo.tell(i)  # no await: the writer has not run yet
        with pytest.raises(MailboxFull, match="outbound buffer is full"):
            echo.tell(5)
        assert await echo.ask("got") == [0, 1, 2, 3, 4]


async def test_a_lost_link_is_degraded_health_and_comes_back() -> None:
    own = NatsServer()
    own.start()
    try:
        link = NatsTransport(own.url, reconnect_time_wait=0.05)
        async with ActorSystem("resilient", transport=link) as system:
            http = await system.serve_http(port=0)
            system.expose(await system.spawn(Echo, name="echo"))
            echo = system.remote("resilient", "/echo")
            async with aiohttp.ClientSession() as session:
                own.stop()
                await link.link_down.wait()
                async with session.get(f"{http.url}/healthz") as response:
                    body = await response.json()
                assert response.status == 200
                assert body["status"] == "degraded"
                assert body["transport"]["state"] == "reconnecting"
                assert await metric(system, "actorkit_nats_connected") == 0.0
                with pytest.raises(ActorStopped, match="not connected"):
                    await echo.ask("got")  # fails at once instead of waiting for a timeout
                echo.tell("kept")  # buffered until the link and the target are back
                own.start()
                await link.link_up.wait()
                assert await echo.ask("got") == ["kept"]
                await link.flush()
                async with session.get(f"{http.url}/healthz") as response:
                    assert (await response.json())["status"] == "ok"
            assert await metric(system, "actorkit_nats_reconnects_total") >= 1
    finally:
        own.stop()


async def ask_as_actor_ref(ref: actorkit.ActorRef, message: Any) -> Any:
    return await ref.ask(message, timeout=5.0)


async def test_remote_returns_an_actor_ref_as_the_contract_says(server: NatsServer) -> None:
    """API.md §10 writes `system.remote(system_name, path) -> ActorRef`: a check written
    against it (`isinstance(ref, actorkit.ActorRef)`, a function typed for `ActorRef`) must
    take a remote ref, while whatever needs a local actor still refuses it."""
    async with asyncio.timeout(10):
        async with (
            ActorSystem("owner", transport=transport(server)) as owner,
            ActorSystem("user", transport=transport(server)) as user,
        ):
            owner.expose(await owner.spawn(Echo, name="echo"))
            for ref in (user.remote("owner", "/echo"), user.remote_group("jobs")):
                assert isinstance(ref, actorkit.ActorRef) and isinstance(ref, RemoteRef)
            echo = user.remote("owner", "/echo")
            assert echo != owner.lookup("/echo") and owner.lookup("/echo") != echo
            assert await ask_as_actor_ref(echo, Add(7)) == ("echo", Add(7))
            with pytest.raises(TypeError, match="local ActorRef"):
                user.expose(echo)
            with pytest.raises(TypeError, match="subscribes in the system that owns it"):
                user.subscribe(echo, "events.>")


class Watcher(Actor):
    async def receive(self, message: Any) -> None:
        self.watch(message)


async def test_remote_refs_refuse_what_only_local_refs_can_do(server: NatsServer) -> None:
    async with ActorSystem("local", transport=transport(server)) as system:
        remote = system.remote("elsewhere", "/x")
        with pytest.raises(TypeError, match="lives in another system: stop it there"):
            await remote.stop()
        with pytest.raises(TypeError, match="subscribes in the system that owns it"):
            system.subscribe(remote, "events.>")
        with pytest.raises(TypeError, match="subscribes in the system that owns it"):
            system.unsubscribe(remote)
        watcher = await system.spawn(Watcher)
        with pytest.raises(TypeError, match="remote actor is watched from its own system"):
            await watcher.ask(remote)
        with pytest.raises(TypeError, match="local ActorRef"):
            system.expose(remote)
        with pytest.raises(ValueError, match="actor path"):
            system.remote("elsewhere", "x")
        assert repr(remote) == "<RemoteRef elsewhere:/x>"
        assert repr(system.remote_group("jobs")) == "<RemoteRef group:jobs>"


class Arrivals(Actor):
    def __init__(self, arrived: asyncio.Event) -> None:
        self.arrived = arrived

    async def receive(self, message: Any) -> None:
        self.arrived.set()


async def test_system_timers_deliver_to_remote_refs(server: NatsServer) -> None:
    async with (
        ActorSystem("clock", transport=transport(server)) as clock,
        ActorSystem("target", transport=transport(server)) as target,
    ):
        arrived = asyncio.Event()
        target.expose(await target.spawn(Arrivals, arrived, name="arrivals"))
        remote = clock.remote("target", "/arrivals")
        ticks = clock.schedule_every(0.01, remote, "tick")  # no local cell to follow
        await arrived.wait()
        assert ticks.cancel()
        arrived.clear()
        clock.schedule_once(0, remote, "once")
        await arrived.wait()
