"""A mutation review of the words a system's end gives the tasks it cuts short: a task whose
failed attempt could not be retried, the system having failed meanwhile, says so and keeps
that attempt's error as its cause, the one place its traceback is left."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorStopped, ActorSystem, OneForOne

from .tasks_support import Block, Journal, Worker

pytestmark = pytest.mark.timeout(30)


class Failing(Actor):
    async def receive(self, message: Any) -> Any:
        raise ValueError("failed on purpose")


async def test_a_task_not_retried_keeps_its_failed_attempt_as_its_cause() -> None:
    journal: Journal = []
    system = ActorSystem("failing", supervisor=OneForOne(max_restarts=0))
    async with asyncio.timeout(5):
        await system.start()
        failing = await system.spawn(Failing, name="failing")
        await system.spawn(Worker, journal, name="w")
        hold = Block(fail=True)
        running = await system.submit(hold, retries=1)
        await hold.entered.wait()
        with pytest.raises(ValueError):
            await failing.ask("go")  # the root gives up: the system fails
        hold.release.set()  # its attempt fails once the system is stopping: no retry runs
        with pytest.raises(ActorStopped, match="could not be retried") as raised:
            await running
        await system.shutdown()
    cause = raised.value.__cause__
    assert isinstance(cause, RuntimeError)
    assert str(cause) == "block failed after release"
