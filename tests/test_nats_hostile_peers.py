"""A peer on the same NATS account sends what no actorkit process would: type names, actor
paths and subjects that hold newlines and escape sequences, a batch of a hundred thousand
frames that do not decode. What it chose reaches the log only escaped, and one message costs
the log one line, not one per frame."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import msgspec
import nats
import pytest
from nats.aio.client import Client

from actorkit import DEAD_LETTER_TOPIC, Actor, ActorSystem, MailboxFull
from actorkit._nats import _taken
from actorkit._nats._frames import OK, SEND
from actorkit.testing import Probe

from .nats_support import (
    SAFETY,
    Gate,
    NatsServer,
    barrier_passed,
    link_of,
    requires_nats,
    topic_barrier,
    transport,
)

pytestmark = requires_nats

FORGED = "\nCRITICAL:actorkit:forged\x1b[2J"


class Echo(Actor):
    async def receive(self, message: Any) -> Any:
        return message


def obj(name: str) -> msgspec.msgpack.Ext:
    """A registered-class object as the codec writes one, under a name of the sender's."""
    return msgspec.msgpack.Ext(1, msgspec.msgpack.encode([name, {}]))


async def handled_before(client: Client) -> None:
    """An ask on the peer's own connection, answered after all it published before."""
    ask = msgspec.msgpack.encode([1, "/echo", "after", SAFETY])
    answer = await client.request("actorkit.actor.target", ask, timeout=SAFETY)
    assert msgspec.msgpack.decode(answer.data) == [0, "after"]


def lines(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == level]


async def test_names_off_the_wire_reach_the_log_escaped(
    server: NatsServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="actorkit")
    encode = msgspec.msgpack.encode
    async with (
        asyncio.timeout(SAFETY),
        ActorSystem("target", transport=transport(server)) as system,
    ):
        system.expose(await system.spawn(Echo, name="echo"))
        system.subscribe(await system.spawn(Echo), "long")  # someone here wants its type
        barrier = await topic_barrier(system)
        await link_of(system).flush()
        client = await nats.connect(server.url)
        try:
            await client.publish(
                "actorkit.actor.target", encode([0, f"/echo{FORGED}", obj(f"Evil{FORGED}"), None])
            )
            await client.publish(f"actorkit.topic.ev{FORGED[-4:]}", b"\xc1")
            await client.publish("actorkit.topic.long", encode([obj("L" * 100_000)]))
            await handled_before(client)
            await barrier_passed(client, barrier)
        finally:
            await client.close()
        assert system.dead_letters.by_reason == {"incompatible": 2, "bad_payload": 1}
    said = [r.getMessage() for r in caplog.records]
    assert any("Evil\\nCRITICAL:actorkit:forged\\x1b[2J" in text for text in said), said
    assert any("topic ev\\x1b[2J" in text for text in said), said
    assert not [text for text in said if "\n" in text or "\x1b" in text]
    assert max(map(len, said)) < 2_000


async def test_a_batch_of_garbage_is_one_warning_and_every_frame_a_dead_letter(
    server: NatsServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="actorkit")
    frames = 10_000
    batch = b"\x92\x04\xdd" + frames.to_bytes(4, "big") + b"\xc0" * frames  # [BATCH, [nil...]]
    async with (
        asyncio.timeout(SAFETY),
        ActorSystem("target", transport=transport(server)) as system,
    ):
        system.expose(await system.spawn(Echo, name="echo"))
        await link_of(system).flush()
        client = await nats.connect(server.url)
        started = time.monotonic()
        try:
            await client.publish("actorkit.actor.target", batch)
            await handled_before(client)
        finally:
            await client.close()
        took = time.monotonic() - started
        assert system.dead_letters.by_reason == {"bad_payload": frames}
    warnings = [text for text in lines(caplog, logging.WARNING) if "rejected a payload" in text]
    assert 1 <= len(warnings) <= 1 + took  # at most one a second (`QUIET_SECONDS`)


async def test_sends_a_peer_never_waits_for_cannot_pile_up_past_a_bound(
    server: NatsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each remote send to a full mailbox waits for room in a task of its own, until the
    timeout its sender chose: a peer sending a billion seconds and never reading its replies
    kept a task for every one, past any mailbox's bound."""
    monkeypatch.setattr(_taken, "MAX_WAITING_SENDS", 3, raising=False)
    all_taken = asyncio.Event()  # the peer's sends reach the target on another connection
    start = _taken.Taken.start

    def counted(taken: _taken.Taken, answer: Any) -> asyncio.Task[None]:
        task = start(taken, answer)
        if taken.sends == 3:
            all_taken.set()
        return task

    monkeypatch.setattr(_taken.Taken, "start", counted)
    encode = msgspec.msgpack.encode
    async with (
        asyncio.timeout(SAFETY),
        ActorSystem("target", transport=transport(server)) as system,
        ActorSystem("caller", transport=transport(server)) as caller,
    ):
        arrived, release = asyncio.Event(), asyncio.Event()
        system.expose(await system.spawn(Gate, arrived, release, name="gate", mailbox_size=1))
        await link_of(system).flush()
        letters = await Probe.spawn(system)
        system.subscribe(letters.ref, DEAD_LETTER_TOPIC)
        gate = caller.remote("target", "/gate")
        gate.tell("held")
        await arrived.wait()
        gate.tell("queued")
        await link_of(caller).flush()  # at the server, so before the peer's sends
        client = await nats.connect(server.url)
        try:
            replies = await client.subscribe("peer.>")
            for i in range(3):
                frame = encode([SEND, "/gate", f"waits {i}", 1e9])
                await client.publish("actorkit.actor.target", frame, reply=f"peer.{i}")
            await client.flush()
            await all_taken.wait()
            with pytest.raises(MailboxFull, match="3 sends and asks from other systems"):
                await gate.send("one too many")
            letter = await letters.receive(SAFETY)
            assert (letter.reason, letter.message) == ("mailbox_full", "one too many")
            release.set()
            answered = [await replies.next_msg(SAFETY) for _ in range(3)]
            assert sorted(msgspec.msgpack.decode(m.data)[0] for m in answered) == [OK] * 3
            await gate.send("room again")  # each waiting send gave its place back
        finally:
            await client.close()


async def test_a_publish_from_nats_to_the_dead_letter_topic_is_a_dead_letter_not_a_record(
    server: NatsServer,
) -> None:
    """Dead-letter watchers are promised `DeadLetter` records: a publish on the topic from
    another process (a raw peer, or a system of another make; an actorkit system keeps its
    own, `test_nats_dead_letter_topic_local`) reached them as whatever it held, a `str`
    where the watcher reads `.reason`."""
    async with (
        asyncio.timeout(SAFETY),
        ActorSystem("target", transport=transport(server)) as system,
    ):
        letters = await Probe.spawn(system)
        system.subscribe(letters.ref, DEAD_LETTER_TOPIC)
        await link_of(system).flush()
        client = await nats.connect(server.url)
        try:
            for forged in ("forged", "from other"):
                await client.publish(
                    f"actorkit.topic.{DEAD_LETTER_TOPIC}", msgspec.msgpack.encode([forged])
                )
            await client.flush()
        finally:
            await client.close()
        got = [await letters.receive(SAFETY) for _ in range(2)]
        assert sorted(
            (type(letter).__name__, getattr(letter, "message", letter)) for letter in got
        ) == [("DeadLetter", "forged"), ("DeadLetter", "from other")]
        assert {letter.reason for letter in got} == {"bad_topic"}
        assert system.dead_letters.by_reason == {"bad_topic": 2}


async def test_type_names_remembered_for_their_warning_hold_a_bounded_size(
    server: NatsServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Unknown type names are warned of once each, up to 1,000 names: kept whole, a peer's
    names of a megabyte each held a gigabyte."""
    caplog.set_level(logging.WARNING, logger="actorkit")
    async with (
        asyncio.timeout(SAFETY),
        ActorSystem("target", transport=transport(server)) as system,
    ):
        system.expose(await system.spawn(Echo, name="echo"))
        await link_of(system).flush()
        client = await nats.connect(server.url)
        try:
            for i in range(3):
                name = f"{i}" + "N" * 100_000
                frame = msgspec.msgpack.encode([0, "/echo", obj(name), None])
                await client.publish("actorkit.actor.target", frame)
            await handled_before(client)
        finally:
            await client.close()
        assert system.dead_letters.by_reason == {"incompatible": 3}
        said = link_of(system)._inbound.refusals._said  # noqa: SLF001 (what the warnings keep)
        assert len(said) == 3
        assert sum(map(len, said)) < 1_000
    warnings = [text for text in lines(caplog, logging.WARNING) if "refused a" in text]
    assert len(warnings) == 3


async def test_an_undecodable_publish_on_a_subject_no_topic_can_have_is_a_dead_letter(
    server: NatsServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Asking whether an actor here wanted it raised for such a subject: an ERROR with a
    traceback for each message, its subject unescaped, and no dead letter."""
    caplog.set_level(logging.DEBUG, logger="actorkit")
    encode = msgspec.msgpack.encode
    async with (
        asyncio.timeout(SAFETY),
        ActorSystem("target", transport=transport(server)) as system,
    ):
        probe = await Probe.spawn(system)
        system.subscribe(probe.ref, "ok")
        await link_of(system).flush()
        client = await nats.connect(server.url)
        try:
            for topic in ("a*b", "x.>", f"ev{FORGED[-4:]}"):
                await client.publish(f"actorkit.topic.{topic}", encode([obj("Unknown")]))
            await client.publish("actorkit.topic.ok", encode(["after"]))
            await client.flush()
            await probe.expect("after")  # after the others, on the same subscription
        finally:
            await client.close()
        assert system.dead_letters.by_reason == {"incompatible": 3}
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not [r for r in caplog.records if "\x1b" in r.getMessage()]
