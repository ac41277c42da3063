"""`ref.stop()` of an actor whose task was cancelled before its first step (as the end of
`asyncio.run` cancels a task just made): the task ran none of its body, so the actor's
`on_stop` runs in a task of its own. The stop returns only once that `on_stop` has ended, as
it does for any other actor (a shutdown already waited for it), within the forced stop's
grace that bounds it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem
from actorkit._signals import Stop

from .shutdown_support import BOUND


class SlowStop(Actor):
    """Its `on_stop` takes a few loop turns, as one that closes a connection does."""

    def __init__(self, stopped: list[str]) -> None:
        self.stopped = stopped

    async def receive(self, message: Any) -> None:
        pass

    async def on_stop(self) -> None:
        for _ in range(3):
            await asyncio.sleep(0)
        self.stopped.append(self.path)


@pytest.mark.parametrize("stop", ["ref-stop", "joined-stop", "with-timeout"])
async def test_the_stop_returns_after_the_on_stop_run_apart(stop: str) -> None:
    stopped: list[str] = []
    system = ActorSystem(metrics=False)
    await system.start()
    try:
        async with asyncio.timeout(BOUND):
            ref = await system.spawn(SlowStop, stopped, name="actor")
            task = ref._cell.task
            assert task is not None
            task.cancel()  # before its first step: no await since its spawn
            await asyncio.wait((task,))
            if stop == "joined-stop":  # a stop queued by a caller that gave up waiting
                ref._cell.post(Stop(None))
            await ref.stop(timeout=30.0 if stop == "with-timeout" else None)
            assert stopped == ["/actor"]
    finally:
        await system.shutdown(5.0)
