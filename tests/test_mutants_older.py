"""Edges of older code a mutation review found untested: a full mailbox's refused tell counted
as dropped; a stale actor's unregistering leaving a newer one at the same path registered; a
leaving pool member waiting out a restart's backoff instead of finishing its drain; a parked
actor letting go of the instance a restart replaced."""

from __future__ import annotations

import asyncio
import gc
import weakref
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, Backoff, MailboxFull, OneForAll
from actorkit.testing import ManualClock

from .invariants import assert_settled


class Blocked(Actor):
    """Holds its first message until `gate` opens."""

    def __init__(self, entered: asyncio.Event, gate: asyncio.Event) -> None:
        self.entered = entered
        self.gate = gate

    async def receive(self, message: Any) -> Any:
        if message == "hold":
            self.entered.set()
            await self.gate.wait()
        return message


async def test_a_tell_refused_by_a_full_mailbox_counts_as_dropped(clock: ManualClock) -> None:
    entered, gate = asyncio.Event(), asyncio.Event()
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Blocked, entered, gate, mailbox_size=1)
        ref.tell("hold")
        await entered.wait()
        ref.tell("queued")
        with pytest.raises(MailboxFull):
            ref.tell("refused")
        dropped = system.metrics.registry.get_sample_value(
            "actorkit_mailbox_dropped_total", {"actor_type": "Blocked"}
        )
        assert dropped == 1
        gate.set()
        assert await ref.ask("after") == "after"


class StopsLate(Actor):
    """Its `on_stop` waits for `gate` (None: it does not wait)."""

    def __init__(self, gate: asyncio.Event | None) -> None:
        self.gate = gate

    async def on_stop(self) -> None:
        if self.gate is not None:
            await self.gate.wait()


class StartsAChild(Actor):
    """Spawns `c` in `on_start`; with `entered`, then waits there until cancelled."""

    def __init__(self, gate: asyncio.Event | None, entered: asyncio.Event | None) -> None:
        self.gate = gate
        self.entered = entered

    async def on_start(self) -> None:
        await self.spawn(StopsLate, self.gate, name="c")
        if self.entered is not None:
            self.entered.set()
            await asyncio.Event().wait()


async def test_a_stale_child_closing_late_leaves_the_new_one_at_its_path_registered(
    clock: ManualClock,
) -> None:
    """A spawn cancelled in `on_start` frees the name at once, while the task stops what
    `on_start` began: a new actor of that name can spawn a child at the same path before
    the old child has closed. The old one's close must unregister itself only."""
    gate, entered = asyncio.Event(), asyncio.Event()
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        first = asyncio.ensure_future(system.spawn(StartsAChild, gate, entered, name="p"))
        await entered.wait()
        first.cancel()
        await asyncio.wait((first,))
        assert first.cancelled()
        await system.spawn(StartsAChild, None, None, name="p")
        child = system.lookup("/p/c")
        assert child is not None
        gate.set()  # the old child's stop ends: it closes
        await clock.settle()
        assert system.lookup("/p/c") == child
        assert system.actor_count == 2  # `p` and its child `c`
        await assert_settled(system)


class Leaves(Actor):
    """Counts its starts; holds on "hold" until `gate` opens; fails on "fail"."""

    def __init__(self, gate: asyncio.Event, entered: asyncio.Event, seen: list[Any]) -> None:
        self.gate = gate
        self.entered = entered
        self.seen = seen

    async def on_start(self) -> None:
        self.seen.append(("start", self.name))

    async def receive(self, message: Any) -> Any:
        if message == "hold":
            self.entered.set()
            await self.gate.wait()
        elif message == "fail":
            raise ValueError("restart us all")
        else:
            self.seen.append((self.name, message))
        return message


async def test_a_leaving_member_waits_out_a_restarts_backoff_then_drains(
    clock: ManualClock,
) -> None:
    """A member leaving a shrink (draining) that a sibling's one-for-all restart reaches waits
    out the backoff in `RESTARTING`, not running: it finishes its drain only once restarted,
    rather than finalize in the backoff and drop what it held."""
    gate, entered = asyncio.Event(), asyncio.Event()
    seen: list[Any] = []
    strategy = OneForAll(backoff=Backoff(min=1.0, max=1.0, jitter=0))
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        pool = await system.spawn_pool(
            Leaves, gate, entered, seen, size=2, name="p", supervisor=strategy
        )
        stays, leaves = pool.members
        leaves.tell("hold")
        await entered.wait()
        leaves.tell("told")
        asked = asyncio.ensure_future(leaves.ask("asked", timeout=50.0))
        shrinking = asyncio.ensure_future(pool.resize(1))
        await clock.settle()
        stays.tell("fail")
        await clock.settle()
        gate.set()
        await clock.settle()  # both wait out the backoff
        assert not shrinking.done()
        await clock.advance(1.0)
        await shrinking
        assert await asked == "asked"
        assert ("1", "told") in seen and ("1", "asked") in seen
        assert seen.count(("start", "1")) == 2
        assert system.dead_letters.count == 0
        await assert_settled(system)


class Remembered(Actor):
    """Keeps a weak reference to each of its instances; stops itself on "quit" (a permanent
    actor: restarted, with no failure whose logged traceback would hold the instance)."""

    def __init__(self, instances: list[weakref.ref[Actor]]) -> None:
        instances.append(weakref.ref(self))

    async def receive(self, message: Any) -> Any:
        if message == "quit":
            self.stop()
        return message


async def test_a_parked_actor_lets_go_of_the_instance_its_restart_replaced(
    clock: ManualClock,
) -> None:
    instances: list[weakref.ref[Actor]] = []
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Remembered, instances)
        assert await ref.ask("ping") == "ping"  # the receive loop has held this instance
        ref.tell("quit")
        await clock.settle()  # restarted, and parked since: no message since the restart
        assert len(instances) == 2
        gc.collect()
        assert instances[0]() is None, [type(r).__name__ for r in gc.get_referrers(instances[0]())]
        assert instances[1]() is not None
