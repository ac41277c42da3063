"""API.md section 10 (NATS), as an outside checker calls it: a transport built from the
contract's `servers=[...]` list, attrs classes and dataclasses crossing a real link both ways,
nothing ever pickled, and a remote ask keeping the local meaning of a stop."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any, ClassVar

import attrs
import pytest

import actorkit
from actorkit import ActorRef, ActorStopped, ActorSystem
from actorkit.nats import NatsTransport, RemoteRef
from actorkit.testing import Probe, snapshot

from .contract_support import assert_awaited, assert_signature
from .nats_support import SAFETY, Gate, NatsServer, requires_nats
from .nats_systems_support import Echo

pytestmark = requires_nats


@actorkit.message
@dataclasses.dataclass(frozen=True)
class Item:
    sku: str
    count: int


@actorkit.message
@attrs.frozen
class Order:
    items: tuple[Item, ...]
    note: str | None = None


class Shop(actorkit.Actor):
    """Answers an `Order` with an `Order` of its own making: the reply crosses too."""

    async def receive(self, message: Any) -> Any:
        assert isinstance(message, Order), message
        return Order(tuple(Item(i.sku, i.count * 2) for i in message.items), note="doubled")


async def test_attrs_and_dataclass_messages_cross_a_link_built_from_a_servers_list(
    server: NatsServer,
) -> None:
    """Section 10: "Messages cross as plain data, attrs classes and dataclasses of registered
    types", in both directions of an ask and in a publish, on the transport it builds."""
    order = Order((Item("a", 1), Item("b", 2)))
    async with (
        asyncio.timeout(SAFETY),
        ActorSystem("buyer", transport=NatsTransport(servers=[server.url])) as buyer,
        ActorSystem("seller", transport=NatsTransport(servers=[server.url])) as seller,
    ):
        seller.expose(await seller.spawn(Shop, name="shop"))
        reply = await buyer.remote("seller", "/shop").ask(order)
        assert reply == Order((Item("a", 2), Item("b", 4)), note="doubled")
        assert type(reply) is Order and type(reply.items[0]) is Item
        listener = await Probe.spawn(seller)
        seller.subscribe(listener.ref, "orders.>")
        buyer.publish("orders.placed", {"order": order, "plain": [1, "two", b"3", None]})
        got = await listener.expect({"order": order, "plain": [1, "two", b"3", None]})
        assert type(got["order"]) is Order


class Spy:
    """Pickling it would call `__reduce__`, which notes the call: the codec must never."""

    reduced: ClassVar[list[str]] = []

    def __reduce__(self) -> Any:
        Spy.reduced.append("reduced")
        return (Spy, ())


@actorkit.message
@dataclasses.dataclass(frozen=True)
class Carrying:
    payload: Any


async def test_a_value_only_pickle_could_carry_is_refused_and_never_pickled(
    server: NatsServer,
) -> None:
    """Section 10: "never pickle". An object of no registered type, inside a registered class
    or not, is a `TypeError` at the sender, its `__reduce__` never called, and nothing
    reaches the target."""
    Spy.reduced.clear()
    async with (
        asyncio.timeout(SAFETY),
        ActorSystem("spy-from", transport=NatsTransport(servers=[server.url])) as sender,
        ActorSystem("spy-to", transport=NatsTransport(servers=[server.url])) as target,
    ):
        target.expose(await target.spawn(Echo, name="echo"))
        echo = sender.remote("spy-to", "/echo")
        with pytest.raises(TypeError):
            echo.tell(Carrying(Spy()))
        with pytest.raises(TypeError):
            await echo.send(Spy())
        with pytest.raises(TypeError):
            await echo.ask([Carrying(Spy())])
        with pytest.raises(TypeError):
            sender.publish("spies.x", Carrying(Spy()))
        assert await echo.ask("got") == []
    assert Spy.reduced == []


async def test_a_remote_ask_queued_when_its_actor_is_stopped_fails_with_actor_stopped_at_once(
    server: NatsServer,
) -> None:
    """Section 9 for a local ref: `stop` lets the current message finish, and asks still
    queued "fail with ActorStopped"; section 10 promises a remote ref the same, and "at once",
    not at the end of its timeout (SAFETY here, which `asyncio.timeout` would hit first)."""
    arrived, release = asyncio.Event(), asyncio.Event()
    outward, inward = NatsTransport(servers=[server.url]), NatsTransport(servers=[server.url])
    async with (
        ActorSystem("asking", transport=outward) as asking,
        ActorSystem("owning", transport=inward) as owning,
    ):
        gate = await owning.spawn(Gate, arrived, release, name="gate")
        owning.expose(gate)
        remote = asking.remote("owning", "/gate")
        held = asyncio.ensure_future(remote.ask("held", timeout=SAFETY * 3))
        await arrived.wait()
        queued = asyncio.ensure_future(remote.ask("queued", timeout=SAFETY * 3))
        await asyncio.sleep(0)  # one turn: the ask task writes its request
        await outward.flush()  # the server has it,
        await inward.flush()  # and has handed it to the owner, ahead of this round trip
        assert snapshot(gate).accounting.queued == 1
        stopping = asyncio.ensure_future(gate.stop())
        await asyncio.sleep(0)  # one turn: the stop is posted before the held ask ends
        release.set()
        async with asyncio.timeout(SAFETY):
            assert await held == "held"
            with pytest.raises(ActorStopped):
                await queued
            await stopping
            with pytest.raises(ActorStopped):
                await remote.send("after")
            remote.tell("after")  # a tell never raises for a stopped actor


def test_remote_refs_and_the_system_s_nats_calls_are_plain_or_awaited_as_local_ones() -> None:
    """Section 10 gives "a ref whose `tell`, `send` and `ask` cross over NATS with the local
    semantics" from `remote(...) -> ActorRef` "(plain call)": a checker awaits what section 9
    awaits, no more."""
    assert issubclass(RemoteRef, ActorRef)
    assert_signature(RemoteRef.tell, "self, msg")
    assert_signature(RemoteRef.send, "self, msg")
    assert_signature(RemoteRef.ask, "self, msg, timeout=5.0")
    assert_awaited(RemoteRef, awaited=["send", "ask", "stop"], plain=["tell"])
    assert_awaited(ActorSystem, awaited=[], plain=["expose", "remote", "publish"])
