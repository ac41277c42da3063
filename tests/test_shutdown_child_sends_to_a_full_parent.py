"""A child that `send`s its parent more than the parent's mailbox holds while a shutdown
drains them (docs/api.md §9): the parent, waiting for its children's drains, reads again only
once they are gone, so a send of theirs that waited for room would hold the shutdown until its
timeout cut it. Their sends go past its bound instead, and it handles every reply."""

from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace
from typing import Any

import pytest

from actorkit import Actor, ActorRef, ActorSystem
from actorkit._blocked_sends import LIMIT, _descends
from actorkit.testing import ManualClock, snapshot

REPLIES = 10


class Child(Actor):
    """Works a few loop turns on each message, then replies: by then its parent has read its
    own queue to the end and waits for its children."""

    def __init__(self, up: ActorRef) -> None:
        self.up = up

    async def receive(self, message: Any) -> None:
        for _ in range(3):
            await asyncio.sleep(0)
        await self.up.send(("reply", message))


class Middle(Actor):
    """Between the parent and the child: the child's sends go to its grandparent."""

    def __init__(self, up: ActorRef) -> None:
        self.up = up

    async def on_start(self) -> None:
        self.kid = await self.spawn(Child, self.up)

    async def receive(self, message: Any) -> Any:
        return self.kid


class Parent(Actor):
    def __init__(self, got: list[Any], depth: int) -> None:
        self.got, self.depth = got, depth

    async def on_start(self) -> None:
        self.kid = await self.spawn(Child if self.depth == 1 else Middle, self.ref)
        if self.depth == 2:
            self.kid = await self.kid.ask("kid")

    async def receive(self, message: Any) -> Any:
        if message == "kid":
            return self.kid
        self.got.append(message)
        return None


async def shut_down(
    mailbox_size: int | None, timeout: float, depth: int = 1
) -> tuple[list[Any], int, float]:
    got: list[Any] = []
    async with ActorSystem() as system:
        parent = await system.spawn(Parent, got, depth, mailbox_size=mailbox_size)
        kid = await parent.ask("kid")
        for i in range(REPLIES):  # queued at the child, none yet at the parent
            kid.tell(i)
        began = time.monotonic()
        await system.shutdown(timeout=timeout)
        took = time.monotonic() - began
        return got, system.dead_letters.by_reason.get("shutdown", 0), took


@pytest.mark.parametrize(("mailbox_size", "depth"), [(2, 1), (2, 2), (REPLIES, 1), (None, 1)])
async def test_the_draining_parent_handles_every_reply_of_its_descendant(
    mailbox_size: int | None, depth: int
) -> None:
    got, lost, took = await shut_down(mailbox_size=mailbox_size, timeout=5.0, depth=depth)
    assert sorted(got) == [("reply", i) for i in range(REPLIES)]
    assert lost == 0
    assert took < 5.0


async def _spreadsheet(ref: ActorRef) -> str:
    cell = "A1"  # a local of that name, as the actor's task has: this task is no actor's
    await ref.send(cell)
    return "sent"


@pytest.mark.parametrize("from_a_task", [False, True], ids=["actor", "task"])
async def test_a_send_from_an_actor_outside_the_draining_one_waits_for_room(
    from_a_task: bool,
) -> None:
    """Only a descendant's send goes past the bound: another actor's, or a plain task's,
    waits for room, which the drain makes once the descendants' drains end, as at any time."""
    gate, clock = asyncio.Event(), ManualClock()

    class Kid(Actor):
        async def receive(self, message: Any) -> None:
            await gate.wait()

    class Held(Actor):
        async def on_start(self) -> None:
            self.kid = await self.spawn(Kid)

        async def receive(self, message: Any) -> Any:
            return self.kid if message == "kid" else None

    class Outsider(Actor):
        async def receive(self, message: ActorRef) -> str:
            await message.send("from outside")
            return "sent"

    async with asyncio.timeout(5.0), ActorSystem(clock=clock) as system:
        outsider = await system.spawn(Outsider)
        held = await system.spawn(Held, mailbox_size=1)  # drained first: started last
        (await held.ask("kid")).tell("hold")
        shutting = asyncio.ensure_future(system.shutdown(timeout=5.0))
        await clock.settle()  # held drained its queue and waits for its kid's drain
        held.tell("queued")  # full now
        if from_a_task:
            asking = asyncio.ensure_future(_spreadsheet(held))
        else:
            asking = asyncio.ensure_future(outsider.ask(held, timeout=5.0))
        await clock.settle()
        assert snapshot(held).accounting.queued == 1  # the sender waits for room
        gate.set()
        assert await asking == "sent"
        await shutting


def test_a_walk_cut_at_its_bound_takes_no_stranger_for_a_descendant() -> None:
    """Past `LIMIT` steps up, the sender is not known to descend from the draining actor: it
    waits for room, as any other sender does, rather than go past the bound."""
    draining = SimpleNamespace(parent=None)
    deep = SimpleNamespace(parent=None)
    for _ in range(LIMIT + 1):  # a chain of strangers, longer than the walk
        deep = SimpleNamespace(parent=deep)
    assert not _descends(deep, draining)  # type: ignore[arg-type]
    near = SimpleNamespace(parent=SimpleNamespace(parent=draining))
    assert _descends(near, draining)  # type: ignore[arg-type]
