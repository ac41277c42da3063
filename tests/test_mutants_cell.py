"""Edges a mutation review found untested: a pool member leaving a shrink that stops itself;
a parent watching its children at a draining shutdown; a parent that stops itself in its drain
lets its children drain too; no spawn once the system or the parent stops; a stop from
`__init__` alone."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor, ActorStopped, ActorSystem, Terminated
from actorkit.testing import ManualClock

from .invariants import assert_settled


class QuitsAtOne(Actor):
    """Waits for its gate on "hold"; member 1 stops itself on "quit". Counts its starts."""

    def __init__(self, gate: asyncio.Event, starts: list[str]) -> None:
        self.gate = gate
        self.starts = starts

    async def on_start(self) -> None:
        self.starts.append(self.name)

    async def receive(self, message: Any) -> Any:
        if message == "hold":
            await self.gate.wait()
        elif message == "quit" and self.name == "1":
            self.stop()
        return (self.name, message)


async def test_a_permanent_member_stopping_itself_while_it_leaves_a_shrink_is_not_restarted(
    clock: ManualClock,
) -> None:
    # Leaving, it can only stop: its normal exit is no restart of a permanent child.
    gate = asyncio.Event()
    starts: list[str] = []
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        pool = await system.spawn_pool(QuitsAtOne, gate, starts, size=2, name="pool")
        for message in ("hold", "hold", "quit", "quit"):
            pool.tell(message)  # round robin: each member holds, then member 1 will quit
        await clock.settle()
        shrinking = asyncio.ensure_future(pool.resize(1))
        await clock.settle()
        gate.set()
        await shrinking
        assert [m.name for m in pool.members] == ["0"]
        assert starts == ["0", "1"]
        await assert_settled(system)


class Idle(Actor):
    async def receive(self, message: Any) -> Any:
        return message


class WatchesItsChild(Actor):
    def __init__(self, seen: list[Any]) -> None:
        self.seen = seen

    async def on_start(self) -> None:
        self.watch(await self.spawn(Idle, name="c"))

    async def receive(self, message: Any) -> None:
        self.seen.append(message)


async def test_a_parent_watching_its_child_handles_its_terminated_at_a_draining_shutdown() -> None:
    # The drain handles what the children's stops sent: their `Terminated` included.
    seen: list[Any] = []
    async with asyncio.timeout(5), ActorSystem(metrics=False) as system:
        await system.spawn(WatchesItsChild, seen, name="p")
    assert [(type(m), m.ref.path) for m in seen] == [(Terminated, "/p/c")]
    assert system.dead_letters.count == 0


class Holds(Actor):
    """Waits for its gate on "hold"; notes what else it handles; stops itself on "quit"."""

    def __init__(self, gate: asyncio.Event, seen: list[Any], child_gate: Any = None) -> None:
        self.gate = gate
        self.seen = seen
        self.child_gate = child_gate

    async def receive(self, message: Any) -> Any:
        if message == "hold":
            await self.gate.wait()
        elif message == "quit":
            self.stop()
        elif message == "spawn":
            return await self.spawn(Holds, self.child_gate, self.seen, name="c")
        else:
            self.seen.append(message)
        return None


async def test_a_parent_stopping_itself_in_its_drain_lets_its_children_drain(
    clock: ManualClock,
) -> None:
    # Its stop comes from the shutdown's drain: its children's queues are handled too.
    gate_p, gate_c = asyncio.Event(), asyncio.Event()
    seen: list[Any] = []
    async with asyncio.timeout(5):
        system = await ActorSystem(metrics=False, clock=clock).start()
        parent = await system.spawn(Holds, gate_p, seen, gate_c, name="p")
        child = await parent.ask("spawn")
        for message in ("hold", "work", "more work"):
            child.tell(message)
        parent.tell("hold")
        parent.tell("quit")
        await clock.settle()
        shutting = asyncio.ensure_future(system.shutdown())
        await clock.settle()  # the drain reached the parent, held
        gate_p.set()
        await clock.settle()  # it stopped itself: its stop reached the child, held
        gate_c.set()
        await shutting
    assert seen == ["work", "more work"]
    assert system.dead_letters.count == 0


class SpawnsWhenLetGo(Actor):
    """On "hold" waits for its gate; on "spawn" (after it, on "hold, spawn") tries to spawn a
    child, and notes what came of it."""

    def __init__(self, gate: asyncio.Event, outcomes: list[str]) -> None:
        self.gate = gate
        self.outcomes = outcomes

    async def receive(self, message: Any) -> None:
        if message.startswith("hold"):
            await self.gate.wait()
        if message.endswith("spawn"):
            try:
                await self.spawn(Idle)
            except ActorStopped:
                self.outcomes.append("refused")
            else:
                self.outcomes.append("spawned")


async def test_no_child_is_spawned_once_a_shutdown_began(clock: ManualClock) -> None:
    gate = asyncio.Event()
    outcomes: list[str] = []
    async with asyncio.timeout(5):
        system = await ActorSystem(metrics=False, clock=clock).start()
        ref = await system.spawn(SpawnsWhenLetGo, gate, outcomes, name="p")
        ref.tell("hold, spawn")
        await clock.settle()
        shutting = asyncio.ensure_future(system.shutdown())
        await clock.settle()  # the shutdown began; its drain awaits the held handler
        gate.set()
        await shutting
    assert outcomes == ["refused"]


async def test_a_member_leaving_a_shrink_spawns_no_child(clock: ManualClock) -> None:
    gate = asyncio.Event()
    outcomes: list[str] = []
    async with asyncio.timeout(5), ActorSystem(metrics=False, clock=clock) as system:
        pool = await system.spawn_pool(SpawnsWhenLetGo, gate, outcomes, size=2, name="pool")
        for message in ("hold", "hold", "spawn", "spawn"):
            pool.tell(message)  # round robin: each member holds, then tries to spawn
        await clock.settle()
        shrinking = asyncio.ensure_future(pool.resize(1))
        await clock.settle()
        gate.set()
        await shrinking
        assert sorted(outcomes) == ["refused", "spawned"]  # the leaving one's is refused


class StopsFromInit(Actor):
    def __init__(self) -> None:
        self.stop()

    async def receive(self, message: Any) -> Any:
        return message


async def test_a_stop_from_init_alone_ends_the_actor(clock: ManualClock) -> None:
    # No message wakes it: the stop it queued must get it a task of its own.
    async with asyncio.timeout(5), ActorSystem(metrics=False, clock=clock) as system:
        ref = await system.spawn(StopsFromInit, restart="temporary")
        await clock.settle()
        assert not ref.is_alive
