"""Exits from user code that reach the owner: a `SystemExit` or `KeyboardInterrupt` inside an
exception group, wherever it is raised (a handler, `on_start`, `on_stop`, a pool's `hash_key`
under a timer, a metrics source), after an orderly shutdown; and an exit handed over in the
turn the owner's main coroutine ends with the shutdown, in a process of its own."""

from __future__ import annotations

import asyncio
import logging
import os
import pathlib
import subprocess
import sys
from typing import Any

import pytest
from prometheus_client import generate_latest

import actorkit
from actorkit import Actor, ActorStopped, ActorSystem

from .exception_kinds_support import Raises
from .hardening_support import BOUND
from .hostile_objects_support import Stops


def group_of(exit: BaseException) -> BaseExceptionGroup[BaseException]:
    """`exit` nested in a group beside an error, as a task group of task groups gathers it."""
    inner = BaseExceptionGroup("inner", [KeyError("k"), exit])
    return BaseExceptionGroup("outer", [ValueError("v"), inner])


class ExitsOnStart(Actor):
    def __init__(self, error: BaseException) -> None:
        self.error = error

    async def on_start(self) -> None:
        raise self.error


class ExitsOnStop(Actor):
    def __init__(self, error: BaseException) -> None:
        self.error = error

    async def on_stop(self) -> None:
        raise self.error


async def in_on_stop(system: ActorSystem, group: BaseException) -> None:
    await (await system.spawn(ExitsOnStop, group, name="r")).stop()


async def in_a_handler(system: ActorSystem, group: BaseException) -> None:
    ref = await system.spawn(Raises, name="r")
    await ref.ask(group)


async def in_on_start_at_spawn(system: ActorSystem, group: BaseException) -> None:
    await system.spawn(ExitsOnStart, group, name="r")


async def in_a_pools_hash_key_under_a_timer(system: ActorSystem, group: BaseException) -> None:
    pool = await system.spawn_pool(
        Raises, size=2, routing="consistent_hash", hash_key=raise_it, name="p"
    )
    system.schedule_once(0.0, pool, group)


async def in_a_metrics_source(system: ActorSystem, group: BaseException) -> None:
    def source() -> Any:
        raise group

    system.metrics.add_source(source)
    generate_latest(system.metrics.registry)  # the scrape is served


def raise_it(message: object) -> object:
    if isinstance(message, BaseException):
        raise message
    return message


async def exit_in_a_group(
    where: Any, error: BaseException, stopped: list[str], seen: list[object]
) -> None:
    async with ActorSystem("exiting") as system:
        await system.spawn(Stops, stopped, name="other")
        group = group_of(error)
        seen.append(group)
        try:
            await where(system, group)
        except BaseException as answered:
            seen.append(answered)
        async with asyncio.timeout(BOUND):
            await asyncio.Event().wait()  # only the exit ends the owner's wait


@pytest.mark.parametrize(
    "where",
    [
        in_a_handler,
        in_on_start_at_spawn,
        in_on_stop,
        in_a_pools_hash_key_under_a_timer,
        in_a_metrics_source,
    ],
)
@pytest.mark.parametrize("error", [SystemExit(3), KeyboardInterrupt()], ids=repr)
@pytest.mark.parametrize("uvloop", [False, True], ids=["asyncio", "uvloop"])
def test_an_exit_in_a_group_reaches_the_owner_after_an_orderly_shutdown(
    where: Any, error: BaseException, uvloop: bool, caplog: pytest.LogCaptureFixture
) -> None:
    """As `asyncio.TaskGroup` raises a child's exit bare, not in its group: the exit is the
    owner's, and a group is no exit asyncio would let out of the loop. Taken for a failure,
    the actor was restarted and the program ran on."""
    caplog.set_level(logging.CRITICAL, logger="actorkit")
    stopped: list[str] = []
    seen: list[Any] = []
    with pytest.raises(type(error)) as exited:
        actorkit.run(exit_in_a_group(where, error, stopped, seen), uvloop=uvloop)
    assert exited.value is error
    group, *answered = seen
    if where in (in_a_handler, in_on_start_at_spawn):  # the others have nobody to answer
        (stopped_error,) = answered
        assert type(stopped_error) is ActorStopped and stopped_error.__cause__ is group
    else:
        assert answered == []
    assert stopped == ["/other"]


OWNER = """
import asyncio, sys
import actorkit
from actorkit import Actor, ActorStopped, ActorSystem

class Exits(Actor):
    async def receive(self, message):
        sys.exit(4)

async def main():
    {body}
    return "returned"

{run}
"""
BODIES = {
    "async_with": """async with ActorSystem() as system:
        try:
            await (await system.spawn(Exits)).ask("go")
        except ActorStopped:
            pass""",
    "shutdown": """system = await ActorSystem().start()
    try:
        await (await system.spawn(Exits)).ask("go")
    except ActorStopped:
        await system.shutdown()""",
}
RUNS = {
    "asyncio_run": "asyncio.run(main())",
    "actorkit_run_asyncio": "actorkit.run(main(), uvloop=False)",
    "actorkit_run_uvloop": "actorkit.run(main())",
}


@pytest.mark.parametrize("body", sorted(BODIES))
@pytest.mark.parametrize("run", sorted(RUNS))
def test_an_exit_reaches_an_owner_whose_main_ends_with_the_shutdown(body: str, run: str) -> None:
    """Handed over from a loop callback in the turn the owner's main coroutine ended, the
    exit left the loop ahead of the stop `run_until_complete` had queued for that coroutine,
    which then stopped the runner's closing run: the process ended with `RuntimeError: Event
    loop stopped before Future completed` (uvloop: `Event loop is closed`), status 1, not 4.
    Its own process: the turns it depends on are a fresh interpreter's."""
    script = OWNER.format(body=BODIES[body], run=RUNS[run])
    root = str(pathlib.Path(actorkit.__file__).parent.parent)
    env = {**os.environ, "PYTHONPATH": root}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 4, done.stderr[-2000:]
    assert "RuntimeError" not in done.stderr
