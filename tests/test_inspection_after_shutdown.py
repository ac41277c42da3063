"""What the inspection views say once a system has shut down: no actor is live then, so every
view is empty, as `/actors` (`actor_tree`), `actor_count`, `agents()` and `lookup` already were.
`testing.snapshots` lists "every live actor, its root first": a stopped root is none."""

from __future__ import annotations

import asyncio

from actorkit import ActorSystem
from actorkit.testing import actor_tree, snapshots

from .docs_promises_support import BOUND, Agent, Echo


async def test_after_shutdown_every_view_lists_no_actor() -> None:
    async with asyncio.timeout(BOUND):
        system = ActorSystem()
        await system.start()
        parent = await system.spawn(Echo, name="parent")
        await system.spawn(Agent, name="agent")
        await parent.ask("warm")
        assert [snap.path for snap in snapshots(system)] == ["/", "/parent", "/agent"]
        await system.shutdown()
        tree = actor_tree(system)
        assert (tree["total"], tree["actors"]) == (0, [])
        assert system.actor_count == 0
        assert system.agents() == []
        assert system.lookup("/parent") is None
        assert snapshots(system) == []


def test_before_start_snapshots_lists_no_actor() -> None:
    """As its docstring says ("empty before `start()`"); `actor_tree` refuses then."""
    system = ActorSystem()
    assert snapshots(system) == [] and system.actor_count == 0
