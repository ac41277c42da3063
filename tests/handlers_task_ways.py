"""The ways a handler runs a call in a task of its own and awaits it: each a different edge of
asyncio's await graph between the handler's task and the call's (a `gather`'s children, a
task awaited directly, a future of `wait_for`'s, `shield`'s or `asyncio.wait`'s, a
`TaskGroup`'s owner). A stop or a shutdown asked through any of them is asked from inside the
actor, and must not wait for the handler that awaits it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

BOUND = 5.0
Call = Callable[[], Coroutine[Any, Any, None]]


async def in_gather(call: Call) -> None:
    await asyncio.gather(call())


async def in_a_task(call: Call) -> None:
    await asyncio.create_task(call())


async def in_wait_for(call: Call) -> None:
    """A task of its own on Python 3.11, awaited through a future of `wait_for`'s."""
    await asyncio.wait_for(call(), BOUND)


async def in_shield(call: Call) -> None:
    await asyncio.shield(call())


async def in_wait(call: Call) -> None:
    """Through a future of `asyncio.wait`'s, which the task's end sets."""
    done, _ = await asyncio.wait([asyncio.ensure_future(call())])
    await done.pop()


async def in_a_task_group(call: Call) -> None:
    async with asyncio.TaskGroup() as group:
        group.create_task(call())


WAYS: dict[str, Callable[[Call], Awaitable[None]]] = {
    "gather": in_gather,
    "task": in_a_task,
    "wait_for": in_wait_for,
    "shield": in_shield,
    "wait": in_wait,
    "task_group": in_a_task_group,
}
