"""Task outcomes a mutation review of the task layer found untested (API 6)."""

from __future__ import annotations

import asyncio
import gc
import traceback
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from actorkit import ActorSystem

from .tasks_support import Fail, Worker


async def test_a_failed_task_raises_with_the_frames_where_its_agent_raised() -> None:
    """As `asyncio.Future.result()` keeps the raise site: every awaiter sees the agent's
    `receive` in the traceback, not only its own frames."""
    async with asyncio.timeout(10), ActorSystem() as system:
        await system.spawn(Worker, [], name="w")
        handle = await system.submit(Fail("doomed", times=1))

        async def await_handle() -> Any:
            return await handle

        waits: list[Callable[[], Awaitable[Any]]] = [await_handle, handle.result] * 2
        for wait in waits:
            with pytest.raises(RuntimeError, match="doomed failed attempt 1") as raised:
                await wait()
            frames = [frame.name for frame in traceback.extract_tb(raised.value.__traceback__)]
            assert "receive" in frames


def futures_alive() -> int:
    gc.collect()
    return sum(isinstance(thing, asyncio.Future) for thing in gc.get_objects())


async def test_callers_that_give_up_on_a_pending_task_leave_nothing_behind() -> None:
    """A caller polling a task it waits for with a timeout, round after round, must not grow
    the task by a future per round: each gives up only its own wait."""
    async with asyncio.timeout(10), ActorSystem() as system:
        handle = await system.submit("job", requires=("nobody",))  # pending: no agent fits

        async def give_up(rounds: int) -> None:
            for _ in range(rounds):
                waits: tuple[Awaitable[Any], ...] = (handle.result(), handle)
                for wait in waits:
                    with pytest.raises(TimeoutError):
                        async with asyncio.timeout(0):
                            await wait

        await give_up(5)
        before = futures_alive()
        await give_up(100)
        assert futures_alive() - before < 20
        assert handle.status == "pending"
        assert handle.cancel()
