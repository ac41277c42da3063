"""README "Testing": the manual clock, the probe and the views of a running system."""

from __future__ import annotations

from typing import Any, assert_type

import pytest

from actorkit import Accounting, Actor, ActorSystem, Terminated
from actorkit.testing import (
    FORCED_STOP_GRACE,
    SETTLE_LIMIT,
    STORE_TIMEOUT,
    ActorSnapshot,
    ManualClock,
    Probe,
    accepting,
    actor_tree,
    cancel_task,
    instance,
    pending_asks,
    pending_timers,
    snapshot,
    snapshots,
    subscription_count,
    transport,
)


class Greeter(Actor):
    def __init__(self, greeting: str) -> None:
        self.greeting = greeting

    async def receive(self, message: object) -> object:
        return f"{self.greeting}, {message}"


@pytest.mark.asyncio
async def test_timeout() -> None:
    clock = ManualClock()
    async with ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)
        system.schedule_once(5.0, probe.ref, "ping")
        await clock.advance(5.0)
        await probe.expect("ping")
        await probe.expect(int | None, timeout=1.0)


async def views() -> None:
    async with ActorSystem("views", clock=ManualClock(store_timeout=STORE_TIMEOUT)) as system:
        ref = await system.spawn(Greeter, "hello", name="greeter")
        one: ActorSnapshot = snapshot(ref)
        state: str = one.state
        parked: bool = one.parked
        counts: Accounting = one.accounting
        accepted: int = counts.accepted
        children: tuple[str, ...] = one.children
        capacity: int | None = one.capacity
        capabilities: frozenset[str] = one.capabilities
        every: list[ActorSnapshot] = snapshots(system)
        tree = actor_tree(system, path="/greeter", limit=10)
        assert_type(tree, dict[str, Any])  # "the body `GET /actors` answers, as a dict"
        nodes: list[dict[str, Any]] = tree["actors"]
        asks: int = pending_asks(system)
        timers: int = pending_timers(system)
        open_: bool = accepting(system)
        subscriptions: int = subscription_count(system)
        actor = instance(ref)
        if isinstance(actor, Greeter):
            print(actor.greeting)
        print(state, parked, accepted, children, capacity, capabilities, every, nodes)
        print(asks, timers, open_, subscriptions, transport(system), SETTLE_LIMIT)
        probe = await Probe.spawn(system)
        probe.watch(ref)
        ended = await probe.expect_terminated(ref, timeout=1.0)
        assert_type(ended, Terminated)
        reason: BaseException | None = ended.reason
        probe.unwatch(ref)
        print(reason)
        cancel_task(ref)
        grace: float = FORCED_STOP_GRACE
        print(grace)
