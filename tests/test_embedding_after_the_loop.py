"""A system used in a later `asyncio.run` than the one it ran in (a module-level system, a
fixture of a wider scope) has shut down with its loop's end: every call says so at once with
the error it raises on its own loop after a shutdown, and none touches the closed loop. A
pool's `resize` armed its timeout on that loop first and raised asyncio's `Event loop is
closed`."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from actorkit import Actor, ActorStopped, ActorSystem, NotDelivered, PoolRef


class Echo(Actor):
    async def receive(self, message: Any) -> Any:
        return message


def ran_and_ended() -> tuple[ActorSystem, PoolRef]:
    made: list[tuple[ActorSystem, PoolRef]] = []

    async def run() -> None:
        system = ActorSystem("earlier")
        await system.start()
        made.append((system, await system.spawn_pool(Echo, size=2, name="pool")))
        await system.shutdown()

    asyncio.run(asyncio.wait_for(run(), 10))
    return made[0]


def test_a_system_s_calls_after_its_asyncio_run_ended_say_it_is_stopped() -> None:
    system, pool = ran_and_ended()
    calls: list[tuple[Callable[[], Awaitable[Any]], type[ActorStopped]]] = [
        (lambda: pool.resize(3, timeout=1.0), NotDelivered),
        (lambda: pool.ask("hello", timeout=1.0), NotDelivered),
        (lambda: system.spawn(Echo), ActorStopped),
        (lambda: system.spawn_pool(Echo, size=2), ActorStopped),
        (lambda: system.submit("job"), ActorStopped),
        (lambda: system.serve_http(port=0), ActorStopped),
    ]

    async def later() -> None:
        for call, error in calls:
            with pytest.raises(error):
                await call()
        with pytest.raises(ActorStopped):
            system.schedule_once(0.0, pool, "tick")

    asyncio.run(asyncio.wait_for(later(), 10))
