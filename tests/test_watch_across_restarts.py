"""Watches across a watcher's restart (Akka classic): the restart stops the old instance's
children and unwatches them first, so the new instance never hears of their stop; the
watches of other actors belong to the cell and go on."""

from __future__ import annotations

from typing import Any

from actorkit import Actor, ActorRef, ActorSystem, OneForOne, Terminated
from actorkit.testing import Probe

from .supervision_support import Worker


class Parent(Actor):
    """Spawns and watches a child in each instance; reports each `Terminated` it gets."""

    def __init__(self, probe: ActorRef, other: ActorRef) -> None:
        self.probe = probe
        self.other = other

    async def on_start(self) -> None:
        self.child = await self.spawn(Worker, [], "child")
        self.watch(self.child)
        self.watch(self.other)

    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise RuntimeError("boom")
        if message == "child":
            return self.child
        if isinstance(message, Terminated):
            self.probe.tell(message)
        return None


async def test_a_restarted_parent_does_not_hear_of_the_children_its_restart_stopped() -> None:
    async with ActorSystem() as system:
        probe = await Probe.spawn(system)
        other = await system.spawn(Worker, [], "other")
        parent = await system.spawn(Parent, probe.ref, other)
        old_child = await parent.ask("child")
        parent.tell("crash")
        new_child = await parent.ask("child")  # answered by the new instance
        assert not old_child.is_alive and new_child.is_alive
        await parent.ask("sync")
        probe.expect_empty()  # no Terminated of the old instance's child
        await other.stop()  # the watch of a non-child went on across the restart
        terminated = await probe.expect(Terminated)
        assert terminated.ref == other
        await new_child.stop()  # and the new instance's own watch works
        terminated = await probe.expect(Terminated)
        assert terminated.ref == new_child
        await parent.ask("sync")
        probe.expect_empty()


class Escalating(Parent):
    """Escalates its child's failures: it stops the child, then fails itself."""

    supervisor_strategy = OneForOne(decider=lambda error: "escalate")


async def test_the_terminated_of_a_child_stopped_by_an_escalation_is_withdrawn_at_the_restart() -> (
    None
):
    """The escalation stops the child before the parent fails, so its `Terminated` is queued
    already when the parent's own supervisor restarts it: withdrawn, as `unwatch` does."""
    async with ActorSystem() as system:
        probe = await Probe.spawn(system)
        other = await system.spawn(Worker, [], "other")
        parent = await system.spawn(Escalating, probe.ref, other)
        old_child = await parent.ask("child")
        old_child.tell("crash")
        new_child = await parent.ask("child")
        assert not old_child.is_alive and new_child.is_alive
        await parent.ask("sync")
        probe.expect_empty()


async def test_a_resumed_parent_still_hears_of_the_child_its_escalation_stopped() -> None:
    """Resumed, the same instance goes on: its watch of that child was kept, and it hears."""

    class Resuming(Actor):
        supervisor_strategy = OneForOne(decider=lambda error: "resume")

        async def on_start(self) -> None:
            self.below = await self.spawn(Escalating, probe.ref, other)

        async def receive(self, message: Any) -> Any:
            return self.below

    async with ActorSystem() as system:
        probe = await Probe.spawn(system)
        other = await system.spawn(Worker, [], "other")
        top = await system.spawn(Resuming)
        parent = await top.ask("parent")
        child = await parent.ask("child")
        child.tell("crash")
        terminated = await probe.expect(Terminated)
        assert terminated.ref == child and isinstance(terminated.reason, RuntimeError)


async def test_a_parent_that_stops_leaves_no_dead_letter_of_its_children_s_terminated() -> None:
    """Akka sends a terminating actor no `Terminated`: its mailbox is closing, and the
    `Terminated` of each child it stops would only be counted as a dead letter."""
    async with ActorSystem() as system:
        probe = await Probe.spawn(system)
        other = await system.spawn(Worker, [], "other")
        parent = await system.spawn(Parent, probe.ref, other)
        await parent.stop()
        assert system.dead_letters.count == 0
        await other.stop()  # its watch of `other` ended with it too
        assert system.dead_letters.count == 0
        probe.expect_empty()
