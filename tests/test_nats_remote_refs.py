"""Remote refs over NATS keep local semantics, and refuse what only local refs can do."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import pytest

import actorkit
from actorkit import Actor, ActorSystem, Ref
from actorkit.nats import RemoteError, RemoteRef
from actorkit.testing import Probe

from .nats_node import Add, Job
from .nats_support import NatsServer, requires_nats, transport
from .nats_systems_support import Echo

pytestmark = requires_nats


@dataclasses.dataclass
class NotRegistered:
    x: int


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
        assert remote.value.type_name == "tests.nats_systems_support.Custom"
        assert remote.value.message == "mine"
        assert isinstance(remote.value, actorkit.ActorError)
        with pytest.raises(  # the reply's fault, not the asker's message's
            TypeError,
            match=r"reply of /echo cannot cross NATS: cannot encode a tests\.nats_systems_support",
        ):
            await echo.ask("unsendable")
        assert await echo.ask("got") == []  # the actor restarted after each failure


async def test_unregistered_types_are_refused_at_send_time(server: NatsServer) -> None:
    async with ActorSystem("strict", transport=transport(server)) as system:
        system.expose(await system.spawn(Echo, name="echo"))
        echo = system.remote("strict", "/echo")
        local = await Probe.spawn(system)
        system.subscribe(local.ref, "events.*")
        with pytest.raises(TypeError, match="NotRegistered is not a registered message type"):
            echo.tell(NotRegistered(1))
        with pytest.raises(TypeError, match=r"@actorkit\.message"):
            await echo.ask([NotRegistered(1)])
        with pytest.raises(TypeError, match=r"cannot encode a builtins\.set"):
            system.publish("events.x", {1, 2})
        with pytest.raises(TypeError, match="64 bits"):
            echo.tell(2**70)
        with pytest.raises(ValueError, match="must be > 0"):  # refused here, as locally
            await echo.ask("zero", timeout=0)
        assert await echo.ask("got") == []
        system.publish("events.x", "after")  # the refused publish reached no one, here either
        await local.expect("after")


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
            with pytest.raises(TypeError, match="ActorRef of a local actor"):
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
        with pytest.raises(TypeError, match="ActorRef of a local actor"):
            system.expose(remote)
        with pytest.raises(ValueError, match="actor path"):
            system.remote("elsewhere", "x")
        assert repr(remote) == "<RemoteRef elsewhere:/x>"
        group = system.remote_group("jobs")
        assert isinstance(remote, RemoteRef) and isinstance(group, RemoteRef)
        assert (remote.target, group.target) == ("elsewhere:/x", "group:jobs")
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
