"""Cell and inspection edges a mutation review found untested: a pool member leaving a shrink
that stops itself; a parent watching its children at a draining shutdown."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor, ActorSystem, Terminated
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
