"""Counters whose label values are known in advance are exported at 0 before their first
event. Prometheus's `rate()` and `increase()` take a series' first sample as its start, so a
series that appears at 5 shows an increase of 0: without the zero, the first burst of dead
letters of a reason, or the first time a class blocks the loop, never fires an alert or
shows on the dashboard (seen with a real Prometheus: five dead letters after a few scrapes
read `increase(...) == 0`)."""

from __future__ import annotations

from typing import get_args

from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from actorkit import Actor, ActorSystem
from actorkit._dead_letters import Reason


class Echo(Actor):
    async def receive(self, message: object) -> object:
        return message


def scrape(system: ActorSystem) -> dict[str, dict[str, float]]:
    """Each counter sample of the family `name`, keyed by its one label's value."""
    text = generate_latest(system.metrics.registry).decode()
    found: dict[str, dict[str, float]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            for value in sample.labels.values():
                found.setdefault(sample.name, {})[value] = sample.value
    return found


async def test_every_dead_letter_reason_is_exported_at_zero_before_its_first() -> None:
    async with ActorSystem() as system:
        exported = scrape(system).get("actorkit_dead_letters_total", {})
    assert exported == dict.fromkeys(get_args(Reason), 0.0)


async def test_dead_letters_count_on_from_the_zero_of_their_reason() -> None:
    async with ActorSystem() as system:
        gone = await system.spawn(Echo)
        await gone.stop()
        gone.tell(1)
        exported = scrape(system)["actorkit_dead_letters_total"]
    assert exported["stopped"] == 1
    assert exported["stopping"] == 0


async def test_blocked_loop_counter_is_exported_for_every_class_before_it_blocks() -> None:
    async with ActorSystem() as system:
        await system.spawn(Echo)
        exported = scrape(system).get("actorkit_event_loop_blocked_total", {})
    # Values are not asserted: a busy test machine may stall the loop now and then.
    assert {"Echo", "(outside actors)"} <= set(exported)
