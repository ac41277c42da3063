"""Crash reports as docs/observability.md describes them: the `directive` record attribute is
the supervisor's decision, and a supervisor that gave up gets the note that it is "not
resumed" only when its parent's decider asked to resume it (docs/api.md §9, Supervision)."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, OneForOne, SupervisorGaveUp
from actorkit.testing import ManualClock

NOTE = "a supervisor that gave up is not resumed: it stopped its children"


class Failing(Actor):
    async def receive(self, message: Any) -> None:
        raise ValueError("fails on purpose")


class GivesUpAtOnce(Actor):
    supervisor_strategy = OneForOne(max_restarts=0)

    async def receive(self, message: Any) -> Any:
        return await self.spawn(Failing, name="child")


@pytest.mark.parametrize(
    ("decider", "directive"),
    [
        (None, "restart"),
        ({SupervisorGaveUp: "restart"}, "restart"),
        ({SupervisorGaveUp: "stop"}, "stop"),
        ({SupervisorGaveUp: "resume"}, f"restart ({NOTE})"),
    ],
)
async def test_a_gave_up_supervisors_report_says_not_resumed_only_when_resume_was_asked(
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
    decider: dict[type[BaseException], str] | None,
    directive: str,
) -> None:
    root = OneForOne(decider=decider)  # type: ignore[arg-type]
    with caplog.at_level(logging.ERROR, logger="actorkit"):
        async with asyncio.timeout(10), ActorSystem(clock=clock, supervisor=root) as system:
            supervisor = await system.spawn(GivesUpAtOnce, name="s")
            child = await supervisor.ask("spawn")
            child.tell("fail")
            await clock.settle()
    decided = [
        getattr(record, "directive", None)
        for record in caplog.records
        if getattr(record, "actor_path", None) == "/s"
    ]
    assert decided == [directive]


FAILS_ONCE = """
import logging, sys
import actorkit

class Failing(actorkit.Actor):
    async def receive(self, message):
        raise ValueError("fails on purpose")

async def main():
    async with actorkit.ActorSystem("logs") as system:
        ref = await system.spawn(Failing)
        try:
            await ref.ask("go")
        except ValueError:
            pass

if sys.argv[1:] == ["configured"]:
    logging.basicConfig()
actorkit.run(main())
"""


@pytest.mark.parametrize(("args", "shown"), [([], False), (["configured"], True)])
def test_crash_reports_show_only_where_the_program_configures_logging(
    args: list[str], shown: bool
) -> None:
    """The `actorkit` logger's own `NullHandler` keeps Python's last-resort handler quiet."""
    command = [sys.executable, "-c", FAILS_ONCE, *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=30, check=True)
    assert ("supervisor decided: restart" in result.stderr) is shown, result.stderr
