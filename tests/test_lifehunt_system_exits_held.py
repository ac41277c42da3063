"""How a system ends, probed from outside (API §1, §9): a drain refuses the spawns its
handlers try and still ends; `async with` stops every actor once when its body raises or is
cancelled, raising the body's own error (or `SystemFailed` after a root failure, the body's
error as its context)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorStopped, ActorSystem, OneForOne, SupervisorGaveUp, SystemFailed

BOUND = 5.0


class Worker(Actor):
    def __init__(self, stopped: list[str]) -> None:
        self.stopped = stopped

    async def receive(self, message: Any) -> Any:
        if message == "fail":
            raise ValueError("failed on purpose")
        return message

    async def on_stop(self) -> None:
        self.stopped.append(self.path)


class SpawnsPerMessage(Actor):
    """A per-request worker pattern: every message spawns a child, or says it could not."""

    def __init__(self, refused: list[int], stopped: list[str]) -> None:
        self.refused, self.stopped = refused, stopped

    async def receive(self, message: int) -> Any:
        try:
            await self.spawn(Worker, self.stopped)
        except ActorStopped:
            self.refused.append(message)


async def test_a_drain_refuses_the_spawns_of_its_handlers_and_ends() -> None:
    refused: list[int] = []
    stopped: list[str] = []
    async with asyncio.timeout(BOUND):
        system = await ActorSystem().start()
        spawner = await system.spawn(SpawnsPerMessage, refused, stopped)
        await spawner.ask(0)
        for number in (1, 2, 3):
            spawner.tell(number)
        await system.shutdown(timeout=BOUND)
    assert refused == [1, 2, 3]
    assert stopped == [f"{spawner.path}/$1"]
    assert system.dead_letters.count == 0


async def test_a_body_that_raises_gets_its_error_after_every_actor_stopped() -> None:
    stopped: list[str] = []
    with pytest.raises(KeyError, match="the body's"):
        async with asyncio.timeout(BOUND), ActorSystem() as system:
            await system.spawn(Worker, stopped, name="a")
            await system.spawn(Worker, stopped, name="b")
            raise KeyError("the body's")
    assert stopped == ["/b", "/a"]


async def test_a_cancelled_body_is_cancelled_after_every_actor_stopped() -> None:
    stopped: list[str] = []
    running = asyncio.Event()

    async def body() -> None:
        async with ActorSystem() as system:
            await system.spawn(Worker, stopped, name="a")
            running.set()
            await asyncio.Event().wait()

    async with asyncio.timeout(BOUND):
        task = asyncio.ensure_future(body())
        await running.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert stopped == ["/a"]


async def test_a_body_that_raises_after_a_root_failure_gets_system_failed() -> None:
    stopped: list[str] = []
    system = ActorSystem(supervisor=OneForOne(max_restarts=0))
    with pytest.raises(SystemFailed) as raised:
        async with asyncio.timeout(BOUND), system:
            worker = await system.spawn(Worker, stopped, name="a")
            with pytest.raises(ValueError):
                await worker.ask("fail")
            while system.healthy:  # the root gives up in its own task
                await asyncio.sleep(0)
            raise KeyError("the body's")
    assert isinstance(system.failure, SupervisorGaveUp)
    assert raised.value.__cause__ is system.failure
    assert isinstance(raised.value.__context__, KeyError)
    assert stopped == ["/a"]
