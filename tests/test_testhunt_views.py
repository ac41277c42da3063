"""`snapshot` and `instance` across an actor's life on a `ManualClock`: waiting out a
restart backoff with messages queued behind the failure, restarted, stopped, and a pool's
members (all held)."""

from __future__ import annotations

from typing import Any

from actorkit import Actor, ActorSystem, Backoff, OneForOne
from actorkit.testing import ManualClock, actor_tree, instance, snapshot


class Fails(Actor):
    async def receive(self, message: Any) -> Any:
        if message == "boom":
            raise ValueError(message)
        return message


async def test_a_snapshot_follows_an_actor_through_backoff_restart_and_stop() -> None:
    clock = ManualClock()
    strategy = OneForOne(max_restarts=5, within=100.0, backoff=Backoff(min=1.0, max=1.0, jitter=0))
    async with ActorSystem(clock=clock, supervisor=strategy) as system:
        ref = await system.spawn(Fails, name="fails")
        first = instance(ref)
        for message in ("boom", "a", "b"):
            ref.tell(message)
        await clock.settle()
        waiting = snapshot(ref)
        assert (waiting.state, waiting.parked, waiting.failures, waiting.restarts) == (
            "restarting",
            False,
            1,
            0,
        )
        assert (waiting.accounting.crashed, waiting.accounting.queued) == (1, 2)
        assert instance(ref) is None
        [node] = actor_tree(system, "/fails")["actors"]
        assert (node["state"], node["mailbox_size"]) == ("restarting", 2)

        await clock.advance(1.0)
        again = snapshot(ref)
        assert (again.state, again.parked, again.restarts) == ("running", True, 1)
        assert (again.accounting.processed, again.accounting.queued) == (2, 0)
        assert instance(ref) is not None and instance(ref) is not first

        await ref.stop()
        stopped = snapshot(ref)
        assert (stopped.state, stopped.parked) == ("stopped", False)
        assert stopped.accounting == again.accounting
        assert instance(ref) is None


async def test_a_pool_snapshot_lists_its_members_each_with_its_own() -> None:
    async with ActorSystem(clock=ManualClock()) as system:
        pool = await system.spawn_pool(Fails, size=3, name="pool")
        view = snapshot(pool)
        assert (view.path, view.actor_class, view.children) == ("/pool", "Pool", ("0", "1", "2"))
        for name in view.children:
            member = system.lookup(f"/pool/{name}")
            assert member is not None
            assert snapshot(member).path == f"/pool/{name}"
            assert snapshot(member).state == "running"
