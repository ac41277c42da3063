"""anyio inside actors: handlers that run anyio task groups, sleeps and threads are cut short
within a forced stop's bound, leaving no task; an `ExceptionGroup` out of a handler's task
group is a failure that restarts; a thread anyio started reaches the system through
`anyio.from_thread` (docs/api.md, "anyio hosts")."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import anyio
import pytest

from actorkit import Actor, ActorSystem
from actorkit.testing import snapshot

from .anyio_hosts_support import Member
from .invariants import TaskSnapshot


class UsesAnyio(Actor):
    """A handler that runs anyio: a task group with children that never end, anyio's sleep,
    a thread, or a child task that fails (an `ExceptionGroup` out of the group)."""

    def __init__(self, entered: asyncio.Event, thread_holds: threading.Event) -> None:
        self.entered, self.thread_holds = entered, thread_holds

    async def receive(self, message: Any) -> Any:
        self.entered.set()
        if message == "group":
            async with anyio.create_task_group() as group:
                group.start_soon(anyio.sleep_forever)
                group.start_soon(anyio.sleep, 3600)
                await anyio.sleep_forever()
        elif message == "thread":
            await anyio.to_thread.run_sync(self.thread_holds.wait)
        elif message == "fail":
            async with anyio.create_task_group() as group:
                group.start_soon(fails)
                await anyio.sleep_forever()
        return message


async def fails() -> None:
    raise ValueError("a child task failed")


@pytest.mark.parametrize("how", ["stop", "shutdown"])
async def test_handlers_running_anyio_are_cut_short_within_the_bound_leaving_no_task(
    how: str,
) -> None:
    """A forced stop (`ref.stop(timeout=...)`, the shutdown's timeout) cancels the handler's
    task: its task group's children are cancelled and awaited as the group unwinds, within
    the grace. `to_thread.run_sync` returns at once, its thread running on to its end: the
    forced stop's `Task.cancel()` goes through anyio's shielded scopes on asyncio."""
    tasks = TaskSnapshot()
    thread_holds = threading.Event()
    try:
        async with asyncio.timeout(10):
            system = await ActorSystem("hosted").start()
            refs = []
            for message in ("group", "thread"):
                entered = asyncio.Event()
                ref = await system.spawn(UsesAnyio, entered, thread_holds)
                ref.tell(message)
                await entered.wait()
                refs.append(ref)
            if how == "stop":
                for ref in refs:
                    await ref.stop(timeout=0.05)
                assert not any(ref.is_alive for ref in refs)
            await system.shutdown(timeout=0.05)
            assert not thread_holds.is_set()  # the thread still runs: the stop did not wait
    finally:
        thread_holds.set()
    await tasks.assert_no_leaks()


async def test_an_exception_group_from_a_handlers_task_group_is_a_failure_and_restarts() -> None:
    async with asyncio.timeout(10), ActorSystem("hosted") as system:
        ref = await system.spawn(UsesAnyio, asyncio.Event(), threading.Event())
        with pytest.raises(ExceptionGroup) as failed:
            await ref.ask("fail")
        assert failed.group_contains(ValueError)
        assert await ref.ask("after") == "after"  # restarted
        assert snapshot(ref).restarts == 1


async def test_a_thread_anyio_started_reaches_the_system_through_from_thread() -> None:
    """A sync Starlette endpoint runs in a thread of anyio's: `anyio.from_thread` hands its
    calls to the system's loop, as `run_coroutine_threadsafe` does for any other thread."""

    def endpoint(ref: Any) -> Any:
        anyio.from_thread.run_sync(ref.tell, "told")
        return anyio.from_thread.run(ref.ask, "asked")

    async with asyncio.timeout(10), ActorSystem("threads") as system:
        ref = await system.spawn(Member)
        assert await anyio.to_thread.run_sync(endpoint, ref) == "asked"
        assert snapshot(ref).accounting.processed == 2
