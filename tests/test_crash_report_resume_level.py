"""A failure its supervisor resumes is logged at WARNING, as Akka logs a `Resume`: the actor
goes on with its state, so the failure is an expected one (bad input it drops), and a
program that alerts on ERROR is not paged for each. A restart, a stop, an escalation and a
give-up stay at ERROR (docs/observability.md, "Crash reports")."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, Directive, OneForOne

from .exception_kinds_support import failures
from .shutdown_support import BOUND


class Parses(Actor):
    """Fails on what is not a number; counts what it took."""

    def __init__(self) -> None:
        self.taken = 0

    async def receive(self, message: Any) -> int:
        self.taken += int(message)
        return self.taken


def reports(caplog: pytest.LogCaptureFixture) -> list[tuple[int, str]]:
    return [
        (record.levelno, record.directive)
        for record in caplog.records
        if hasattr(record, "directive")
    ]


@pytest.mark.parametrize(
    ("directive", "level"),
    [("resume", logging.WARNING), ("restart", logging.ERROR), ("stop", logging.ERROR)],
)
async def test_a_resumed_failure_is_a_warning_the_others_errors(
    caplog: pytest.LogCaptureFixture, directive: Directive, level: int
) -> None:
    caplog.set_level(logging.DEBUG, logger="actorkit")
    strategy = OneForOne(decider={ValueError: directive})
    async with asyncio.timeout(BOUND), ActorSystem(supervisor=strategy) as system:
        ref = await system.spawn(Parses)
        with pytest.raises(ValueError, match="invalid literal"):
            await ref.ask("x")
    assert reports(caplog) == [(level, directive)]  # written by the supervisor, after the ask


async def test_with_the_logger_at_error_a_resume_builds_no_report_and_is_counted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.ERROR, logger="actorkit")
    strategy = OneForOne(decider={ValueError: "resume"})
    async with asyncio.timeout(BOUND), ActorSystem(supervisor=strategy) as system:
        ref = await system.spawn(Parses)
        await ref.ask(2)
        with pytest.raises(ValueError, match="invalid literal"):
            await ref.ask("x")
        assert await ref.ask(3) == 5  # resumed: its state kept
        assert failures(system, "Parses", "ValueError") == 1
    assert reports(caplog) == []


class Shown(ValueError):
    """Counts each time a report words it."""

    times = 0

    def __repr__(self) -> str:
        Shown.times += 1
        return "Shown()"


class FailsShown(Actor):
    async def receive(self, message: Any) -> Any:
        raise Shown


async def test_with_the_logger_at_error_a_resumed_failure_is_not_even_worded(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The report's fields are built only for a level the logger writes, as `logger.log`
    decides: a failure's own `__repr__` (slow, or raising) is not run for a dropped line."""
    caplog.set_level(logging.ERROR, logger="actorkit")
    Shown.times = 0
    strategy = OneForOne(decider={Shown: "resume"})
    async with asyncio.timeout(BOUND), ActorSystem(supervisor=strategy) as system:
        ref = await system.spawn(FailsShown)
        with pytest.raises(Shown):
            await ref.ask("x")
    assert Shown.times == 0
    assert reports(caplog) == []
