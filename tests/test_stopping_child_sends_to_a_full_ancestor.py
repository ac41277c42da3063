"""A child whose `on_stop` `send`s its parent a last word (Akka's `postStop` telling
`context.parent`) while the parent's mailbox is full and the parent awaits that very stop: its
own restart, a `one_for_all` restart of its children, or a handler's `await child.stop()`.
The parent reads its mailbox again only once the stop has ended, so a send that waited for room
held the parent for ever. It goes past the bound instead, and the parent handles it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorRef, ActorSystem, OneForAll, OneForOne
from actorkit.testing import ManualClock, snapshot


class Child(Actor):
    def __init__(self, last_word: bool) -> None:
        self.last_word = last_word

    async def on_stop(self) -> None:
        if self.last_word:
            await self.parent.send("bye")  # type: ignore[union-attr]

    async def receive(self, message: Any) -> Any:
        if message == "boom":
            raise ValueError("boom")
        return None


class Parent(Actor):
    """Spawned with `mailbox_size=1`: "hold" keeps it busy while the test fills its mailbox,
    and ends as `then` says (fail, stop the second child, or return)."""

    supervisor_strategy = OneForAll()

    def __init__(self, got: list[Any], gate: asyncio.Event, entered: asyncio.Event) -> None:
        self.got, self.gate, self.entered = got, gate, entered

    async def on_start(self) -> None:
        self.quiet = await self.spawn(Child, False, name="quiet")
        self.talker = await self.spawn(Child, True, name="talker")

    async def receive(self, message: Any) -> Any:
        self.got.append(message)
        if isinstance(message, tuple) and message[0] == "hold":
            self.entered.set()
            await self.gate.wait()
            if message[1] == "fail":
                raise RuntimeError("the parent fails")
            if message[1] == "stop":
                await self.talker.stop()
        return None


async def held_parent(system: ActorSystem, then: str) -> tuple[ActorRef, list[Any], asyncio.Event]:
    """The parent busy in "hold", its mailbox full behind it."""
    got: list[Any] = []
    gate, entered = asyncio.Event(), asyncio.Event()
    parent = await system.spawn(Parent, got, gate, entered, mailbox_size=1)
    parent.tell(("hold", then))
    await entered.wait()
    parent.tell("queued")  # full now
    return parent, got, gate


async def test_a_restart_of_the_parent_takes_its_childs_last_word() -> None:
    async with asyncio.timeout(5.0), ActorSystem() as system:
        parent, got, gate = await held_parent(system, "fail")
        gate.set()  # the parent fails: its restart stops the talker, whose on_stop sends
        assert await parent.ask("after", timeout=4.0) is None
        assert got[1:] == ["queued", "bye", "after"]


async def test_a_one_for_all_restart_takes_the_last_word_of_a_sibling() -> None:
    async with asyncio.timeout(5.0), ActorSystem() as system:
        parent, got, gate = await held_parent(system, "return")
        quiet = system.lookup(f"{parent.path}/quiet")
        assert quiet is not None
        with pytest.raises(ValueError):  # decided on once "hold" returns
            await quiet.ask("boom")
        gate.set()
        assert await parent.ask("after", timeout=4.0) is None
        assert got[1:] == ["queued", "bye", "after"]


async def test_a_handler_awaiting_the_childs_stop_takes_its_last_word() -> None:
    async with asyncio.timeout(5.0), ActorSystem() as system:
        parent, got, gate = await held_parent(system, "stop")
        gate.set()
        assert await parent.ask("after", timeout=4.0) is None
        assert got[1:] == ["queued", "bye", "after"]


async def test_a_running_childs_send_to_its_full_parent_still_waits_for_room() -> None:
    """Only a stopping descendant's send goes past the bound: a running child's waits, and the
    parent, busy but not waiting on it, makes room once its handler returns."""
    clock = ManualClock()

    class Sender(Actor):
        async def receive(self, message: Any) -> str:
            await self.parent.send("from a running child")  # type: ignore[union-attr]
            return "sent"

    class Busy(Actor):
        def __init__(self, gate: asyncio.Event, entered: asyncio.Event) -> None:
            self.gate, self.entered = gate, entered

        async def receive(self, message: Any) -> Any:
            if message == "kid":
                return await self.spawn(Sender)
            if message == "hold":
                self.entered.set()
                await self.gate.wait()
            return None

    async with asyncio.timeout(5.0), ActorSystem(clock=clock) as system:
        gate, entered = asyncio.Event(), asyncio.Event()
        busy = await system.spawn(Busy, gate, entered, mailbox_size=1)
        kid = await busy.ask("kid")
        busy.tell("hold")
        await entered.wait()
        busy.tell("queued")
        sending = asyncio.ensure_future(kid.ask("go", timeout=4.0))
        await clock.settle()
        assert snapshot(busy).accounting.queued == 1  # the child waits for room
        gate.set()
        assert await sending == "sent"


class Sending(Actor):
    """A child whose handler is waiting for room at its full parent when the parent comes to
    await its stop."""

    async def receive(self, message: Any) -> None:
        if message == "boom":
            raise ValueError("boom")
        for n in range(2):  # the second send comes after its stop is awaited
            await self.parent.send(("from the child", n))  # type: ignore[union-attr]


class Awaiting(Actor):
    supervisor_strategy = OneForAll()

    def __init__(self, got: list[Any], gate: asyncio.Event) -> None:
        self.got, self.gate = got, gate

    async def on_start(self) -> None:
        self.quiet = await self.spawn(Sending, name="quiet")
        self.sender = await self.spawn(Sending, name="sender")

    async def receive(self, message: Any) -> Any:
        self.got.append(message)
        if message == "kids":
            return self.quiet, self.sender
        if isinstance(message, tuple):
            await self.gate.wait()
            if message[1] == "fail":
                raise RuntimeError("the parent fails")
            if message[1] == "stop":
                await self.sender.stop()
        return None


@pytest.mark.parametrize("then", ["fail", "one_for_all", "stop"])
async def test_a_childs_send_waiting_for_room_is_let_in_when_its_stop_is_awaited(
    then: str,
) -> None:
    """The parent fails (its restart stops the child), a sibling fails (a `one_for_all`
    restart stops it), or the parent's handler awaits the child's stop: the send waiting in
    line is granted a place past the bound, the child's handler returns, and the parent
    handles the messages once it reads again; so do the sends the handler makes after."""
    clock = ManualClock()
    async with asyncio.timeout(5.0), ActorSystem(clock=clock) as system:
        got: list[Any] = []
        gate = asyncio.Event()
        parent = await system.spawn(Awaiting, got, gate, mailbox_size=1)
        quiet, sender = await parent.ask("kids")
        parent.tell(("hold", then))
        await clock.settle()
        parent.tell("queued")  # full now
        sender.tell("send")
        await clock.settle()
        assert snapshot(parent).accounting.queued == 1  # the child waits for room
        if then == "one_for_all":
            with pytest.raises(ValueError):  # decided on once "hold" returns
                await quiet.ask("boom")
        gate.set()
        assert await parent.ask("after", timeout=4.0) is None
        assert got[2:] == ["queued", ("from the child", 0), ("from the child", 1), "after"]


class Greeting(Actor):
    """Says hello to its parent from every `on_start` but the first."""

    started = 0

    async def on_start(self) -> None:
        if Greeting.started:
            await self.parent.send("hello again")  # type: ignore[union-attr]
        Greeting.started += 1

    async def receive(self, message: Any) -> None:
        raise ValueError("boom")


class Restarting(Actor):
    def __init__(self, got: list[Any], gate: asyncio.Event, strategy: Any) -> None:
        self.got, self.gate = got, gate
        self.supervisor_strategy = strategy

    async def receive(self, message: Any) -> Any:
        self.got.append(message)
        if message == "kid":
            return await self.spawn(Greeting)
        if message == "hold":
            await self.gate.wait()
        return None


@pytest.mark.parametrize("strategy", [OneForOne(), OneForAll()])
async def test_a_restarts_on_start_sending_to_its_full_parent_awaiting_it(strategy: Any) -> None:
    """The parent carries out the restart after its handler and awaits the new instance's
    `on_start`, whose send waits for room only the parent makes: let past the bound."""
    Greeting.started = 0
    clock = ManualClock()
    async with asyncio.timeout(5.0), ActorSystem(clock=clock) as system:
        got: list[Any] = []
        gate = asyncio.Event()
        parent = await system.spawn(Restarting, got, gate, strategy, mailbox_size=1)
        kid = await parent.ask("kid")
        parent.tell("hold")
        await clock.settle()
        parent.tell("queued")  # full now
        with pytest.raises(ValueError):
            await kid.ask("fail")  # decided on once "hold" returns
        gate.set()
        assert await parent.ask("after", timeout=4.0) is None
        assert got[2:] == ["queued", "hello again", "after"]
