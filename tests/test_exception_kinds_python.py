"""What Python itself raises in a handler, each one failure answered and counted: `RecursionError`,
`MemoryError`, `StopAsyncIteration`, `GeneratorExit`, a cause chain that is a cycle,
`StopIteration` (which Python turns into a `RuntimeError`), the handler's own `TimeoutError`
(no `AskTimeout`), a `CancelledError` raised with no cancellation asked for; and a failure
keeps no frame of its handler alive."""

from __future__ import annotations

import asyncio
import gc
import logging
import weakref
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, AskTimeout, OneForOne, Task

from .exception_kinds_support import Raises, cause_cycle, failures
from .hardening_support import BOUND
from .invariants import assert_settled


def recurse(depth: int) -> int:
    return recurse(depth + 1)


async def recurse_awaiting(depth: int) -> int:
    return await recurse_awaiting(depth + 1)


async def recursion() -> None:
    recurse(0)


async def awaited_recursion() -> None:
    await recurse_awaiting(0)


@pytest.mark.parametrize(
    ("raised", "answered"),
    [
        (recursion, RecursionError),
        (awaited_recursion, RecursionError),
        (MemoryError("raised by the handler, not exhaustion"), MemoryError),
        (StopAsyncIteration(), StopAsyncIteration),
        (GeneratorExit(), GeneratorExit),
        (cause_cycle(), ValueError),
    ],
    ids=[
        "recursion",
        "awaited_recursion",
        "MemoryError",
        "StopAsyncIteration",
        "GeneratorExit",
        "cause_cycle",
    ],
)
async def test_what_python_raises_in_a_handler_is_one_failure_answered_and_counted(
    raised: Any, answered: type[BaseException], caplog: pytest.LogCaptureFixture
) -> None:
    """A handler's recursion overflowed deep down; the runtime handles the failure back in
    its own frame, with the stack unwound, and logs it once, as a cause chain that is a
    cycle too (logging walks it once)."""
    async with ActorSystem() as system:
        ref = await system.spawn(Raises, name="r")
        async with asyncio.timeout(BOUND):
            with pytest.raises(answered):
                await ref.ask(raised)
            assert await ref.ask("after") == "after"
        assert failures(system, "Raises", answered.__name__) == 1
        assert system.failure is None
        await assert_settled(system)
    reports = [r for r in caplog.records if "failed handling" in r.getMessage()]
    assert len(reports) == 1 and "--- Logging error ---" not in caplog.text


async def stop_iteration_in_a_coroutine() -> None:
    raise StopIteration("turned into a RuntimeError by Python (PEP 479)")


async def test_a_stop_iteration_in_a_handler_reaches_its_asker_as_pythons_runtime_error() -> None:
    async with ActorSystem() as system:
        ref = await system.spawn(Raises, name="r")
        async with asyncio.timeout(BOUND):
            with pytest.raises(RuntimeError, match="coroutine raised StopIteration") as failed:
                await ref.ask(stop_iteration_in_a_coroutine)
            assert type(failed.value.__cause__) is StopIteration
            assert await ref.ask("after") == "after"
        assert failures(system, "Raises", "RuntimeError") == 1


async def test_a_timeout_error_of_the_handlers_own_is_no_ask_timeout() -> None:
    """The asker can tell its own ask's timeout (`AskTimeout`) from the handler's failure."""
    async with ActorSystem() as system:
        ref = await system.spawn(Raises, name="r")
        error = TimeoutError("the handler's own wait")
        async with asyncio.timeout(BOUND):
            with pytest.raises(TimeoutError) as failed:
                await ref.ask(error)
            assert failed.value is error and not isinstance(failed.value, AskTimeout)
            assert await ref.ask("after") == "after"  # the failure decided on, so counted
        labels = {"actor_type": "Raises", "outcome": "error"}
        assert system.metrics.registry.get_sample_value("actorkit_asks_total", labels) == 1
        labels["outcome"] = "timeout"
        assert system.metrics.registry.get_sample_value("actorkit_asks_total", labels) == 0
        assert failures(system, "Raises", "TimeoutError") == 1


async def test_a_cancelled_error_a_handler_raises_unasked_is_one_failure_accounted() -> None:
    """No cancellation was asked for: the actor restarts sane, the told message counted as
    the failure it caused, the ask's as its asker's `RuntimeError`."""
    async with ActorSystem() as system:
        ref = await system.spawn(Raises, name="r")
        async with asyncio.timeout(BOUND):
            ref.tell(asyncio.CancelledError())
            with pytest.raises(RuntimeError, match="CancelledError escape"):
                await ref.ask(asyncio.CancelledError())
            assert await ref.ask("after") == "after"
            current = asyncio.current_task()
            assert current is not None and current.cancelling() == 0
        assert failures(system, "Raises", "RuntimeError") == 2
        assert system.dead_letters.count == 0
        await assert_settled(system)


class Big:
    """Stands for a large object a failing handler's frame holds."""


async def test_a_failure_keeps_no_frame_of_its_handler_alive_once_its_asker_lets_go(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Nothing of the runtime's keeps a failure once it is reported (its crash report is a
    log record, kept only by a handler that keeps records: pytest's, turned off here)."""
    monkeypatch.setattr(logging.getLogger("actorkit"), "disabled", True)
    held: list[weakref.ref[Big]] = []

    async def holds_a_big_object() -> None:
        big = Big()
        held.append(weakref.ref(big))
        raise ValueError("fails holding it")

    class Agent(Actor):
        capabilities = ("holds",)

        async def receive(self, message: Any) -> Any:
            if isinstance(message, Task):
                await holds_a_big_object()
            return message

    async with ActorSystem(supervisor=OneForOne(max_restarts=10)) as system:
        ref = await system.spawn(Raises, name="r")
        agent = await system.spawn(Agent, name="agent")
        async with asyncio.timeout(BOUND):
            for _ in range(3):
                with pytest.raises(ValueError):
                    await ref.ask(holds_a_big_object)
                assert await ref.ask("after") == "after"
                handle = await system.submit("task", requires=("holds",))
                with pytest.raises(ValueError):
                    await handle
                del handle  # a task's handle keeps its traceback, as a future does
                assert await agent.ask("after") == "after"  # its failure decided on
        gc.collect()
        assert len(held) == 6 and [alive() for alive in held] == [None] * 6
