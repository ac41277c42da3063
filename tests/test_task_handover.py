"""The envelope future of a task attempt (`_tasks._handover.Attempt`), as a unit."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any, cast

import pytest

from actorkit._tasks._agents import Agent
from actorkit._tasks._handover import Attempt


class Outcomes:
    """Stands in for the agent: records the outcomes its `on_done` is called with."""

    def __init__(self, fail: bool = False) -> None:
        self.cell = SimpleNamespace(runtime=SimpleNamespace(loop=asyncio.get_running_loop()))
        self.fail = fail
        self.seen: list[tuple[object, BaseException | None]] = []

    def on_done(self, agent: object, result: object, error: BaseException | None) -> None:
        assert agent is self
        self.seen.append((result, error))
        if self.fail:
            raise RuntimeError("layer bug")


def attempt(outcomes: Outcomes) -> Attempt:
    return Attempt(cast(Agent, outcomes))


async def test_a_success_is_reported_before_set_result_returns() -> None:
    outcomes = Outcomes()
    future = attempt(outcomes)
    assert not future.done()
    future.set_result(42)
    assert future.done()
    assert outcomes.seen == [(42, None)]


async def test_a_failure_is_reported_on_the_next_loop_turn() -> None:
    outcomes = Outcomes()
    failed = attempt(outcomes)
    boom = ValueError("boom")
    failed.set_exception(boom)
    assert failed.done()
    assert outcomes.seen == []
    await asyncio.sleep(0)  # one turn: done-callbacks run on the next
    assert outcomes.seen == [(None, boom)]


async def test_a_withdrawn_attempt_ends_once_and_reports_nothing() -> None:
    outcomes = Outcomes()
    withdrawn = attempt(outcomes)
    assert withdrawn.withdraw()
    assert not withdrawn.withdraw()
    assert withdrawn.done()
    with pytest.raises(asyncio.InvalidStateError):
        withdrawn.set_result("late")
    await asyncio.sleep(0)  # one turn: done-callbacks run on the next
    assert outcomes.seen == []  # the task layer, which took it back, settles it


async def test_an_outcome_is_set_once() -> None:
    outcomes = Outcomes()
    future = attempt(outcomes)
    future.set_result(1)
    with pytest.raises(asyncio.InvalidStateError):
        future.set_result(2)
    with pytest.raises(asyncio.InvalidStateError):
        future.set_exception(ValueError())
    assert not future.withdraw()
    await asyncio.sleep(0)  # one turn: done-callbacks run on the next
    assert outcomes.seen == [(1, None)]


async def test_a_failing_report_reaches_the_loop_not_the_agent() -> None:
    loop = asyncio.get_running_loop()
    reported: list[dict[str, Any]] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: reported.append(context))
    try:
        future = attempt(Outcomes(fail=True))
        future.set_result("done")  # must not raise into the agent's receive loop
    finally:
        loop.set_exception_handler(previous)
    assert future.done()
    assert [type(context["exception"]) for context in reported] == [RuntimeError]
