"""Asks from other systems answered from where their reply is set (`_nats._reply`): every way
an ask ends is answered, each once, and the deadline that ends several at once answers each
of them."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import msgspec
import nats
import pytest

import actorkit
from actorkit import Actor, ActorSystem
from actorkit._nats._frames import ASK, ERROR
from actorkit.nats import NatsTransport

from .nats_support import SAFETY, Gate, NatsServer, requires_nats, transport

pytestmark = requires_nats


class Failing(Actor):
    async def receive(self, message: Any) -> Any:
        raise ValueError(f"no {message}")


def ask_frame(path: str, body: Any, timeout: float) -> bytes:
    return msgspec.msgpack.encode([ASK, path, body, timeout])


def reply_of(msg: Any) -> list[Any]:
    decoded: list[Any] = msgspec.msgpack.decode(msg.data)
    return decoded


async def test_one_deadline_answers_every_ask_it_ends(own: NatsServer) -> None:
    """Two asks with one timeout share a deadline bucket: its expiry answers both, though each
    answer leaves while the bucket is being gone through."""
    loop = asyncio.get_running_loop()
    unhandled: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _, context: unhandled.append(context))
    client = await nats.connect(own.url)
    try:
        async with ActorSystem("slow", transport=transport(own)) as system:
            arrived, release = asyncio.Event(), asyncio.Event()
            system.expose(await system.spawn(Gate, arrived, release, name="gate"))
            asks = [
                client.request("actorkit.actor.slow", ask_frame("/gate", n, 0.2), timeout=SAFETY)
                for n in range(2)
            ]
            replies = await asyncio.gather(*asks)
            for reply in replies:
                status, kind, _, text = reply_of(reply)
                assert (status, kind) == (ERROR, "actorkit.AskTimeout"), text
            release.set()
    finally:
        await client.close()
        loop.set_exception_handler(None)
    assert unhandled == []


async def test_a_failing_handler_is_answered(own: NatsServer) -> None:
    async with ActorSystem("answers", transport=transport(own)) as system:
        system.expose(await system.spawn(Failing, name="failing"))
        with pytest.raises(ValueError, match="no thing"):
            await system.remote("answers", "/failing").ask("thing", timeout=SAFETY)


async def test_an_ask_at_a_full_mailbox_waits_for_room(own: NatsServer) -> None:
    """It cannot be queued at once: it waits as a local ask does, and is answered in turn."""
    link = transport(own)
    async with ActorSystem("answers", transport=link) as system:
        arrived, release = asyncio.Event(), asyncio.Event()
        gate = await system.spawn(Gate, arrived, release, name="gate", mailbox_size=1)
        system.expose(gate)
        held = asyncio.ensure_future(gate.ask("held", timeout=SAFETY))
        await arrived.wait()
        gate.tell("fills the mailbox")
        waiting = asyncio.ensure_future(
            system.remote("answers", "/gate").ask("waits for room", timeout=SAFETY)
        )
        await asyncio.sleep(0)  # one turn: the ask is handed to nats-py, not a wait for time
        await link.flush(timeout=SAFETY)  # and has reached the full mailbox
        assert not waiting.done()
        release.set()
        assert await held == "held"
        assert await waiting == "waits for room"


@pytest.mark.parametrize("pool", [False, True])
async def test_an_ask_the_transport_stopped_under_is_not_answered_late(
    own: NatsServer, caplog: pytest.LogCaptureFixture, pool: bool
) -> None:
    """Its reply would go to a closed connection: the stop abandons it, as it does the asks
    answered by a coroutine (a pool's asks are), without a word in the log."""
    caplog.set_level(logging.DEBUG, "actorkit")
    client = await nats.connect(own.url)
    try:
        link = NatsTransport(own.url)
        async with ActorSystem("stopping", transport=link) as system:
            arrived, release = asyncio.Event(), asyncio.Event()
            spawn = partial(system.spawn_pool, size=1) if pool else system.spawn
            system.expose(await spawn(Gate, arrived, release, name="gate"))
            asking = asyncio.ensure_future(
                client.request(
                    "actorkit.actor.stopping", ask_frame("/gate", 1, SAFETY), timeout=SAFETY
                )
            )
            await arrived.wait()
            await link.stop()
            caplog.clear()
            release.set()
        assert not asking.done()
        asking.cancel()
    finally:
        await client.close()
    assert [r.getMessage() for r in caplog.records if "reply" in r.getMessage()] == []


@actorkit.message
@dataclass
class Haunted:
    """A reply whose field cannot be read: what a property or `__getattribute__` of the
    user's may raise, beyond the codec's own refusals."""

    x: int

    def __getattribute__(self, name: str) -> Any:
        if name == "x":
            raise RuntimeError("haunted field")
        return object.__getattribute__(self, name)


class Haunting(Actor):
    async def receive(self, message: Any) -> Any:
        return Haunted(1) if message == "haunted" else message


async def test_a_reply_that_fails_to_convert_is_answered_with_the_error(own: NatsServer) -> None:
    """The reply is converted in the answering actor's receive loop: the error goes to the
    asker, and the actor answers on."""
    async with ActorSystem("answers", transport=transport(own)) as system:
        system.expose(await system.spawn(Haunting, name="haunting"))
        remote = system.remote("answers", "/haunting")
        with pytest.raises(RuntimeError, match="haunted field"):
            await remote.ask("haunted", timeout=SAFETY)
        assert await remote.ask("next", timeout=SAFETY) == "next"


class Wordy(Actor):
    async def receive(self, message: Any) -> Any:
        return "x" * 200 if message == "wordy" else message


@pytest.mark.parametrize("pool", [False, True])
async def test_a_reply_whose_error_is_too_big_too_leaves_the_actor_answering(
    own: NatsServer, tmp_path: Path, pool: bool
) -> None:
    """A server whose `max_payload` holds neither the reply nor the error that says so: the
    asker hears a shorter one, and the actor, whose receive loop sent it, answers on (a
    pool's asks take `ActorRef.ask`'s path, which sends the same)."""
    own.stop()
    own.configure(tmp_path / "tiny.conf", "max_payload: 100\n")
    own.start()
    async with ActorSystem("answers", transport=transport(own)) as system:
        spawn = partial(system.spawn_pool, size=1) if pool else system.spawn
        system.expose(await spawn(Wordy, name="wordy"))
        remote = system.remote("answers", "/wordy")
        with pytest.raises(ValueError, match="max_payload"):
            await remote.ask("wordy", timeout=SAFETY)
        assert await remote.ask("next", timeout=SAFETY) == "next"
