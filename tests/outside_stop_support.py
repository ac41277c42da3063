"""What the tests of `await ref.stop()` at its edges share (`tests/test_outside_stop_edges_*.py`,
`tests/test_supervision_cut_outside_stop.py`): the task factories each runs under (the
default, a plain one, asyncio's eager one), an echo actor spawned and parked, and its task."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from actorkit import Actor, ActorRef, ActorSystem


class Echo(Actor):
    async def receive(self, message: Any) -> Any:
        return message


def plain(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> asyncio.Task[Any]:
    kwargs.pop("eager_start", None)
    return asyncio.Task(coro, loop=loop, **kwargs)


FACTORIES: list[Any] = [pytest.param(None, id="default"), pytest.param(plain, id="factory")]
if hasattr(asyncio, "eager_task_factory"):
    FACTORIES.append(pytest.param(asyncio.eager_task_factory, id="eager"))


@asynccontextmanager
async def factory_of(factory: Any) -> AsyncIterator[None]:
    loop = asyncio.get_running_loop()
    on_uvloop = type(loop).__module__.startswith("uvloop")
    if factory is not None and factory is not plain and on_uvloop and sys.version_info >= (3, 13):
        pytest.skip("uvloop passes eager_start=None, which 3.13.0's eager factory refuses")
    loop.set_task_factory(factory)
    try:
        yield
    finally:
        loop.set_task_factory(None)


async def parked(system: ActorSystem, actor: type[Actor] = Echo, *args: Any) -> ActorRef:
    ref = await system.spawn(actor, *args)
    assert await ref.ask("hi") == "hi"  # its task made, then parked
    return ref


def task_of(ref: ActorRef) -> asyncio.Task[Any] | None:
    return ref._cell.task
