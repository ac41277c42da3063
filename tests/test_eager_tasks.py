"""actorkit under an eager task factory (Python 3.12's `asyncio.eager_task_factory`, which a
program may set on its loop for speed): `create_task` runs the new task's first step before
it returns. A dormant actor's task is made by its first message, inside the sender's put:
run eagerly there, the actor handled that message inside its sender's `tell` (or the task
layer's hand-over), nested once per actor woken in turn."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from actorkit import Actor, ActorSystem
from actorkit.persistence import MemoryStore

EAGER_FACTORY: Any = getattr(asyncio, "eager_task_factory", None)
"""`asyncio.eager_task_factory` where there is one (Python 3.12 and later), else None: read
so, mypy takes it on every version it checks for, with no ignore that one of them finds unused."""

EAGER_MARKS = [
    pytest.mark.skipif(
        not hasattr(asyncio, "eager_task_factory"), reason="eager tasks: Python 3.12 and later"
    ),
]
if sys.version_info >= (3, 13):
    # on 3.13 uvloop's `create_task` passes the factory `eager_start=None`, which 3.13.0's
    # `eager_task_factory` refuses (TypeError: unexpected keyword argument); 3.12's takes it
    EAGER_MARKS.append(pytest.mark.asyncio(loop_factories=["asyncio"]))
pytestmark = EAGER_MARKS


@asynccontextmanager
async def eager(factory: Any = None) -> AsyncIterator[None]:
    """The loop's task factory for the block: `asyncio.eager_task_factory`, or `factory`."""
    loop = asyncio.get_running_loop()
    loop.set_task_factory(factory or EAGER_FACTORY)
    try:
        yield
    finally:
        loop.set_task_factory(None)


class Link(Actor):
    """Dormant (no `on_start`, no `on_stop`): passes a count on to the next link."""

    def __init__(self, after: Any, done: asyncio.Future[int]) -> None:
        self.after = after
        self.done = done

    async def receive(self, message: int) -> None:
        if self.after is None:
            self.done.set_result(message)
        else:
            self.after.tell(message + 1)


async def test_a_tell_to_a_dormant_actor_does_not_run_its_handler_in_the_sender() -> None:
    """Woken by the tell, it handled the message before `tell` returned."""
    async with eager(), asyncio.timeout(10), ActorSystem() as system:
        done = asyncio.get_running_loop().create_future()
        last = await system.spawn(Link, None, done)
        last.tell(7)
        assert not done.done()
        assert await done == 7


async def test_a_long_chain_of_dormant_actors_passes_its_message_to_the_end() -> None:
    """Each wake-up ran the next actor inside the tell before it: past ~160 links the stack
    ran out, and the message was lost without a word."""
    async with eager(), asyncio.timeout(10), ActorSystem() as system:
        done = asyncio.get_running_loop().create_future()
        after = None
        for _ in range(1_000):
            after = await system.spawn(Link, after, done)
        assert after is not None
        after.tell(0)
        assert await done == 999


class Worker(Actor):
    capabilities = frozenset({"work"})

    async def receive(self, message: Any) -> Any:
        return getattr(message, "payload", message)


async def test_the_agent_history_keeps_the_first_task_of_a_dormant_agent() -> None:
    """The hand-over woke the agent, which took the task and the next before the hand-over
    recorded it busy: the first task never reached the history."""
    async with (
        eager(),
        asyncio.timeout(10),
        ActorSystem(store=MemoryStore(), agent_history=True) as system,
    ):
        await system.spawn(Worker, name="w")
        handles = [await system.submit(n, requires=["work"]) for n in (1, 2, 3)]
        for handle in handles:
            await handle
        history = await system.agent_history("/w")
    busy = [change.task for change in history if change.state == "busy"]
    assert busy == [1, 2, 3]
