"""`actorkit_mailbox_fill_ratio{actor_type}`: the fullest bounded mailbox of each class as a
fraction of its own `mailbox_size`, computed at scrape time, so that "mailbox near full"
needs no guess at the capacity (the alert used to assume 80% of the default 10,000, which a
class spawned with `mailbox_size=100` never reaches before refusing tells)."""

from __future__ import annotations

from typing import Any

import pytest

from actorkit import Actor, ActorSystem

pytestmark = pytest.mark.timeout(30)


class Sink(Actor):
    async def receive(self, message: Any) -> Any:
        return message


class Unbounded(Actor):
    async def receive(self, message: Any) -> Any:
        return message


def fill_ratio(system: ActorSystem, actor_type: str) -> float | None:
    return system.metrics.registry.get_sample_value(
        "actorkit_mailbox_fill_ratio", {"actor_type": actor_type}
    )


async def test_the_fullest_bounded_mailbox_of_a_class_is_exported_as_a_fraction() -> None:
    async with ActorSystem() as system:
        small = await system.spawn(Sink, name="small", mailbox_size=10)
        big = await system.spawn(Sink, name="big", mailbox_size=1000)
        endless = await system.spawn(Unbounded, mailbox_size=None)
        for _ in range(8):  # queued: the actors run no sooner than this test awaits
            small.tell(1)
        for _ in range(500):
            big.tell(1)
            endless.tell(1)
        assert fill_ratio(system, "Sink") == pytest.approx(0.8)
        # An unbounded mailbox has no capacity to fill: its class has no series.
        assert fill_ratio(system, "Unbounded") is None
        assert await small.ask("drained") == "drained"
        assert await big.ask("drained") == "drained"
        assert fill_ratio(system, "Sink") == 0


async def test_a_class_of_idle_bounded_actors_reads_zero() -> None:
    async with ActorSystem() as system:
        await system.spawn(Sink)
        assert fill_ratio(system, "Sink") == 0
