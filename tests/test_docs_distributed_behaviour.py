"""docs/distributed.md's promises that no other test pins, checked through the public API
against a real nats-server: remote refs' equality, an `init=False` field with a default
left behind by the sender, an `OSError` crossing with its `args` and nothing else, and the
error type that refuses a second system on one transport, and the 200 characters a name a
peer chose is cut to in the log."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
from typing import Any

import msgspec
import nats
import pytest
from prometheus_client import CollectorRegistry

import actorkit
from actorkit import Actor, ActorSystem

from .nats_support import (
    SAFETY,
    NatsServer,
    barrier_passed,
    link_of,
    requires_nats,
    topic_barrier,
    transport,
)
from .nats_systems_support import Echo
from .test_nats_hostile_peers import Echo as Target
from .test_nats_hostile_peers import handled_before, obj

pytestmark = requires_nats


@actorkit.message("docs_distributed.Stamped")
@dataclasses.dataclass
class Stamped:
    n: int
    stamp: int = dataclasses.field(init=False, default=7)


class Reader(Actor):
    """Answers with what arrived, and raises an `OSError` with a file name on request."""

    async def receive(self, message: Any) -> Any:
        if isinstance(message, Stamped):
            return [message.n, message.stamp]
        raise FileNotFoundError(2, "no such file", "/etc/secret-path")


async def test_remote_refs_are_equal_by_target_and_by_the_system_that_made_them(
    server: NatsServer,
) -> None:
    """ "equality: same target (`system:/path` or `group:name`), from the same system"."""
    async with (
        asyncio.timeout(SAFETY),
        ActorSystem("eq_one", transport=transport(server)) as one,
        ActorSystem("eq_two", transport=transport(server)) as two,
    ):
        same = one.remote("eq_two", "/e"), one.remote("eq_two", "/e")
        assert same[0] == same[1] and hash(same[0]) == hash(same[1])
        assert len({*same, one.remote_group("g"), one.remote_group("g")}) == 2
        assert one.remote_group("g") == one.remote_group("g")
        others = (
            one.remote("eq_two", "/f"),
            one.remote("eq_one", "/e"),
            one.remote_group("e"),
            two.remote("eq_two", "/e"),
        )
        for other in others:
            assert same[0] != other, other
        assert one.remote_group("g") != two.remote_group("g")


async def test_an_init_false_field_with_a_default_starts_from_it_on_the_receiving_side(
    server: NatsServer,
) -> None:
    """ "An `init=False` field with a default is not sent and starts from that default on the
    receiving side": whatever the sender set it to stays in the sender's process."""
    async with (
        asyncio.timeout(SAFETY),
        ActorSystem("stamp_owner", transport=transport(server)) as owner,
        ActorSystem("stamp_caller", transport=transport(server)) as caller,
    ):
        owner.expose(await owner.spawn(Reader, name="reader"))
        sent = Stamped(3)
        sent.stamp = 42
        assert await caller.remote("stamp_owner", "/reader").ask(sent, SAFETY) == [3, 7]


async def test_an_oserror_crosses_with_its_args_and_without_its_filename(
    server: NatsServer,
) -> None:
    """ "with their arguments when each is a plain value msgpack carries ...; what is not in
    `args`, such as an `OSError`'s `filename`, does not cross"; the note names the actor."""
    async with (
        asyncio.timeout(SAFETY),
        ActorSystem("os_owner", transport=transport(server)) as owner,
        ActorSystem("os_caller", transport=transport(server)) as caller,
    ):
        owner.expose(await owner.spawn(Reader, name="reader"))
        with pytest.raises(FileNotFoundError) as caught:
            await caller.remote("os_owner", "/reader").ask("open", SAFETY)
        assert caught.value.args == (2, "no such file")
        assert caught.value.filename is None
        assert "os_owner:/reader" in caught.value.__notes__[0]


async def test_a_second_system_on_one_transport_raises_runtime_error(server: NatsServer) -> None:
    """ "One `NatsTransport` per system: a second system started on the same one raises
    `RuntimeError`", whatever registry it has; the first keeps serving."""
    link = transport(server)
    async with asyncio.timeout(SAFETY), ActorSystem("one_owner", transport=link) as owner:
        owner.expose(await owner.spawn(Echo, name="echo"))
        second = ActorSystem("one_second", transport=link, registry=CollectorRegistry())
        with pytest.raises(RuntimeError, match="serves one ActorSystem"):
            await second.start()
        async with ActorSystem("one_caller", transport=transport(server)) as caller:
            assert await caller.remote("one_owner", "/echo").ask(1, SAFETY) == ("echo", 1)


async def test_a_type_name_or_subject_a_peer_chose_is_logged_cut_to_200_characters(
    server: NatsServer, caplog: pytest.LogCaptureFixture
) -> None:
    """ "a type name, an actor path or a subject it chose is logged with every unprintable
    character escaped (`\\n`, `\\x1b`) and cut to 200 characters"."""
    caplog.set_level(logging.DEBUG, logger="actorkit")
    encode = msgspec.msgpack.encode
    async with (
        asyncio.timeout(SAFETY),
        ActorSystem("target", transport=transport(server)) as system,
    ):
        system.expose(await system.spawn(Target, name="echo"))
        system.subscribe(await system.spawn(Target), "wanted")
        barrier = await topic_barrier(system)
        await link_of(system).flush()  # the topics' interest is at the server before we publish
        client = await nats.connect(server.url)
        try:
            await client.publish(
                "actorkit.actor.target", encode([0, "/echo", obj("T" * 5000), None])
            )
            await client.publish("actorkit.topic.wanted", encode([obj("Q" * 5000)]))
            await client.publish("actorkit.topic." + "S" * 3000 + "*", b"\xc1")
            await handled_before(client)
            await barrier_passed(client, barrier)
        finally:
            await client.close()
        assert system.dead_letters.by_reason == {"incompatible": 2, "bad_payload": 1}
    said = " ".join(record.getMessage() for record in caplog.records)
    for chosen in "TQS":
        longest = max(map(len, re.findall(f"{chosen}+", said)), default=0)
        assert 100 < longest <= 200, (chosen, longest)
