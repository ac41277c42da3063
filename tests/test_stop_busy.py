"""Concurrent stops of busy actors (`asyncio.gather(*(ref.stop() for ref in refs))`), each in a
handler with more queued: every stop waits for its actor's message to finish and returns once
the actor is gone, what was queued is dead-lettered (its asks answered `NotDelivered`),
`on_stop` runs after the children stopped, and the counts (accounting, metrics, watchers)
come out exact, whether the stop has something to await (an `on_stop`, children) or not
(`Lifecycle.stop_at_once`). And such a stop returns whatever ends the actor's task."""

from __future__ import annotations

import asyncio
import types
from typing import Any

import pytest

from actorkit import Actor, ActorRef, ActorSystem, NotDelivered, Terminated

from .metrics_truth_support import sample, scraped

N, QUEUED = 12, 3
BOUND = 5.0


class Gate:
    """The handlers' shared release, set once every actor holds its first message."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.held: list[str] = []
        self.all_holding = asyncio.Event()
        self.release = asyncio.Event()
        self.journal: list[str] = []


class Busy(Actor):
    def __init__(self, gate: Gate) -> None:
        self.gate = gate

    async def receive(self, message: Any) -> Any:
        if message == "hold":
            gate = self.gate
            gate.held.append(self.path)
            if len(gate.held) == gate.n:
                gate.all_holding.set()
            await gate.release.wait()
            gate.journal.append(f"handled {self.path}")
        return message


class Stops(Busy):
    async def on_stop(self) -> None:
        self.gate.journal.append(f"on_stop {self.path}")


class Kid(Actor):
    def __init__(self, gate: Gate) -> None:
        self.gate = gate

    async def on_stop(self) -> None:
        self.gate.journal.append(f"on_stop {self.path}")


class Parent(Stops):
    async def on_start(self) -> None:
        await self.spawn(Kid, self.gate, name="kid")


class Watcher(Actor):
    def __init__(self, ended: list[Terminated]) -> None:
        self.ended = ended

    async def receive(self, message: Any) -> Any:
        if isinstance(message, ActorRef):
            self.watch(message)
        elif isinstance(message, Terminated):
            self.ended.append(message)
        return None


async def stopped(ref: ActorRef) -> bool:
    """Whether the actor was gone when its stop returned."""
    await ref.stop()
    return not ref.is_alive


@pytest.mark.parametrize("kind", [Busy, Stops, Parent], ids=["plain", "on_stop", "children"])
async def test_concurrent_stops_of_busy_actors_keep_every_promise(kind: type[Busy]) -> None:
    gate = Gate(N)
    ended: list[Terminated] = []
    async with asyncio.timeout(BOUND), ActorSystem(metrics=True) as system:
        watcher = await system.spawn(Watcher, ended)
        refs = [await system.spawn(kind, gate, name=f"a{i}") for i in range(N)]
        for ref in refs:
            await watcher.ask(ref)  # watching it once answered
            ref.tell("hold")
            for i in range(QUEUED):
                ref.tell(i)
        asks = [asyncio.ensure_future(ref.ask("queued")) for ref in refs]
        await gate.all_holding.wait()
        before = system.actor_count
        stopping = asyncio.gather(*(stopped(ref) for ref in refs))
        await asyncio.sleep(0)  # every stop asked for: each waits for its handler
        assert not stopping.done()
        gate.release.set()
        assert await stopping == [True] * N
        for ask in asks:
            with pytest.raises(NotDelivered):
                await ask
        assert system.dead_letters.by_reason == {"stopping": N * (QUEUED + 1)}
        for ref in refs:
            assert system.lookup(ref.path) is None
        kids = N if kind is Parent else 0
        assert system.actor_count == before - N - kids
        for ref in refs:
            entries = [e for e in gate.journal if e.endswith(ref.path) or f"{ref.path}/" in e]
            expected = [f"handled {ref.path}"]
            if kind is Parent:
                expected.append(f"on_stop {ref.path}/kid")  # children first
            if kind is not Busy:
                expected.append(f"on_stop {ref.path}")
            assert entries == expected
        assert await watcher.ask("turn") is None  # the `Terminated` queued before it handled
        assert sorted(t.ref.path for t in ended) == sorted(ref.path for ref in refs)
        assert all(t.reason is None for t in ended)
        accounting = system.accounting()
        assert accounting.balanced
        # Each actor's held message; the watcher's watch, `Terminated` and turn
        handled = N + (N + N + 1)
        assert (accounting.processed, accounting.dead_lettered) == (handled, N * (QUEUED + 1))
        samples = scraped(system)
        name = kind.__name__
        assert sample(samples, "actorkit_actor_stopped_total", actor_type=name) == N
        assert sample(samples, "actorkit_messages_processed_total", actor_type=name) == N
        again = await system.spawn(kind, gate, name="a0")  # the name is free
        assert await again.ask("ping") == "ping"


class Holds(Busy):
    """One actor's gate: it holds until released."""


async def test_a_stop_returns_when_the_busy_actors_task_is_cancelled_under_it() -> None:
    """Its task, begun (in a handler), closes the cell itself as it unwinds: the stop waits
    on no callback of that task."""
    gate = Gate(1)
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        ref = await system.spawn(Holds, gate)
        ref.tell("hold")
        ref.tell("queued")
        await gate.all_holding.wait()
        stopping = asyncio.ensure_future(ref.stop())
        await asyncio.sleep(0)  # the stop waits for the handler
        task = ref._cell.task
        assert task is not None
        task.cancel()
        await stopping
        assert not ref.is_alive
        # The message in hand and the one queued behind it: the forced end of each
        assert system.dead_letters.by_reason == {"stopping": 2}
        assert system.accounting().balanced


async def test_a_stop_returns_when_the_actors_task_is_cancelled_before_it_began() -> None:
    """A task cancelled before its first step runs none of its body and closes nothing:
    the stop watches it, and the actor is closed when it ends."""
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        ref = await system.spawn(Busy, Gate(1))
        ref.tell("queued")  # makes its task, which has not begun
        task = ref._cell.task
        assert task is not None
        task.cancel()
        await ref.stop()
        assert not ref.is_alive
        assert system.lookup(ref.path) is None


def plain_factory(
    loop: asyncio.AbstractEventLoop, coro: Any, *, context: Any = None, **_: Any
) -> asyncio.Task[Any]:
    """A task factory that makes the task as asyncio would: an actor's task then takes a
    yield as its first step (`_receive.run`, `_begun.first_step`)."""
    return asyncio.Task(coro, loop=loop, context=context)


async def test_a_stop_returns_when_the_actors_task_is_cancelled_at_its_first_step() -> None:
    """Under a task factory, a task suspended at its first step's yield has run none of its
    body either: cancelled there, it closes nothing, so the stop watches it as it watches one
    that never began, and the actor is closed when it ends."""
    loop = asyncio.get_running_loop()
    loop.set_task_factory(plain_factory)
    try:
        async with asyncio.timeout(BOUND), ActorSystem() as system:
            ref = await system.spawn(Busy, Gate(1))
            ref.tell("queued")  # makes its task
            task = ref._cell.task
            assert task is not None
            stopping = asyncio.ensure_future(ref.stop())
            await asyncio.sleep(0)  # its first step, the yield; then the stop's: it waits
            coro = task.get_coro()
            assert isinstance(coro, types.CoroutineType)
            assert coro.cr_suspended and not ref._cell.closed
            task.cancel()
            await stopping
            assert not ref.is_alive
            assert system.lookup(ref.path) is None
    finally:
        loop.set_task_factory(None)
