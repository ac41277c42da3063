"""A restart in place runs the new instance's `__init__` inside the child's context
(`_restart_steps.start_in_place`). A dormant child that `__init__` wakes (a tell to itself,
its `self.stop()`, the `Terminated` of a stopped actor it watches) got its task there and
then, made in that context: a task factory that enters the context at once, as
`asyncio.eager_task_factory` does to run the task's first step, found it entered already.
The `__init__` failed with "cannot enter context" (a failure of the child's that it never
had), and under the eager factory the loop lost track of its current task."""

from __future__ import annotations

import asyncio
import sys
from contextvars import Context
from typing import Any

import pytest

from actorkit import Actor, ActorRef, ActorSystem, ChildSpec, OneForAll, Supervisor
from actorkit.testing import Probe, snapshot

from .otp_conformance_support import Watcher
from .test_eager_tasks import eager

BOUND = 10.0


def entering(
    loop: asyncio.AbstractEventLoop, coro: Any, *, context: Context | None = None, **_: Any
) -> asyncio.Task[Any]:
    """Enters the new task's context as it makes the task, as the eager factory does (and
    takes what else a loop passes a factory: uvloop on 3.13 adds `eager_start`)."""
    task = asyncio.Task(coro, loop=loop, context=context)
    if context is not None:
        context.run(lambda: None)
    return task


FACTORIES = [pytest.param(entering, id="entering")]
if hasattr(asyncio, "eager_task_factory"):  # Python 3.12 and later
    FACTORIES.append(pytest.param(asyncio.eager_task_factory, id="eager"))


class Wakes(Actor):
    """Dormant, with no hook; each instance after the first wakes it from `__init__`."""

    def __init__(self, made: list[str], how: str, gone: ActorRef | None = None) -> None:
        made.append(how)
        if len(made) == 1:
            return
        if how == "tell":
            self.ref.tell("from init")
        elif how == "stop":
            self.stop()
        elif gone is not None:
            self.watch(gone)

    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise RuntimeError("on purpose")
        return message


@pytest.mark.parametrize("factory", FACTORIES)
@pytest.mark.parametrize("how", ["tell", "stop", "watch"])
async def test_an_init_run_in_place_may_wake_its_dormant_actor(factory: Any, how: str) -> None:
    on_uvloop = type(asyncio.get_running_loop()).__module__.startswith("uvloop")
    if factory is not entering and on_uvloop and sys.version_info >= (3, 13):
        pytest.skip("uvloop passes eager_start=None, which 3.13.0's eager factory refuses")
    made: list[str] = []
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        gone = await system.spawn(Wakes, [], "none")
        await gone.stop()
        team = [
            ChildSpec(Wakes, [], "none", name="a"),
            ChildSpec(Wakes, made, how, gone, name="b", restart="transient"),
        ]
        await system.spawn(Supervisor, team, OneForAll(), name="team")
        a, b = system.lookup("/team/a"), system.lookup("/team/b")
        assert a is not None and b is not None
        probe = await Probe.spawn(system)
        await (await system.spawn(Watcher, probe.ref)).ask(b)
        async with eager(factory):
            a.tell("crash")
            assert await a.ask("x") == "x"
            if how == "stop":  # a transient child's normal exit stops it
                assert (await probe.receive()).ref == b
            else:
                assert await b.ask("x") == "x"
        assert made == [how, how]
        assert (snapshot(b).failures, snapshot(b).restarts) == (0, 1)
