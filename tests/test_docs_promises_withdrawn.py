"""Promises of README ("Testing": `snapshot`) and docs/api.md §9 ("Order and delivery") about
withdrawn ticks and `Terminated` that no other test pinned: a snapshot counts the sweep a
withdrawal posts among its signals until the actor ran it, and its queue never counts the
withdrawn message; a `Terminated` a restart withdraws is neither handled nor a dead letter."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor, ActorRef, ActorSystem, OneForOne, Terminated
from actorkit.testing import ManualClock, Probe, snapshot

from .invariants import assert_invariants
from .supervision_support import Worker
from .timers_support import Stepper

BOUND = 5.0


async def test_a_snapshot_counts_a_pending_sweep_as_a_signal_until_it_ran(
    clock: ManualClock,
) -> None:
    seen: list[Any] = []
    async with asyncio.timeout(BOUND), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Stepper, seen)
        instance: Actor = await ref.ask(lambda actor: actor)
        await ref.ask(lambda actor: actor.timers.start_once("k", "tick", 1.0))
        gate = asyncio.Event()
        ref.tell(("hold", gate, lambda actor: None))
        await clock.advance(1.0)  # the tick is queued behind the held handler
        before = snapshot(ref)
        assert before.signals == 0 and before.accounting.queued == 1
        assert instance.timers.cancel("k")  # plain code, while the actor awaits
        during = snapshot(ref)
        assert during.signals == 1  # the sweep, not yet run
        assert during.accounting.queued == 0 and not during.parked
        gate.set()
        await ref.ask(lambda actor: None)
        after = snapshot(ref)
        assert after.signals == 0 and after.accounting.queued == 0
        assert seen == []
        assert_invariants(system)


async def test_a_sweep_an_unwatch_posts_shows_in_the_actor_s_own_snapshot() -> None:
    seen: list[Any] = []
    counted: list[tuple[int, int]] = []
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        target = await system.spawn(Worker, [], "target")
        watcher = await system.spawn(Stepper, seen)
        await watcher.ask(lambda actor: actor.watch(target))
        gate = asyncio.Event()

        def unwatch(actor: Actor) -> None:
            queued = snapshot(watcher).accounting.queued
            actor.unwatch(target)
            shown = snapshot(watcher)
            counted.append((shown.signals, queued - shown.accounting.queued))

        watcher.tell(("hold", gate, unwatch))
        await target.stop()  # its `Terminated` queued behind the held handler
        assert snapshot(watcher).accounting.queued == 1
        gate.set()
        await watcher.ask(lambda actor: None)
        assert counted == [(1, 1)]  # the sweep pending, the `Terminated` out of the queue
        assert snapshot(watcher).signals == 0 and seen == []
        assert system.dead_letters.count == 0
        assert_invariants(system)


class Escalating(Actor):
    """Watches a child it spawned, and escalates its failure: the escalation stops the child,
    whose `Terminated` is queued, then this actor fails and its supervisor restarts it."""

    supervisor_strategy = OneForOne(decider=lambda error: "escalate")

    def __init__(self, probe: ActorRef) -> None:
        self.probe = probe

    async def on_start(self) -> None:
        self.child = await self.spawn(Worker, [], "child")
        self.watch(self.child)

    async def receive(self, message: Any) -> Any:
        if message == "child":
            return self.child
        if isinstance(message, Terminated):
            self.probe.tell(message)
        return None


async def test_a_terminated_a_restart_withdraws_is_neither_handled_nor_a_dead_letter() -> None:
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        probe = await Probe.spawn(system)
        parent = await system.spawn(Escalating, probe.ref)
        old_child = await parent.ask("child")
        old_child.tell("crash")
        new_child = await parent.ask("child")  # answered by the restarted instance
        assert old_child != new_child and not old_child.is_alive
        await parent.ask("sync")
        probe.expect_empty()
        assert system.dead_letters.count == 0
        box = snapshot(parent).accounting
        assert box.queued == 0 and box.dead_lettered == 0
        assert box.accepted == box.processed + box.crashed  # it left `accepted`
        assert_invariants(system)
