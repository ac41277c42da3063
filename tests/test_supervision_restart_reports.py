"""A report that a restart made stale is never decided on in place of the failure that came
after it: an `__init__` that raises in a restart is a failure of the instance it did not
make, not a second report of the one the restart replaced."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import (
    Actor,
    ActorRef,
    ActorSystem,
    Backoff,
    ChildSpec,
    OneForAll,
    OneForOne,
    Supervisor,
    Terminated,
)
from actorkit.testing import ManualClock, Probe, snapshot


class InitFailed(Exception):
    """What `Fragile.__init__` raises in its second construction."""


class Fragile(Actor):
    """Fails on "crash"; b's second `__init__` raises `InitFailed`."""

    def __init__(self, made: list[str], label: str) -> None:
        made.append(label)
        if label == "b" and made.count(label) == 2:
            raise InitFailed(f"{label} cannot be made again")

    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise RuntimeError("crashed on purpose")
        return message


async def test_a_failure_in_init_during_a_restart_is_decided_on_not_a_stale_report() -> None:
    """a and b fail together under one_for_all: a's restart makes b's report stale, and b's
    `__init__` then fails. The decider stops a child that cannot be made: b is stopped,
    not restarted on its stale `RuntimeError`."""
    made: list[str] = []
    strategy = OneForAll(max_restarts=10, decider={InitFailed: "stop"})
    children = [ChildSpec(Fragile, made, label, name=label) for label in ("a", "b")]
    async with asyncio.timeout(5):
        async with ActorSystem() as system:
            sup = await system.spawn(Supervisor, children, strategy, name="sup")
            a, b = system.lookup("/sup/a"), system.lookup("/sup/b")
            assert a is not None and b is not None
            a.tell("crash")
            b.tell("crash")  # b reports before its supervisor has decided on a
            await sup.ask("sync")
            await sup.ask("sync")  # b's reports are decided on by now
            assert made == ["a", "b", "a", "b"]  # b was not made again after it failed
            assert not b.is_alive
            assert snapshot(sup).children == ("a",)


class Watcher(Actor):
    """Watches `target` from its start and forwards what it hears to `probe`."""

    def __init__(self, target: ActorRef, probe: ActorRef) -> None:
        self.target = target
        self.probe = probe

    async def on_start(self) -> None:
        self.watch(self.target)

    async def receive(self, message: Any) -> Any:
        self.probe.tell(message)


async def test_a_stop_from_outside_during_a_backoff_ends_it_for_good(clock: ManualClock) -> None:
    """Coverage: stopped while its restart waits out the backoff, the child is not started
    when the backoff ends; its watchers hear of the stop once, and not of the restart."""
    made: list[str] = []
    strategy = OneForOne(backoff=Backoff(min=1.0, max=1.0, jitter=0))
    async with asyncio.timeout(5), ActorSystem(clock=clock, supervisor=strategy) as system:
        child = await system.spawn(Fragile, made, "a", name="a")
        probe = await Probe.spawn(system)
        await system.spawn(Watcher, child, probe.ref)
        child.tell("crash")
        await clock.settle()  # waiting out its backoff
        child.tell("queued")
        await child.stop()
        assert (await probe.receive()) == Terminated(child, None)
        await clock.advance(2.0)
        assert made == ["a"]
        assert not child.is_alive
        probe.expect_empty()
