"""A raw NATS client attacks a system: publishes on invalid topic subjects, malformed
request, reply and publish frames, remote tells that routing cannot place, errors that cannot
be printed. Each is answered with an error or kept as a dead letter with a reason and counted
in `rejected`; no subscription callback raises."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import msgspec
import nats
import pytest
from nats.aio.client import Client

import actorkit
from actorkit import DEAD_LETTER_TOPIC, Actor, ActorStopped, ActorSystem, NotDelivered
from actorkit.nats import RemoteError
from actorkit.testing import Probe

from .nats_support import (
    SAFETY,
    Gate,
    NatsServer,
    link_of,
    requires_nats,
    settled,
    transport,
)

pytestmark = requires_nats


class Echo(Actor):
    async def receive(self, message: Any) -> Any:
        return message


@asynccontextmanager
async def raw(server: NatsServer) -> AsyncIterator[Client]:
    client = await nats.connect(server.url)
    try:
        yield client
    finally:
        await client.close()


def frame(*slots: Any) -> bytes:
    return msgspec.msgpack.encode(list(slots))


def rejected(system: ActorSystem) -> dict[str, int]:
    return link_of(system).rejected


async def test_raw_publishes_on_invalid_topic_subjects_are_dead_letters(
    server: NatsServer,
) -> None:
    async with ActorSystem("topics", transport=transport(server)) as system:
        probe = await Probe.spawn(system)
        system.subscribe(probe.ref, "events.>")
        async with raw(server) as client:
            for subject in ("a*b", "events.a*b", "events.x>", "events.*", "events.>"):
                await client.publish(f"actorkit.topic.{subject}", frame("bad"))
            await client.publish("actorkit.topic.events.ok", frame("good"))
            await client.flush()
        await probe.expect("good")  # published after the others, on the same subscription
        probe.expect_empty()
        assert system.dead_letters.by_reason == {"bad_topic": 5}
        assert rejected(system)["bad_topic"] == 5
        assert {letter.recipient for letter in system.dead_letters.recent} >= {"topic a*b"}


def by_name(message: Any) -> object:
    if message == "boom":
        raise KeyError("no key in boom")
    return message


async def test_a_remote_tell_a_pool_cannot_route_is_a_dead_letter(server: NatsServer) -> None:
    async with (
        ActorSystem("router", transport=transport(server)) as owner,
        ActorSystem("caller", transport=transport(server)) as caller,
    ):
        pool = await owner.spawn_pool(
            Echo, size=2, name="pool", routing="consistent_hash", hash_key=by_name
        )
        owner.expose(pool)
        remote = caller.remote("router", "/pool")
        remote.tell("boom")
        assert await remote.ask("after") == "after"  # handled after the tell, in order
        assert owner.dead_letters.by_reason == {"undeliverable": 1}
        assert owner.dead_letters.recent[0].message == "boom"
        assert rejected(owner)["undeliverable"] == 1
        with pytest.raises(KeyError, match="no key in boom"):
            await remote.ask("boom")  # an ask gets the routing error back, as locally


async def test_a_remote_tell_to_a_full_mailbox_is_a_dead_letter_there(server: NatsServer) -> None:
    async with ActorSystem("full", transport=transport(server)) as system:
        arrived, release = asyncio.Event(), asyncio.Event()
        system.expose(await system.spawn(Gate, arrived, release, name="gate", mailbox_size=1))
        letters = await Probe.spawn(system)
        system.subscribe(letters.ref, DEAD_LETTER_TOPIC)
        gate = system.remote("full", "/gate")
        gate.tell("held")
        await arrived.wait()
        gate.tell("queued")
        gate.tell("over")
        letter = await letters.receive(SAFETY)
        assert (letter.reason, letter.message) == ("mailbox_full", "over")
        assert rejected(system)["mailbox_full"] == 1
        release.set()


async def test_malformed_replies_fail_the_ask_and_are_counted(server: NatsServer) -> None:
    async with ActorSystem("asker", transport=transport(server)) as system, raw(server) as fake:
        malformed = [
            *(b"\xff\xfe", frame(9, 1), frame(1, 5, [], "x"), frame(2, 7), frame(0), b""),
            frame(0, "a", "b"),  # an OK with a slot too many is no answer either
            frame(),  # nor an empty array
        ]
        replies = iter([frame(0, "ready"), *malformed])

        async def answer(msg: Any) -> None:
            inbox = msg.reply.rpartition(".")[0]
            await fake.publish(f"{inbox}.no-such-ask", b"\xff")  # ignored: nobody waits
            await msg.respond(next(replies))

        await fake.subscribe("actorkit.actor.fake", cb=answer)
        await settled(fake)
        remote = system.remote("fake", "/x")
        assert await remote.ask("ready?", timeout=SAFETY) == "ready"
        for _ in malformed:
            with pytest.raises(TypeError, match="could not be decoded"):
                await remote.ask("hi", timeout=SAFETY)
        assert system.dead_letters.by_reason == {"bad_payload": 8}
        assert rejected(system)["bad_payload"] == 8


async def test_malformed_requests_are_answered_or_counted(server: NatsServer) -> None:
    async with ActorSystem("target", transport=transport(server)) as system, raw(server) as client:
        system.expose(await system.spawn(Echo, name="echo"), group="echoes")
        probe = await Probe.spawn(system)
        system.subscribe(probe.ref, "events")
        await link_of(system).flush()
        for subject, payload in (
            ("actorkit.actor.target", frame(1, "/echo", "x", 0)),  # a timeout <= 0
            ("actorkit.actor.target", frame(1, "/echo", "x", float("inf"))),
            ("actorkit.actor.target", frame(1, 5, "x", 1.0)),  # a path that is not a str
            ("actorkit.actor.target", frame("tell", "/echo", "x", None)),
            ("actorkit.group.echoes", frame(0, "/echo", "x")),  # 3 slots
            ("actorkit.actor.target", frame(1, "/echo", "x", 1.0, "extra")),  # 5 slots
            ("actorkit.group.echoes", b"\xc1"),  # a byte msgpack never uses
        ):
            answer = await client.request(subject, payload, timeout=SAFETY)
            assert b"TypeError" in answer.data
        await client.publish("actorkit.actor.target", frame(1, "/echo", "x", 1.0))  # no reply
        await client.publish("actorkit.topic.events", frame("a", "b"))  # 2 slots
        await client.publish("actorkit.topic.events", frame("good"))
        await client.flush()
        # Each reaches its subscription after the malformed one before it.
        assert await system.remote("target", "/echo").ask("alive") == "alive"
        await probe.expect("good")
        assert system.dead_letters.by_reason == {"bad_payload": 9}
        assert rejected(system)["bad_payload"] == 9


class Unprintable(Exception):
    def __str__(self) -> str:
        raise RuntimeError("no text")


class RaisesUnprintable(Actor):
    async def receive(self, message: Any) -> None:
        raise Unprintable(object())


async def test_an_error_whose_str_raises_still_reaches_the_asker(server: NatsServer) -> None:
    async with ActorSystem("unprintable", transport=transport(server)) as system:
        system.expose(await system.spawn(RaisesUnprintable, name="raiser"))
        with pytest.raises(
            RemoteError, match=r"str\(\) of the error raised RuntimeError"
        ) as caught:
            await system.remote("unprintable", "/raiser").ask("hi", timeout=SAFETY)
        assert caught.value.type_name == "tests.test_nats_hostile.Unprintable"


class Abort(BaseException):
    """A user's own control-flow signal, not an `Exception`."""


def aborts(message: Any) -> object:
    if message == "abort":
        raise Abort("hash_key gave up")
    if message == "cancel":
        raise asyncio.CancelledError
    if message == "close":
        raise GeneratorExit  # as a generator's `close()` would make it
    return message


async def test_a_remote_tell_a_pool_cannot_route_for_a_base_exception_is_a_dead_letter(
    server: NatsServer,
) -> None:
    """Raised out of nats-py's read loop, it ended that loop: every later request to the
    system went unanswered, with nothing logged."""
    async with (
        ActorSystem("router", transport=transport(server)) as owner,
        ActorSystem("caller", transport=transport(server)) as caller,
    ):
        pool = await owner.spawn_pool(
            Echo, size=2, name="pool", routing="consistent_hash", hash_key=aborts
        )
        owner.expose(pool)
        remote = caller.remote("router", "/pool")
        remote.tell("abort")
        remote.tell("cancel")
        remote.tell("close")
        assert await remote.ask("after", timeout=SAFETY) == "after"
        assert owner.dead_letters.by_reason == {"undeliverable": 3}
        sent = [letter.message for letter in owner.dead_letters.recent]
        assert sent == ["abort", "cancel", "close"]
        assert rejected(owner)["undeliverable"] == 3
        for message, error in [("abort", "Abort"), ("close", "GeneratorExit")]:
            # The answering step ran inside the read loop, and let a GeneratorExit out of it.
            with pytest.raises(RemoteError, match=error):
                await remote.ask(message, timeout=SAFETY)
        with pytest.raises(RuntimeError, match="hash_key of pool /pool"):
            await remote.ask("cancel", timeout=SAFETY)
        assert await remote.ask("after", timeout=SAFETY) == "after"


class AsksTheGone(Actor):
    def __init__(self, gone: Any) -> None:
        self.gone = gone

    async def receive(self, message: Any) -> Any:
        return await self.gone.ask(message)


async def test_a_not_delivered_from_a_handlers_own_ask_is_no_promise_to_a_remote_asker(
    server: NatsServer,
) -> None:
    async with ActorSystem("handler", transport=transport(server)) as system:
        gone = await system.spawn(Echo)
        await gone.stop()
        system.expose(await system.spawn(AsksTheGone, gone, name="asks"))
        with pytest.raises(ActorStopped) as failed:
            await system.remote("handler", "/asks").ask("pay", timeout=SAFETY)
        assert not isinstance(failed.value, NotDelivered)
        assert "the ask was handled" in str(failed.value)


REBUILDING: dict[str, BaseException | None] = {"error": None}


@actorkit.message("tests.nats_hostile.Checked")
@dataclasses.dataclass
class Checked:
    """Its `__post_init__`, run as the receiver rebuilds it, raises what `REBUILDING` holds."""

    amount: int

    def __post_init__(self) -> None:
        error = REBUILDING["error"]
        if error is not None:
            raise error


async def test_a_message_whose_rebuilding_raises_a_base_exception_is_a_bad_payload(
    server: NatsServer,
) -> None:
    """Let out of the decoder, it ended nats-py's read loop: nothing was answered after it."""
    async with ActorSystem("rebuilds", transport=transport(server)) as system:
        system.expose(await system.spawn(Echo, name="echo"))
        remote = system.remote("rebuilds", "/echo")
        message = Checked(5)  # built here, before its rebuilding raises
        REBUILDING["error"] = Abort("refused while rebuilding")
        try:
            remote.tell(message)
            assert await remote.ask("after", timeout=SAFETY) == "after"
        finally:
            REBUILDING["error"] = None
        assert system.dead_letters.by_reason == {"bad_payload": 1}
        assert rejected(system)["bad_payload"] == 1
