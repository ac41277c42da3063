"""An ask from another system answered through a `Reply` (`_nats._reply`) counts in its
actor class's ask metrics as a local ask does: once, under the same outcome."""

from __future__ import annotations

import asyncio
from typing import Any

import nats

from actorkit import ActorRef, ActorSystem
from actorkit._nats._frames import ERROR
from actorkit._stats import ClassStats

from .nats_support import SAFETY, Gate, NatsServer, link_of, requires_nats, transport
from .test_nats_replies import ask_frame, reply_of

pytestmark = requires_nats


class Asked(Gate):
    """Raises for `boom`, holds `hold` until released, answers the rest at once."""

    async def receive(self, message: Any) -> Any:
        if message == "boom":
            raise ValueError("boom")
        if message == "hold":
            return await super().receive(message)
        return message


class AskedLocally(Asked):
    pass


class AskedRemotely(Asked):
    pass


async def _each_ending(system: ActorSystem, cls: type[Asked], client: Any) -> list[Any]:
    """Answered, failed, timed out in the handler, and refused by a stop while queued; asked
    from another system when a NATS `client` is given (which asks the one that times out)."""
    remote = client is not None
    arrived, release = asyncio.Event(), asyncio.Event()
    ref = await system.spawn(cls, arrived, release, name=cls.__name__)
    system.expose(ref)
    target: ActorRef = system.remote(system.name, ref.path) if remote else ref
    endings: list[Any] = []

    async def ask(message: str, timeout: float = SAFETY) -> None:
        try:
            endings.append(await target.ask(message, timeout=timeout))
        except Exception as error:
            endings.append(type(error).__name__)

    await ask("ok")
    await ask("boom")
    if client is None:
        await ask("hold", timeout=0.05)
    else:  # its reply, the timeout, comes from the actor's side: the deadline counted there
        held = await client.request(
            f"actorkit.actor.{system.name}", ask_frame(ref.path, "hold", 0.05), timeout=SAFETY
        )
        status, kind, *_ = reply_of(held)
        endings.append(kind.rpartition(".")[2] if status == ERROR else kind)
    await arrived.wait()  # in hand, whether its deadline came before or after
    queued = asyncio.ensure_future(ask("queued"))
    await asyncio.sleep(0)  # one turn: the ask is queued, or handed to nats-py
    if remote:
        await link_of(system).flush(timeout=SAFETY)  # and has reached the actor's mailbox
    stopping = asyncio.ensure_future(ref.stop())
    await asyncio.sleep(0)  # one turn: the stop is posted, behind the queued ask
    release.set()
    await stopping
    await queued
    return endings


async def test_a_remote_ask_counts_as_a_local_one(own: NatsServer) -> None:
    client = await nats.connect(own.url)
    try:
        async with ActorSystem("counts", transport=transport(own)) as system:
            for cls, asker in ((AskedLocally, None), (AskedRemotely, client)):
                await _counted(system, cls, asker)
    finally:
        await client.close()


async def _counted(system: ActorSystem, cls: type[Asked], client: Any) -> None:
    endings = await _each_ending(system, cls, client)
    assert endings == ["ok", "ValueError", "AskTimeout", "NotDelivered"], cls
    stats = system.metrics.stats_for(cls)
    assert isinstance(stats, ClassStats)
    assert stats.asks_by_outcome() == {
        "ok": 1,
        "error": 1,
        "timeout": 1,
        "stopped": 1,
        "cancelled": 0,
    }, cls
    assert stats.ask_seconds.count == 4, cls


async def test_a_remote_ask_ends_as_a_local_one_without_metrics(own: NatsServer) -> None:
    """No class stats to count in: a failing ask's reply still goes out (it failed on the
    stats' absence, and its asker waited for its timeout)."""
    client = await nats.connect(own.url)
    try:
        async with ActorSystem("uncounted", transport=transport(own), metrics=False) as system:
            endings = await _each_ending(system, AskedRemotely, client)
            assert endings == ["ok", "ValueError", "AskTimeout", "NotDelivered"]
    finally:
        await client.close()
