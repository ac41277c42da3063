"""The tasks a failure past the root leaves unfinished say where its cause is, in the words the
system's refusals use: they said only that "the actor system shut down", which an operator
took for a deploy, with nothing to say that a supervisor had given up. The task whose failed
attempt could not be retried keeps that attempt's error as its cause, the one place its
traceback is left."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorStopped, ActorSystem, OneForOne

from .tasks_support import Block, Journal, Worker

pytestmark = pytest.mark.timeout(30)
BOUND = 5.0


class Failing(Actor):
    async def receive(self, message: Any) -> Any:
        raise ValueError("failed on purpose")


async def test_tasks_cut_by_a_root_failure_say_where_its_cause_is() -> None:
    journal: Journal = []
    system = ActorSystem("failing", supervisor=OneForOne(max_restarts=0))
    async with asyncio.timeout(BOUND):
        await system.start()
        failing = await system.spawn(Failing, name="failing")
        await system.spawn(Worker, journal, name="w")
        hold = Block(fail=True)
        running = await system.submit(hold, retries=1)
        await hold.entered.wait()
        queued = await system.submit("queued")
        with pytest.raises(ValueError):
            await failing.ask("go")
        hold.release.set()  # its attempt fails once the system is stopping: no retry runs
        raised_by = []
        for handle in (running, queued):
            with pytest.raises(ActorStopped) as raised:
                await handle
            raised_by.append(raised.value)
        await system.shutdown()
    assert system.failure is not None
    said = [str(error) for error in raised_by]
    stopped = (
        "the actor system 'failing' is shut down (or shutting down, or failed: "
        "`system.failure` holds why)"
    )
    assert said == [
        f"task {running.id} could not be retried: {stopped}",
        f"task {queued.id} never started: {stopped}",
    ]
    cause = raised_by[0].__cause__
    assert isinstance(cause, RuntimeError)
    assert str(cause) == "block failed after release"
