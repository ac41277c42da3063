"""`ManualClock.settle`'s cost per loop turn does not grow with the actors that are idle.

`advance` settles after each entry it fires, so a turn that read every actor made thousands
of children restarting after one backoff quadratic: 10,001 of them took about a minute. On
asyncio's own loop an empty ready queue tells that no task can run, with no actor read.
uvloop keeps that queue in C, out of reach: there a quiet turn still reads every actor."""

from __future__ import annotations

import asyncio

import pytest

from actorkit import ActorSystem
from actorkit._mailbox import Mailbox
from actorkit._settling import runnable_tasks
from actorkit.testing import ManualClock, snapshot

from .test_manual_clock_many_due import Parent

pytestmark = pytest.mark.timeout(60)

CHILDREN = 200


def test_children_restarting_after_one_backoff_are_settled_without_reading_every_actor(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reads = 0
    parked = Mailbox.__dict__["parked"].fget

    def counted(mailbox: Mailbox) -> bool:
        nonlocal reads
        reads += 1
        return bool(parked(mailbox))

    scanned = 0

    def counted_tasks() -> list[asyncio.Task[object]]:
        nonlocal scanned
        scanned += len(asyncio.all_tasks())
        return runnable_tasks()

    monkeypatch.setattr(Mailbox, "parked", property(counted))
    monkeypatch.setattr("actorkit.testing.runnable_tasks", counted_tasks)

    async def restarts() -> list[int]:
        nonlocal reads, scanned
        clock = ManualClock()
        async with asyncio.timeout(30), ActorSystem(clock=clock) as system:
            await system.spawn(Parent, CHILDREN, name="parent")
            await clock.settle()
            reads = scanned = 0
            await clock.advance(2.0)  # a settle after each restart; the restarts read some
            counted = reads + scanned
            children = [system.lookup(f"/parent/c{n}") for n in range(CHILDREN)]
            assert counted <= 5 * CHILDREN, f"{counted} reads of actors and tasks"  # 3 * 200**2
            return [snapshot(child).restarts for child in children if child is not None]

    with asyncio.Runner(loop_factory=asyncio.SelectorEventLoop) as runner:
        assert runner.run(restarts()) == [1] * CHILDREN
