"""The testing views that read a whole system (`snapshots`, `pending_asks`, `pending_timers`,
`accepting`, `subscription_count`, `transport`, `actor_tree`) given something else (a ref,
as `snapshot` takes; a probe; None) say what they need, as the views of one actor do,
rather than fail on a private attribute of what they got."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from actorkit import Actor, ActorSystem
from actorkit.testing import (
    ManualClock,
    Probe,
    accepting,
    actor_tree,
    pending_asks,
    pending_timers,
    snapshots,
    subscription_count,
    transport,
)

VIEWS: list[Callable[[Any], object]] = [
    snapshots,
    pending_asks,
    pending_timers,
    accepting,
    subscription_count,
    transport,
    actor_tree,
]


class Idle(Actor):
    async def receive(self, message: Any) -> Any:
        return message


@pytest.mark.parametrize("view", VIEWS, ids=[view.__name__ for view in VIEWS])
async def test_a_system_view_given_a_ref_says_it_needs_the_system(
    view: Callable[[Any], object],
) -> None:
    async with asyncio.timeout(10.0), ActorSystem(clock=ManualClock()) as system:
        ref = await system.spawn(Idle)
        probe = await Probe.spawn(system)
        for wrong in (ref, probe, None):
            with pytest.raises(TypeError, match=rf"{view.__name__}\(\) needs an ActorSystem, got"):
                view(wrong)


async def test_snapshots_given_a_ref_points_at_snapshot() -> None:
    async with asyncio.timeout(10.0), ActorSystem(clock=ManualClock()) as system:
        ref = await system.spawn(Idle)
        with pytest.raises(TypeError, match=r"snapshot\(ref\)"):
            snapshots(ref)  # type: ignore[arg-type]
