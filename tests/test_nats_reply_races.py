"""Replies that come at the wrong moment: twice, after the ask timed out, after it was
cancelled; and an ask whose remote actor is stopped while it handles it. None of them
reaches an ask it does not belong to, and the next ask is answered as usual."""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
import nats
import pytest

from actorkit import ActorStopped, ActorSystem, AskTimeout

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


def ok(value: Any) -> bytes:
    return msgspec.msgpack.encode([0, value])


async def test_late_duplicate_and_cancelled_asks_replies_reach_no_other_ask(
    server: NatsServer,
) -> None:
    loop = asyncio.get_running_loop()
    unhandled: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _, context: unhandled.append(context))
    held: list[Any] = []
    arrived = asyncio.Event()
    fake = await nats.connect(server.url)
    try:

        async def answer(msg: Any) -> None:
            body = msgspec.msgpack.decode(msg.data)[2]
            if body == "hold":  # answered later, by the test
                held.append(msg)
                arrived.set()
                return
            await msg.respond(ok(body))
            await msg.respond(ok("a duplicate"))

        await fake.subscribe("actorkit.actor.fake", cb=answer)
        await settled(fake)
        async with (
            asyncio.timeout(SAFETY),
            ActorSystem("asker", transport=transport(server)) as system,
        ):
            remote = system.remote("fake", "/x")
            for n in range(3):  # each answered twice: the second reply reaches no later ask
                assert await remote.ask(n, timeout=SAFETY) == n
            with pytest.raises(AskTimeout):
                await remote.ask("hold", timeout=0.2)
            asking = asyncio.ensure_future(remote.ask("hold", timeout=SAFETY))
            arrived.clear()
            await arrived.wait()
            asking.cancel()
            with pytest.raises(asyncio.CancelledError):
                await asking
            for msg in held:  # the timed-out ask's reply, then the cancelled one's
                await msg.respond(ok("too late"))
            await fake.flush()
            assert await remote.ask("next", timeout=SAFETY) == "next"
            await link_of(system).flush()
            assert link_of(system).asks == {
                "ok": 4,
                "error": 0,
                "timeout": 1,
                "stopped": 0,
                "cancelled": 1,  # the caller's own cancellation, no error of the request
            }
            assert system.dead_letters.by_reason == {}
    finally:
        await fake.close()
        loop.set_exception_handler(None)
    assert unhandled == []


async def test_an_ask_whose_remote_actor_is_stopped_meanwhile_fails_at_once(
    server: NatsServer,
) -> None:
    """Stopped from outside while it handles the ask (the stop forced past its timeout, the
    handler holding), and with another ask queued behind: both askers hear `ActorStopped` at
    once, not their timeout, and so does a later one."""
    async with (
        asyncio.timeout(SAFETY),
        ActorSystem("owner", transport=transport(server)) as owner,
        ActorSystem("asker", transport=transport(server)) as asker,
    ):
        arrived, release = asyncio.Event(), asyncio.Event()
        gate = await owner.spawn(Gate, arrived, release, name="gate")
        owner.expose(gate)
        remote = asker.remote("owner", "/gate")
        first = asyncio.ensure_future(remote.ask("first", timeout=60))
        await arrived.wait()
        second = asyncio.ensure_future(remote.ask("second", timeout=60))
        await link_of(asker).flush()
        await link_of(owner).flush()
        await gate.stop(timeout=0.1)
        for asking in (first, second):
            with pytest.raises(ActorStopped):
                await asking
        with pytest.raises(ActorStopped):
            await remote.ask("after", timeout=60)
