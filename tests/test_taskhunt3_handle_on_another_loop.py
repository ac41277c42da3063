"""A task handle belongs to its system's event loop, as the system's refs do (API 1, 6): a
pending one awaited on an event loop in another thread is refused at once with
`RuntimeError` saying how to hand the await to the system's loop. Before, its waiter was
woken from the system's thread, which does not wake the other loop: the await hung until
something else did (for ever on an idle loop). A finished handle answers anywhere."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import ActorSystem, TaskHandle, TaskStatus

from .tasks_support import Block, Journal, Worker

BOUND = 10.0
WAITED = 2.0
"""How long the other loop waits for the handle: the refusal comes long before."""


def await_on_another_loop(handle: TaskHandle) -> Any:
    """What awaiting `handle` in `asyncio.run` in the calling thread gives, or raises, within
    `WAITED` seconds."""

    async def awaited() -> Any:
        return await asyncio.wait_for(handle.result(), WAITED)

    return asyncio.run(awaited())


@pytest.mark.parametrize("how", ["await", "result"])
async def test_a_pending_handle_awaited_on_another_loop_is_refused_at_once(how: str) -> None:
    journal: Journal = []
    async with asyncio.timeout(BOUND), ActorSystem("app") as system:
        await system.spawn(Worker, journal, name="w")
        gate = Block()
        handle = await system.submit(gate)
        await gate.entered.wait()

        async def awaited() -> Any:
            waiting = handle if how == "await" else handle.result()
            return await asyncio.wait_for(waiting, WAITED)

        def in_the_thread() -> BaseException | None:
            try:
                asyncio.run(awaited())
            except BaseException as error:
                return error
            return None

        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            error = await asyncio.to_thread(in_the_thread)
            assert loop.time() - started < WAITED / 2
            assert isinstance(error, RuntimeError), error
            said = str(error)
            assert "handle.result() of actor system 'app'" in said
            assert "another event loop (in another thread)" in said
            assert "asyncio.run_coroutine_threadsafe(handle.result(), loop)" in said
            assert handle.status is TaskStatus.RUNNING
        finally:
            gate.release.set()
        assert await handle == ("w", "block")


async def test_a_handle_handed_to_its_loop_is_awaited_from_another_thread() -> None:
    """The way the refusal says: the await runs on the system's loop."""
    journal: Journal = []
    async with asyncio.timeout(BOUND), ActorSystem("app") as system:
        await system.spawn(Worker, journal, name="w")
        gate = Block()
        handle = await system.submit(gate)
        await gate.entered.wait()
        loop = asyncio.get_running_loop()
        handed = asyncio.run_coroutine_threadsafe(handle.result(), loop)
        waiting = asyncio.ensure_future(asyncio.to_thread(handed.result, BOUND))
        gate.release.set()
        assert await waiting == ("w", "block")


async def test_a_finished_handle_answers_on_another_loop() -> None:
    journal: Journal = []
    async with asyncio.timeout(BOUND), ActorSystem("app") as system:
        await system.spawn(Worker, journal, name="w")
        handle = await system.submit("job")
        assert await handle == ("w", "job")
        assert await asyncio.to_thread(await_on_another_loop, handle) == ("w", "job")
