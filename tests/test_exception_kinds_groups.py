"""Exception groups from user code that hold no exit: a handler's own `TaskGroup` failing is one
failure its asker gets, a group of a cancellation nobody asked for is the actor's failure, a
forced stop a handler wraps in a group is still a stop, and the cancellation count a failed
`TaskGroup` leaves (Python < 3.13) does not hide a later stray cancellation."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import pytest

from actorkit import Actor, ActorStopped, ActorSystem

from .exception_kinds_support import (
    Raises,
    a_task_group_failing,
    awaits_what_someone_else_cancels,
    failures,
)
from .hardening_support import BOUND


async def test_a_handlers_task_group_failing_is_one_failure_its_asker_gets() -> None:
    async with ActorSystem() as system:
        ref = await system.spawn(Raises, name="r")
        async with asyncio.timeout(BOUND):
            with pytest.raises(ExceptionGroup) as failed:
                await ref.ask(a_task_group_failing)
            (child,) = failed.value.exceptions
            assert type(child) is ValueError
            assert await ref.ask("after") == "after"  # restarted, as for any failure
        assert failures(system, "Raises", "ExceptionGroup") == 1


@pytest.mark.parametrize(
    "group",
    [
        BaseExceptionGroup("g", [asyncio.CancelledError()]),
        BaseExceptionGroup("g", [ValueError("v"), asyncio.CancelledError()]),
        BaseExceptionGroup("g", [GeneratorExit()]),
    ],
    ids=repr,
)
async def test_a_group_holding_no_exit_is_a_failure_its_asker_gets_as_it_is(
    group: BaseExceptionGroup[BaseException],
) -> None:
    """Not a cancellation the runtime asked for, which would propagate bare: the actor's own."""
    async with ActorSystem() as system:
        ref = await system.spawn(Raises, name="r")
        async with asyncio.timeout(BOUND):
            with pytest.raises(BaseExceptionGroup) as failed:
                await ref.ask(group)
            assert failed.value is group
            current = asyncio.current_task()
            assert current is not None and current.cancelling() == 0
            assert await ref.ask("after") == "after"
        assert failures(system, "Raises", "BaseExceptionGroup") == 1
        assert system.failure is None


@pytest.mark.parametrize("cleanup", [None, ValueError("cleanup")], ids=["alone", "with_an_error"])
async def test_a_forced_stop_a_handler_wraps_in_a_group_is_still_a_stop(
    cleanup: Exception | None,
) -> None:
    """A handler that wraps the runtime's cancellation in a group is stopped as asked: the
    stop goes on, nothing restarts, the ask is answered stopped. A group of that cancellation
    alone is the cancellation, no failure; an error beside it (a cleanup that failed) is
    logged and counted, as one raised bare in that cleanup is."""
    entered = asyncio.Event()

    class Wraps(Actor):
        async def receive(self, message: Any) -> Any:
            try:
                entered.set()
                await asyncio.Event().wait()
            except asyncio.CancelledError as cancelled:
                errors = [cancelled] if cleanup is None else [cancelled, cleanup]
                raise BaseExceptionGroup("cleanup", errors) from None

    async with ActorSystem() as system:
        ref = await system.spawn(Wraps, name="w")
        async with asyncio.timeout(BOUND):
            asked = asyncio.ensure_future(ref.ask("hold"))
            await entered.wait()
            await ref.stop(timeout=0)
            with pytest.raises(ActorStopped):
                await asked
        assert system.lookup("/w") is None
        counted = failures(system, "Wraps", "BaseExceptionGroup")
        assert counted == (None if cleanup is None else 1)
        assert system.dead_letters.by_reason == {"stopping": 1}
        assert system.failure is None


async def test_a_stray_cancellation_after_a_failed_task_group_is_still_a_failure() -> None:
    """`asyncio.TaskGroup` on Python 3.11 and 3.12 cancels its parent task when a child fails
    once the body has ended, and never uncancels it (3.13 does): the actor's task, one for
    its life, kept `cancelling() == 1`, so a later `CancelledError` the runtime did not ask
    for read as its own cancellation, and the actor stopped with no failure reported."""
    async with ActorSystem() as system:
        ref = await system.spawn(Raises, name="r")
        async with asyncio.timeout(BOUND):
            with pytest.raises(ExceptionGroup):
                await ref.ask(a_task_group_failing)
            assert await ref.ask("after") == "after"
            with pytest.raises(RuntimeError, match="CancelledError escape"):
                await ref.ask(awaits_what_someone_else_cancels)
            assert await ref.ask("after") == "after"
        assert failures(system, "Raises", "RuntimeError") == 1


async def a_task_group_failing_caught() -> str:
    outcome = "not raised"
    try:
        await a_task_group_failing()
    except* ValueError:
        outcome = "caught"
    return outcome


@pytest.mark.xfail(
    sys.version_info < (3, 13),
    strict=True,
    raises=ActorStopped,
    reason="a handler that catches its failed TaskGroup's error returns normally: the runtime "
    "sees no failure, and reads the task's cancellation count on no message's path, so the "
    "count that TaskGroup left before Python 3.13 stays (README, 'What a failure is')",
)
async def test_a_stray_cancellation_after_a_task_group_failure_caught_is_still_a_failure() -> None:
    async with ActorSystem() as system:
        ref = await system.spawn(Raises, name="r")
        async with asyncio.timeout(BOUND):
            assert await ref.ask(a_task_group_failing_caught) == "caught"
            with pytest.raises(RuntimeError, match="CancelledError escape"):
                await ref.ask(awaits_what_someone_else_cancels)
            assert await ref.ask("after") == "after"
