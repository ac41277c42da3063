"""The envelope future of a task attempt (`_tasks._handover.Attempt`), as a unit."""

from __future__ import annotations

import asyncio
from typing import Any, cast

from actorkit._tasks._agents import Agent
from actorkit._tasks._handover import Attempt


class Outcomes:
    """Stands in for the agent: records the futures its `on_done` is called with."""

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.seen: list[asyncio.Future[object]] = []

    def on_done(self, future: asyncio.Future[object]) -> None:
        self.seen.append(future)
        if self.fail:
            raise RuntimeError("layer bug")


def attempt(outcomes: Outcomes) -> Attempt:
    future = Attempt(loop=asyncio.get_running_loop())
    future.agent = cast(Agent, outcomes)
    return future


async def test_a_success_is_reported_before_set_result_returns() -> None:
    outcomes = Outcomes()
    future = attempt(outcomes)
    future.set_result(42)
    assert outcomes.seen == [future]
    assert future.result() == 42


async def test_failures_and_cancellations_are_reported_on_the_next_loop_turn() -> None:
    outcomes = Outcomes()
    failed, cancelled = attempt(outcomes), attempt(outcomes)
    failed.set_exception(ValueError("boom"))
    assert cancelled.cancel()
    assert not cancelled.cancel()  # reported once
    assert outcomes.seen == []
    await asyncio.sleep(0)
    assert outcomes.seen == [failed, cancelled]
    assert isinstance(failed.exception(), ValueError)


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
    assert future.result() == "done"
    assert [type(context["exception"]) for context in reported] == [RuntimeError]
