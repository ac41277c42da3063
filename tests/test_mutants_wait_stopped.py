"""A mutation review of `system.wait_stopped()` (`actorkit/_ended.py`): a waiter that gives up
(a health check's `asyncio.wait_for` of it, each poll) leaves nothing behind in the system,
which a program polling so for days would otherwise fill with futures until the system
ended."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

import pytest

from actorkit import Actor, ActorSystem


async def test_waiters_that_gave_up_leave_nothing_behind() -> None:
    async with asyncio.timeout(10), ActorSystem("polled") as system:
        for _ in range(3):
            waiters = [asyncio.create_task(system.wait_stopped()) for _ in range(5)]
            await asyncio.sleep(0)  # each is waiting
            for waiter in waiters:
                waiter.cancel()
            await asyncio.gather(*waiters, return_exceptions=True)
            assert all(waiter.cancelled() for waiter in waiters)
            assert not system._ended._waiters  # noqa: SLF001  # nothing else tells
        kept = asyncio.create_task(system.wait_stopped())
        await asyncio.sleep(0)
        assert len(system._ended._waiters) == 1  # noqa: SLF001
    await kept


def waiting_on_a_loop_then_closed(system: ActorSystem) -> Coroutine[Any, Any, None]:
    """A `wait_stopped` begun on a loop of this thread, which is then closed with it still
    waiting (a program's thread that ended without unwinding its tasks)."""
    waiting = system.wait_stopped()

    async def begin() -> None:
        waiting.send(None)  # suspended at its future, on this loop

    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(begin())
    finally:
        loop.close()
    return waiting


async def test_a_waiter_whose_loop_closed_does_not_fail_the_shutdown(
    caplog: pytest.LogCaptureFixture,
) -> None:
    system = ActorSystem("outlived")
    waiting = await asyncio.to_thread(waiting_on_a_loop_then_closed, system)
    try:
        async with asyncio.timeout(10):
            async with system:
                await system.spawn(Actor)
            await system.wait_stopped()  # ended here all the same
    finally:
        waiting.close()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_waiter_cancelled_before_its_loop_ran_the_wake_up_is_left_cancelled(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A waiter on another thread's loop, cancelled there as the system ends: the wake-up
    handed to that loop finds it cancelled, and leaves it so."""
    system = ActorSystem("outlived")
    loop = asyncio.new_event_loop()
    waiting = system.wait_stopped()
    try:

        async def begin() -> asyncio.Future[None]:
            return waiting.send(None)  # type: ignore[no-any-return]  # its future

        future = await asyncio.to_thread(loop.run_until_complete, begin())
        future.cancel()  # its task not stepped yet, as when the end reads the waiters
        async with asyncio.timeout(10):
            async with system:
                await system.spawn(Actor)
            await asyncio.to_thread(loop.run_until_complete, asyncio.sleep(0))
        assert future.cancelled()
    finally:
        waiting.close()
        loop.close()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
