"""What the tests of the kinds of exceptions user code raises (`tests/test_exception_kinds_*.py`,
`tests/test_exception_groups_exits.py`) share: an actor that raises what it is sent or runs
the coroutine function it is sent, the failures counted for it, a task group that fails, a
wait someone else cancels and an error whose cause chain is a cycle."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor, ActorSystem


def failures(system: ActorSystem, kind: str, exception: str) -> float | None:
    labels = {"actor_type": kind, "exception": exception}
    return system.metrics.registry.get_sample_value("actorkit_actor_failures_total", labels)


class Raises(Actor):
    """Raises what it is sent, or runs the coroutine function it is sent."""

    async def receive(self, message: Any) -> Any:
        if isinstance(message, BaseException):
            raise message
        if callable(message):
            return await message()
        return message


async def a_task_group_failing() -> None:
    async def fails() -> None:
        raise ValueError("a child of the handler's task group")

    async with asyncio.TaskGroup() as group:
        group.create_task(fails())


def cause_cycle() -> BaseException:
    first, second = ValueError("first"), KeyError("second")
    first.__cause__, second.__cause__ = second, first
    first.__context__, second.__context__ = second, first
    return first


async def awaits_what_someone_else_cancels() -> None:
    waited = asyncio.get_running_loop().create_future()
    waited.get_loop().call_soon(waited.cancel)  # another task's doing, say
    await waited
