"""Setting systems up on NATS: names, misuse, unreachable servers, credentials and TLS."""

from __future__ import annotations

import socket
import ssl
from pathlib import Path

import msgspec
import nats
import pytest
from nats.aio.msg import Msg
from prometheus_client import CollectorRegistry

from actorkit import ActorSystem, NameTaken
from actorkit.nats import NatsTransport
from actorkit.testing import Probe

from .nats_node import Job
from .nats_support import Credentials, NatsServer, requires_nats, server_certificate, transport
from .nats_systems_support import Echo
from .port_rivals import assert_held
from .processes import HeldPort

pytestmark = requires_nats


async def test_duplicate_system_names_are_refused_at_start(server: NatsServer) -> None:
    async with ActorSystem("unique", transport=transport(server)):
        twin = ActorSystem("unique", transport=transport(server))
        with pytest.raises(NameTaken, match="already connected"):
            await twin.start()
        assert not twin.healthy


@pytest.mark.parametrize(
    "answer", [b"\xc1", msgspec.msgpack.encode([0]), msgspec.msgpack.encode([0, 7])]
)
async def test_a_name_another_process_answers_for_is_refused_at_start(
    server: NatsServer, answer: bytes
) -> None:
    """Its answer to the claim, which is no actorkit instance's, names no instance."""
    peer = await nats.connect(server.url)
    try:

        async def reply(msg: Msg) -> None:
            await peer.publish(msg.reply, answer)

        await peer.subscribe("actorkit.actor.held", cb=reply)
        await peer.flush()
        with pytest.raises(NameTaken, match=r"already connected to NATS at .+ \(another process\)"):
            await ActorSystem("held", transport=transport(server)).start()
    finally:
        await peer.close()


async def test_a_claim_nobody_answers_within_a_second_leaves_the_name_free(
    server: NatsServer,
) -> None:
    """A subscriber that never answers (a stale one, a monitor) holds no system's name."""
    peer = await nats.connect(server.url)
    try:
        await peer.subscribe("actorkit.actor.silent")
        await peer.flush()
        async with ActorSystem("silent", transport=transport(server)) as system:
            assert system.healthy
    finally:
        await peer.close()


@pytest.mark.parametrize("refusal", ["transport", "registry"])
async def test_a_second_system_refused_on_a_transport_leaves_its_owner_connected(
    server: NatsServer, refusal: str
) -> None:
    """Whatever refuses the second system's start (the transport it may not share, or a
    registry taken), its shutdown must not close the first system's connection nor leave the
    first system's queue groups."""
    link, registry = transport(server), CollectorRegistry()
    async with (
        ActorSystem("owner", transport=link, registry=registry) as owner,
        ActorSystem("caller", transport=transport(server)) as caller,
    ):
        echo = await owner.spawn(Echo, name="echo")
        owner.expose(echo, group="echoes")
        await link.flush()
        taken = registry if refusal == "registry" else CollectorRegistry()
        second = ActorSystem("second", transport=link, registry=taken)
        with pytest.raises((RuntimeError, ValueError), match=r"serves one|already holds"):
            await second.start()
        assert await caller.remote("owner", "/echo").ask(Job(1), timeout=2.0) == ("echo", Job(1))
        group = caller.remote_group("echoes")
        assert await group.ask(Job(2), timeout=2.0) == ("echo", Job(2))


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
    with pytest.raises(TypeError, match=r"tls must be an ssl\.SSLContext, got bool"):
        NatsTransport(tls=True)  # type: ignore[arg-type]


async def test_unreachable_servers_fail_start_with_a_clear_error() -> None:
    with HeldPort(shared=False) as nowhere:
        url = f"nats://127.0.0.1:{nowhere.port}"
        system = ActorSystem("lonely", transport=NatsTransport(url, connect_timeout=0.5))
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
    server_args: tuple[str, ...], good: Credentials, bad: Credentials
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


async def test_tls_links_systems_and_refuses_a_client_that_does_not_trust_the_server(
    tmp_path: Path,
) -> None:
    certified = server_certificate(tmp_path)
    secured = NatsServer("--tls", "--tlscert", str(certified.cert), "--tlskey", str(certified.key))
    secured.start()
    url = f"tls://127.0.0.1:{secured.port}"
    trusting = certified.trusting()
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


def test_a_nats_server_keeps_its_port_from_creation_through_restarts() -> None:
    server = NatsServer()
    assert_held(server.port)
    server.start()
    try:
        server.stop()
        assert_held(server.port)
        server.start()
        with socket.create_connection(("127.0.0.1", server.port)) as client:
            assert client.recv(5) == b"INFO "
    finally:
        server.stop()
