"""A stop or a shutdown asked from a task that a handler starts and awaits returns at once
(docs/api.md §9), also under an eager task factory (Python 3.12's `eager_task_factory`, or
one wrapping each coroutine and starting it eagerly). There the task's first step, and the
stop in it, runs inside the handler's own step, before the handler awaits the task: asyncio's
await graph does not show the handler waiting on it yet, so the stop waited for the handler,
which then waited for the stop, until the ask timed out and a shutdown forced them."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, Terminated

from .test_eager_tasks import EAGER_FACTORY, eager
from .watch_support import Watcher

pytestmark = pytest.mark.skipif(
    not hasattr(asyncio, "eager_task_factory"), reason="eager tasks: Python 3.12 and later"
)

BOUND = 5.0
ASKED = 1.0  # the ask's timeout: the held stop ran past it
Call = Callable[[], Coroutine[Any, Any, None]]


def eagerly(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> asyncio.Task[Any]:
    """`asyncio.eager_task_factory`; uvloop passes `eager_start=None`, which 3.13.0's refuses."""
    kwargs.pop("eager_start", None)
    return EAGER_FACTORY(loop, coro, **kwargs)  # type: ignore[no-any-return]


def wrapping_eagerly(
    loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any
) -> asyncio.Task[Any]:
    """A tracer's factory: each coroutine in one of its own, started eagerly."""

    async def wrapper() -> Any:
        return await coro

    return eagerly(loop, wrapper(), **kwargs)


FACTORIES = {"eager": eagerly, "wrapping": wrapping_eagerly}


async def in_gather(call: Call) -> None:
    await asyncio.gather(call())


async def in_a_task(call: Call) -> None:
    await asyncio.create_task(call())


WAYS = {"gather": in_gather, "task": in_a_task}


class StopsItself(Actor):
    def __init__(self, way: str) -> None:
        self.way = WAYS[way]

    async def receive(self, message: Any) -> Any:
        if message == "shut down":
            await self.way(lambda: self.system.shutdown(timeout=BOUND))
        else:
            await self.way(self.ref.stop)
        return "asked"


@pytest.mark.parametrize("factory", list(FACTORIES))
@pytest.mark.parametrize("way", list(WAYS))
async def test_a_stop_from_an_eager_task_its_handler_awaits_is_not_held(
    factory: str, way: str
) -> None:
    ended: asyncio.Queue[Terminated] = asyncio.Queue()
    async with asyncio.timeout(BOUND), eager(FACTORIES[factory]), ActorSystem() as system:
        watcher = await system.spawn(Watcher, ended)
        actor = await system.spawn(StopsItself, way)
        await watcher.ask(actor)
        assert await actor.ask("stop yourself", timeout=ASKED) == "asked"
        assert (await ended.get()).ref == actor


@pytest.mark.parametrize("factory", list(FACTORIES))
@pytest.mark.parametrize("way", list(WAYS))
async def test_a_shutdown_from_an_eager_task_its_handler_awaits_returns_at_once(
    factory: str, way: str
) -> None:
    async with asyncio.timeout(BOUND), eager(FACTORIES[factory]):
        system = await ActorSystem().start()
        actor = await system.spawn(StopsItself, way)
        began = time.monotonic()
        assert await actor.ask("shut down", timeout=ASKED) == "asked"
        await system.shutdown()
    assert time.monotonic() - began < ASKED
    assert system.dead_letters.count == 0
