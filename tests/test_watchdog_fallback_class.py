"""A stall is counted under the class an actor counts under for as long as it lives, its
first instance's (docs/observability.md: "An actor counts under the class of its first
instance"; its factory's stalls "count as its own"): also when a restart's factory returned
another class, a fallback implementation, and when its factory is a function (a lambda, a
partial) that held the loop at its first call, before any class was known. Before, the first
was counted under the fallback's name and the second under the function's (`<lambda>`,
`partial`): series no class's spawn had exported at 0, appearing at 1, whose first stall
`increase()` missed, apart from the actor's other figures."""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from prometheus_client import generate_latest

from actorkit import Actor, ActorSystem

pytestmark = pytest.mark.usefixtures("collector_paused")

THRESHOLD = 0.05
REPORT_BOUND = 5.0
"""Seconds the fallback's handler holds the loop waiting for the report."""

REPORTED = threading.Event()


class Reported(logging.Filter):
    """Sets `REPORTED` at the watchdog's warning, so the handler holds the loop until then."""

    def filter(self, record: logging.LogRecord) -> bool:
        if "blocked the event loop" in record.getMessage():
            REPORTED.set()
        return True


@pytest.fixture
def reported() -> Iterator[None]:
    logger = logging.getLogger("actorkit")
    watched = Reported()
    logger.addFilter(watched)
    REPORTED.clear()
    yield
    logger.removeFilter(watched)


class Primary(Actor):
    async def receive(self, message: Any) -> Any:
        raise RuntimeError("crash, to be restarted as the fallback")


class Fallback(Actor):
    async def receive(self, message: Any) -> Any:
        assert REPORTED.wait(REPORT_BOUND), "the watchdog never reported the blocked loop"
        return "held"


def primary_then_fallback() -> Iterator[type[Actor]]:
    yield Primary
    while True:
        yield Fallback


def blocked(system: ActorSystem) -> dict[str, float]:
    counts: dict[str, float] = {}
    for line in generate_latest(system.metrics.registry).decode().splitlines():
        if line.startswith("actorkit_event_loop_blocked_total{"):
            label = line.split('actor_type="', 1)[1].split('"', 1)[0]
            counts[label] = float(line.rsplit(" ", 1)[1])
    return counts


async def test_a_fallback_class_blocking_counts_under_the_first_class(reported: None) -> None:
    classes = primary_then_fallback()
    async with asyncio.timeout(15), ActorSystem(blocked_threshold=THRESHOLD) as system:
        ref = await system.spawn(lambda: next(classes)(), name="svc")
        ref.tell("crash")
        assert await ref.ask("block") == "held"
        counts = blocked(system)
    assert counts.get("Primary") == 1.0
    assert "Fallback" not in counts


class Worker(Actor):
    def __init__(self, config: str = "") -> None:
        self.config = config

    async def receive(self, message: Any) -> Any:
        return self.config


def load_config_then_make(config: str) -> Worker:
    """A factory that reads its configuration blocking, as an `open()` would."""
    assert REPORTED.wait(REPORT_BOUND), "the watchdog never reported the blocked loop"
    return Worker(config)


@pytest.mark.parametrize(
    "factory",
    [lambda: load_config_then_make("lambda"), functools.partial(load_config_then_make, "p")],
    ids=["lambda", "partial"],
)
async def test_a_function_factory_blocking_at_its_first_call_counts_under_its_class(
    reported: None, factory: Callable[[], Worker]
) -> None:
    async with asyncio.timeout(15), ActorSystem(blocked_threshold=THRESHOLD) as system:
        ref = await system.spawn(factory, name="worker")
        assert await ref.ask("config") in ("lambda", "p")
        counts = blocked(system)
    assert counts == {"(outside actors)": 0.0, "Worker": 1.0}
