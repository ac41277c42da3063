"""Actors and a metric reader the NATS tests share that run their systems in this process."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from actorkit import Actor, ActorRef, ActorSystem

from .nats_support import SAFETY, transport

if TYPE_CHECKING:
    from .nats_support import NatsServer


class Unregistered:
    pass


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


@asynccontextmanager
async def echo_across(
    server: NatsServer, actor: type[Actor] = Echo, name: str = "echo"
) -> AsyncIterator[tuple[ActorSystem, ActorSystem, ActorRef]]:
    """Systems "sender" and "receiver" on one server, the receiver exposing an `actor` (an
    `Echo`) at `/name`, and the sender's remote ref to it, within `SAFETY`."""
    async with (
        asyncio.timeout(SAFETY),
        ActorSystem("sender", transport=transport(server)) as sender,
        ActorSystem("receiver", transport=transport(server)) as receiver,
    ):
        receiver.expose(await receiver.spawn(actor, name=name))
        yield sender, receiver, sender.remote("receiver", f"/{name}")


class Holder(Actor):
    def __init__(self, arrived: asyncio.Event, release: asyncio.Event) -> None:
        self.arrived = arrived
        self.release = release

    async def receive(self, message: Any) -> None:
        self.arrived.set()
        await self.release.wait()


async def metric(system: ActorSystem, series: str) -> float:
    from prometheus_client import generate_latest

    for line in generate_latest(system.metrics.registry).decode().splitlines():
        name, _, value = line.rpartition(" ")
        if name == series:
            return float(value)
    raise AssertionError(f"no series {series}")


async def ask_waiting_for_room(system: ActorSystem, own: Any, link: Any) -> asyncio.Future[Any]:
    """An ask of the system's exposed `/echo`, queued for room in the outbound buffer of
    `link` (`max_buffered=1`): a tell to a silent system fills it during an outage, and once
    the link is back the writer probes that system, so the ask waits (one loop turn given)."""
    own.stop()
    await link.link_down.wait()
    system.remote("ghost", "/x").tell("held")  # fills the buffer; waits for a probe
    own.start()
    await link.link_up.wait()  # connected, the writer probing ghost: no room
    waiting = asyncio.ensure_future(system.remote(system.name, "/echo").ask("hi", SAFETY))
    await asyncio.sleep(0)  # one turn: the ask is queued for room, not a wait for time
    assert not waiting.done()
    return waiting
