"""A system never shut down on an event loop its owner stopped and dropped without closing
it (`run_until_complete`, then nothing: no `asyncio.run` to end it, no `loop.close()`). The
loop can never run again, yet its watchdog thread held it (and the system, its actors) for
the life of the process, waking once per `blocked_threshold`. The thread holds its system
weakly now: the collector frees the loop and what hangs from it, and the thread ends."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest

import actorkit

DROPS = """
import asyncio, gc, sys, threading, weakref
from actorkit import Actor, ActorSystem

class Echo(Actor):
    async def receive(self, message):
        return message

async def main(asks):
    system = await ActorSystem(blocked_threshold=0.05, metrics=sys.argv[2] == "metrics").start()
    echo = await system.spawn(Echo)
    if sys.argv[4] == "beats":  # after its first heartbeat: the timer it armed again
        beaten, heartbeat = asyncio.Event(), system._watchdog._heartbeat
        def beat(loop):
            heartbeat(loop)
            beaten.set()
        system._watchdog._heartbeat = beat
        await beaten.wait()
    if asks:  # its deadline's timers stay armed on the stopped loop
        await echo.ask("hello")
    else:
        echo.tell("hello")
    await asyncio.sleep(0)
    return weakref.ref(system)

loop = __import__(sys.argv[1]).new_event_loop()
system = loop.run_until_complete(main(sys.argv[3] == "ask"))
del loop
watchdogs = [t for t in threading.enumerate() if t.name == "actorkit-watchdog"]
assert len(watchdogs) == 1, watchdogs
for _ in range(50):  # the thread may hold it for the instant of a look as the collector runs
    gc.collect()
    watchdogs[0].join(0.2)
    if not watchdogs[0].is_alive():
        break
print("system freed:", system() is None, file=sys.stderr)
print("watchdog ended:", not watchdogs[0].is_alive(), file=sys.stderr)
"""

CASES = [
    ("asyncio", "metrics", "tell", "at once"),
    ("asyncio", "no-metrics", "tell", "at once"),
    ("asyncio", "metrics", "ask", "at once"),
    ("uvloop", "metrics", "tell", "at once"),
    ("uvloop", "no-metrics", "tell", "at once"),
    ("uvloop", "no-metrics", "tell", "beats"),
]
"""uvloop keeps an armed timer, and what it calls, alive by itself: a loop dropped with an
ask's deadline armed (or any timer, a sleep) is never freed, nor its system (README)."""


@pytest.mark.parametrize(("loop", "metrics", "message", "stopped"), CASES)
def test_a_stopped_loop_dropped_unclosed_frees_its_system_and_ends_its_watchdog(
    loop: str, metrics: str, message: str, stopped: str
) -> None:
    """Its own process: the threads and the collector's work are this system's alone. The
    thread ends as it would stop, with no error of its own; a loop stopped past its first
    heartbeat holds the one armed again as weakly as the first."""
    root = str(pathlib.Path(actorkit.__file__).parent.parent)
    env = {**os.environ, "PYTHONPATH": root}
    done = subprocess.run(
        [sys.executable, "-c", DROPS, loop, metrics, message, stopped],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "watchdog ended: True" in done.stderr, done.stderr[-3000:]
    assert "system freed: True" in done.stderr, done.stderr[-3000:]
    # The thread's own error, not the loop's: asyncio's `__del__` of a loop dropped unclosed
    # may print one of its own, as the collector happens to finalize its self-pipe first.
    assert "Exception in thread actorkit-watchdog" not in done.stderr, done.stderr[-3000:]
