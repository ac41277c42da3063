"""A child whose `on_start` `send`s to its parent's full mailbox while the parent's handler
awaits that spawn: only the handler's return makes room, and it waits for the `on_start`.
The send fails at once with `MailboxFull`, as a send to its own full mailbox does, instead
of waiting until shutdown (and failing the parent's ask with a hint to make its handler
faster). Down a chain of spawns, each awaiting the next one's start, likewise."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor, ActorRef, ActorSystem, MailboxFull
from actorkit._begun import begun_task
from actorkit.testing import ManualClock

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


async def test_a_send_to_a_parent_busy_with_something_else_waits_for_room(
    clock: ManualClock,
) -> None:
    handling, ready, gate = asyncio.Event(), asyncio.Event(), asyncio.Event()

    class Busy(Actor):
        async def receive(self, message: Any) -> Any:
            if message == "spawn":  # in a task of its own: the handler awaits the gate
                self.spawning = asyncio.ensure_future(self.spawn(Greeter, ready, name="child"))
                handling.set()
                await gate.wait()
            return message

    async with asyncio.timeout(BOUND), ActorSystem(metrics=False, clock=clock) as system:
        busy = await system.spawn(Busy, mailbox_size=1, name="busy")
        asking = asyncio.ensure_future(busy.ask("spawn", timeout=BOUND))
        await handling.wait()
        busy.tell("filler")
        ready.set()  # the child's send finds the mailbox full
        await clock.settle()  # and was made while the handler awaits the gate, not the start
        gate.set()  # room comes once the handler returns: the send waits for it
        assert await asking == "spawn"
        child = system.lookup("/busy/child")
        assert child is not None
        assert await child.ask("outcome", timeout=BOUND) == "sent"


class Gated(Actor):
    """Its handler awaits `gate` (a parent of nobody, busy with something else)."""

    def __init__(self, handling: asyncio.Event, gate: asyncio.Event) -> None:
        self.handling, self.gate = handling, gate

    async def receive(self, message: Any) -> Any:
        self.handling.set()
        await self.gate.wait()


async def test_a_send_from_an_awaited_start_to_another_busy_actor_waits_for_room(
    clock: ManualClock,
) -> None:
    """The sender's own start is awaited, by its parent: only a send to that parent (or up
    the chain of awaited starts) is refused. The target here awaits something else, and
    makes room once it has it."""
    busy_handling, gate, handling, ready = (asyncio.Event() for _ in range(4))
    async with asyncio.timeout(BOUND), ActorSystem(metrics=False, clock=clock) as system:
        busy = await system.spawn(Gated, busy_handling, gate, mailbox_size=1, name="busy")
        busy.tell("hold")
        await busy_handling.wait()
        busy.tell("filler")  # full, its handler awaiting the gate
        parent = await system.spawn(Parent, handling, name="parent")
        asking = asyncio.ensure_future(parent.ask((Greeter, ready, busy), timeout=BOUND))
        await handling.wait()
        ready.set()  # the child sends from its on_start, its parent awaiting that start
        await clock.settle()
        assert not asking.done()  # the send waits for room, not refused
        gate.set()
        assert await asking == "sent"


async def test_a_send_from_a_task_whose_coroutine_has_no_frame_waits_for_room(
    clock: ManualClock,
) -> None:
    """A task may run a coroutine object of another kind (the runtime's own `_Begins`, a
    compiled one), which has no `cr_frame` to read an actor from: it is no actor's task."""
    busy_handling, gate = asyncio.Event(), asyncio.Event()
    async with asyncio.timeout(BOUND), ActorSystem(metrics=False, clock=clock) as system:
        busy = await system.spawn(Gated, busy_handling, gate, mailbox_size=1, name="busy")
        busy.tell("hold")
        await busy_handling.wait()
        busy.tell("filler")  # full, its handler awaiting the gate
        sending = begun_task(asyncio.get_running_loop(), busy.send("from a task"))
        await clock.settle()
        assert not sending.done()  # waits for room, neither refused nor failed
        gate.set()
        await sending


class SelfTold(Actor):
    """Tells itself from `on_start` (after `ready`), and sends to `target` from the handler
    of that message: what the refusal advises, once `on_start` has returned."""

    def __init__(self, ready: asyncio.Event, target: ActorRef) -> None:
        self.ready, self.target, self.outcome = ready, target, "not yet"

    async def on_start(self) -> None:
        await self.ready.wait()
        self.ref.tell("go")  # handled as the start ends, in the same step

    async def receive(self, message: Any) -> Any:
        if message == "go":
            try:
                await self.target.send("hello")
                self.outcome = "sent"
            except MailboxFull as error:
                self.outcome = str(error)
        return self.outcome


class MiddleOfSelfTold(Actor):
    """Spawns a `SelfTold` aimed at its own parent from its `on_start`."""

    def __init__(self, ready: asyncio.Event) -> None:
        self.ready = ready

    async def on_start(self) -> None:
        assert self.parent is not None
        await self.spawn(SelfTold, self.ready, self.parent, name="kid")

    async def receive(self, message: Any) -> Any:
        return message


async def test_a_send_from_a_handler_once_its_start_ended_waits_down_a_chain_too() -> None:
    """The grandchild's start has ended (its future done) as its handler sends, though its
    parent has not run since: no start of its is awaited any more, so the send waits for
    room, which comes once the parent's on_start and then the grandparent's handler return."""
    async with asyncio.timeout(BOUND), ActorSystem(metrics=False) as system:
        handling, ready = asyncio.Event(), asyncio.Event()
        parent = await system.spawn(Parent, handling, mailbox_size=1, name="parent")
        asking = asyncio.ensure_future(parent.ask((MiddleOfSelfTold, ready), timeout=BOUND))
        await handling.wait()
        parent.tell("filler")  # full, its handler awaiting the middle's start
        ready.set()
        await asking
        kid = system.lookup("/parent/$1/kid")
        assert kid is not None
        assert await kid.ask("outcome", timeout=BOUND) == "sent"
