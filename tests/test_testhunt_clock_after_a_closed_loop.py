"""A `ManualClock` kept across tests (a module's), one of which closed its event loop by hand
(`run_until_complete`, then `loop.close()`) with its system never shut down: nothing of that
system runs again (docs/api.md, §1), so its timers are no work of the clock's. The next
test's `advance` fires its own timers, not the dead system's (whose actors' loop is closed:
"Event loop is closed" from inside the advance), `pending` and `next_due()` leave them out,
and the clock lets go of the dead system."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest

import actorkit

SCRIPT = """
import asyncio, gc, sys, threading, weakref
from actorkit import Actor, ActorSystem
from actorkit.testing import ManualClock, Probe

CLOCK = ManualClock()
held = []

class Ticking(Actor):
    async def on_start(self):
        self.timers.start_every("tick", "tick", 1.0)

    async def receive(self, message):
        return message

async def forgets():
    system = await ActorSystem("forgotten", clock=CLOCK).start()
    await system.spawn(Ticking)
    probe = await Probe.spawn(system)
    system.schedule_every(0.5, probe.ref, "tick")
    asyncio.ensure_future((await system.spawn(Ticking)).ask(asyncio.Event(), timeout=30.0))
    await CLOCK.advance(2.0)
    held.append(weakref.ref(system))

async def next_test():
    async with asyncio.timeout(10), ActorSystem("next", clock=CLOCK) as system:
        assert CLOCK.pending == 0 and CLOCK.next_due() is None, (CLOCK.pending, CLOCK.next_due())
        probe = await Probe.spawn(system)
        system.schedule_every(1.0, probe.ref, "here")
        await CLOCK.advance(3.0)
        assert [await probe.receive() for _ in range(probe.pending)] == ["here"] * 3
        assert CLOCK.pending == 1

loop = __import__(sys.argv[1]).new_event_loop()
loop.run_until_complete(forgets())
loop.close()
del loop
for thread in threading.enumerate():  # it holds the system until it sees the loop closed
    if thread.name == "actorkit-watchdog":
        thread.join(10)
asyncio.run(next_test())
gc.collect()
print("next test passed; dead system held:", held[0]() is not None, file=sys.stderr)
"""


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_the_next_test_s_advance_fires_its_own_timers_and_the_dead_system_is_let_go(
    loop: str,
) -> None:
    """Its own process: asyncio reports the dead system's tasks as destroyed while pending."""
    root = str(pathlib.Path(actorkit.__file__).parent.parent)
    env = {**os.environ, "PYTHONPATH": root}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, loop], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "next test passed; dead system held: False" in done.stderr, done.stderr[-3000:]
