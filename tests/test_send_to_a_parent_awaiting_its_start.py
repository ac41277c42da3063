"""A child whose `on_start` `send`s to its parent's full mailbox while the parent's handler
awaits that spawn: only the handler's return makes room, and it waits for the `on_start`.
The send fails at once with `MailboxFull`, as a send to its own full mailbox does, instead
of waiting until shutdown (and failing the parent's ask with a hint to make its handler
faster). Down a chain of spawns, each awaiting the next one's start, likewise."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor, ActorRef, ActorSystem, MailboxFull

BOUND = 5.0


class Greeter(Actor):
    """Sends to `target` (its parent if None) from `on_start`, after `ready`; keeps the
    outcome."""

    def __init__(self, ready: asyncio.Event, target: ActorRef | None = None) -> None:
        self.ready, self.target, self.outcome = ready, target, "sent"

    async def on_start(self) -> None:
        await self.ready.wait()
        target = self.target or self.parent
        assert target is not None
        try:
            await target.send("hello")
        except MailboxFull as error:
            self.outcome = str(error)

    async def receive(self, message: Any) -> Any:
        return self.outcome


class Parent(Actor):
    """Spawns a `Greeter` (or a `Middle`, which spawns one) in its handler; answers with the
    child's outcome."""

    def __init__(self, handling: asyncio.Event) -> None:
        self.handling = handling

    async def receive(self, message: Any) -> Any:
        if isinstance(message, tuple):
            kind, *args = message
            self.handling.set()
            child = await self.spawn(kind, *args)
            return await child.ask("outcome")
        return message


class Middle(Actor):
    """Spawns a `Greeter` aimed at its own parent from its `on_start`."""

    def __init__(self, ready: asyncio.Event) -> None:
        self.ready, self.outcome = ready, ""

    async def on_start(self) -> None:
        assert self.parent is not None
        child = await self.spawn(Greeter, self.ready, self.parent)
        self.outcome = await child.ask("outcome")

    async def receive(self, message: Any) -> Any:
        return self.outcome


async def _outcome(system: ActorSystem, kind: type[Actor]) -> Any:
    handling, ready = asyncio.Event(), asyncio.Event()
    parent = await system.spawn(Parent, handling, mailbox_size=1, name="parent")
    asking = asyncio.ensure_future(parent.ask((kind, ready), timeout=BOUND))
    await handling.wait()
    parent.tell("filler")  # full now, with its handler awaiting the spawn
    ready.set()
    outcome = await asking
    assert await parent.ask("after", timeout=BOUND) == "after"  # the filler came first
    return outcome


async def test_a_childs_on_start_send_to_its_full_parent_awaiting_it_fails_at_once() -> None:
    async with asyncio.timeout(BOUND), ActorSystem(metrics=False) as system:
        outcome = await _outcome(system, Greeter)
        assert "/parent/$1" in outcome and "/parent's full mailbox" in outcome
        assert "awaits its start" in outcome and "mailbox_size" in outcome


async def test_down_a_chain_of_starts_the_send_fails_at_once_too() -> None:
    async with asyncio.timeout(BOUND), ActorSystem(metrics=False) as system:
        outcome = await _outcome(system, Middle)
        assert "/parent/$1/$1" in outcome and "awaits its start" in outcome


async def test_a_send_to_a_parent_busy_with_something_else_waits_for_room() -> None:
    handling, ready, gate = asyncio.Event(), asyncio.Event(), asyncio.Event()

    class Busy(Actor):
        async def receive(self, message: Any) -> Any:
            if message == "spawn":  # in a task of its own: the handler awaits the gate
                self.spawning = asyncio.ensure_future(self.spawn(Greeter, ready, name="child"))
                handling.set()
                await gate.wait()
            return message

    async with asyncio.timeout(BOUND), ActorSystem(metrics=False) as system:
        busy = await system.spawn(Busy, mailbox_size=1, name="busy")
        asking = asyncio.ensure_future(busy.ask("spawn", timeout=BOUND))
        await handling.wait()
        busy.tell("filler")
        ready.set()  # the child's send finds the mailbox full
        gate.set()  # room comes once the handler returns: the send waits for it
        assert await asking == "spawn"
        child = system.lookup("/busy/child")
        assert child is not None
        assert await child.ask("outcome", timeout=BOUND) == "sent"
