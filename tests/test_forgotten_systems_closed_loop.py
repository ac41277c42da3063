"""A system never shut down on an event loop its owner closed by hand (`run_until_complete`,
then `loop.close()`, no `asyncio.run` to cancel what is left): its actors' tasks stay
pending, and the collector closes their coroutines, throwing `GeneratorExit` at their awaits.
asyncio says "Task was destroyed but it is pending" for each; nothing of the runtime may run
then (no failure handled, no `on_stop`, no future answered on the closed loop), or each
actor adds a traceback of its own ("Exception ignored ... Event loop is closed")."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest

import actorkit

FORGETS = """
import asyncio, gc, sys, threading
from actorkit import Actor, ActorSystem

class Echo(Actor):
    async def receive(self, message):
        if message == "hang":
            await asyncio.Event().wait()
        return message

class Stopping(Echo):
    async def on_stop(self):
        print("on_stop ran", file=sys.stderr)

class SlowStop(Echo):
    async def on_stop(self):
        await asyncio.Event().wait()

class Starting(Echo):
    async def on_start(self):
        await asyncio.Event().wait()

async def main():
    system = await ActorSystem(metrics=False).start()
    for actor in (Echo, Stopping):
        await (await system.spawn(actor)).ask("parked")
    (await system.spawn(Echo)).tell("hang")
    slow = await system.spawn(SlowStop)
    loop = asyncio.get_running_loop()
    stopping = loop.create_task(slow.stop())
    starting = loop.create_task(system.spawn(Starting))
    for _ in range(10):
        await asyncio.sleep(0)

loop = __import__(sys.argv[1]).new_event_loop()
loop.run_until_complete(main())
loop.close()
del loop
for thread in threading.enumerate():  # it holds the system until it sees the loop closed
    if thread.name == "actorkit-watchdog":
        thread.join(10)
gc.collect()
print("collected", file=sys.stderr)
"""


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_actors_collected_after_their_loop_was_closed_run_nothing(loop: str) -> None:
    """Its own process: what the collector finds is this system's alone."""
    root = str(pathlib.Path(actorkit.__file__).parent.parent)
    env = {**os.environ, "PYTHONPATH": root}
    done = subprocess.run(
        [sys.executable, "-c", FORGETS, loop], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "collected" in done.stderr
    assert "Task was destroyed but it is pending" in done.stderr  # asyncio's own
    assert "Exception ignored" not in done.stderr, done.stderr[-3000:]
    assert "on_stop ran" not in done.stderr
