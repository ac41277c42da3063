"""`system.shutdown()` from a task that an actor's handler started and awaits (`gather`, a
`TaskGroup`, `await create_task(...)`, `wait_for`, `shield`, `wait`) is called from inside an
actor (API §9): it starts the shutdown and returns at once, so the handler returns, its ask is
answered and the drain ends well within the timeout. Before, it waited for a drain that
waited for that handler, until the timeout forced the stop and failed the ask (through
`wait_for`, until the `wait_for` timed out)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem

from .handlers_task_ways import BOUND, WAYS

TIMEOUT = 2 * BOUND
"""The shutdown's, what the handler would have waited before: past the test's bound, so that
a handler kept waiting fails the test with no clock read that a stalled machine could stretch."""


class ShutsDown(Actor):
    def __init__(self, way: str, stopped: list[str]) -> None:
        self.way = WAYS[way]
        self.stopped = stopped

    async def receive(self, message: Any) -> Any:
        await self.way(lambda: self.system.shutdown(timeout=TIMEOUT))
        return "shutdown asked"

    async def on_stop(self) -> None:
        self.stopped.append(self.path)


@pytest.mark.parametrize("way", list(WAYS))
async def test_a_shutdown_from_a_task_a_handler_awaits_returns_at_once(way: str) -> None:
    stopped: list[str] = []
    async with asyncio.timeout(BOUND):
        system = await ActorSystem().start()
        actor = await system.spawn(ShutsDown, way, stopped)
        assert await actor.ask("shut down", timeout=BOUND) == "shutdown asked"
        await system.shutdown()
    assert stopped == [actor.path]
    assert system.dead_letters.count == 0
