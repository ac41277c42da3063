"""A failure whose exception has a truth value of its own is reported and counted as any
other: logging tests the truth of a record's `exc_info`, so handed the exception itself it
dropped the traceback of one that is false (a sized error listing nothing) and raised what
the `__bool__` of another raised, out of the crash report and into the supervisor's decision:
the root could not go on, and the system failed of a `RuntimeError` nobody raised."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from actorkit import Actor, ActorSystem
from actorkit.testing import ManualClock

from .metrics_truth_support import sample, scraped


class NoErrorsListed(Exception):
    """A validation error sized by the errors it lists (none here): false, as any sized
    object of length 0 is."""

    def __len__(self) -> int:
        return 0


class Untestable(Exception):
    """An error whose truth value raises: user code can define one."""

    def __bool__(self) -> bool:
        raise RuntimeError("no truth value")


class Fails(Actor):
    async def receive(self, message: Any) -> Any:
        if isinstance(message, type):
            raise message("on purpose")
        return message


class Records(logging.Handler):
    """The records themselves, unformatted, and only here: formatting is the handlers'
    business, not the runtime's (Python's `traceback` tests an exception's truth too, so a
    formatting handler meets the `__bool__` that raises: a plain one prints "--- Logging
    error ---", pytest's own raises it)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.mark.parametrize("error", [NoErrorsListed, Untestable])
async def test_a_failure_with_a_truth_value_of_its_own_is_reported_counted_and_restarted(
    error: type[Exception],
) -> None:
    records = Records()
    logger = logging.getLogger("actorkit")
    logger.addHandler(records)
    logger.propagate = False
    try:
        clock = ManualClock()
        async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
            ref = await system.spawn(Fails)
            ref.tell(error)
            await clock.settle()
            assert await ref.ask("after") == "after"  # restarted, as after any failure
            assert system.failure is None
            samples = scraped(system)
    finally:
        logger.propagate = True
        logger.removeHandler(records)
    counted = sample(
        samples, "actorkit_actor_failures_total", actor_type="Fails", exception=error.__name__
    )
    assert counted == 1.0
    assert sample(samples, "actorkit_actor_restarts_total", actor_type="Fails") == 1.0
    (report,) = [record for record in records.records if record.__dict__.get("actor_class")]
    assert report.exc_info is not None
    assert type(report.exc_info[1]) is error
    assert report.exc_info[2] is not None  # its traceback, to the handler that raised it
