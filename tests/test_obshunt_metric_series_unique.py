"""Every series of a scrape is exported once, whatever the actor classes are named: a class
named like the label the runtime gives its own supervisor (`actor_type="ActorSystem"`)
shares that series, as two classes of one name share theirs (docs/observability.md,
"Metrics"). Prometheus drops the second of two samples of one series in a scrape, so a
duplicate would hide the system's give-up behind the class's zero."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from actorkit import Actor, ActorSystem, OneForOne
from actorkit.testing import ManualClock


async def _crash(self: Actor, message: Any) -> None:
    raise ValueError("crash on purpose")


# Made at run time, as a program that names its classes from data would.
Named = type("ActorSystem", (Actor,), {"receive": _crash})


def _series(system: ActorSystem) -> Counter[tuple[str, tuple[tuple[str, str], ...]]]:
    text = generate_latest(system.metrics.registry).decode()
    return Counter(
        (sample.name, tuple(sorted(sample.labels.items())))
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    )


def _escalations(system: ActorSystem) -> list[float]:
    text = generate_latest(system.metrics.registry).decode()
    return [
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "actorkit_supervisor_escalations_total"
        and sample.labels == {"actor_type": "ActorSystem"}
    ]


async def test_a_class_named_like_the_root_label_exports_no_duplicate_series() -> None:
    async with asyncio.timeout(10):
        clock = ManualClock()
        system = ActorSystem(clock=clock, supervisor=OneForOne(max_restarts=0))
        await system.start()
        try:
            ref = await system.spawn(Named)
            duplicates = [key for key, count in _series(system).items() if count > 1]
            assert duplicates == []
            assert _escalations(system) == [0.0]
            ref.tell("go")
            await clock.advance(0)
            assert system.failure is not None
            assert _escalations(system) == [1.0]  # the system's give-up, in the one series
        finally:
            await system.shutdown()
