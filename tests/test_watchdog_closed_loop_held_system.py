"""A loop closed under a running system that its owner still holds (`loop.close()` with
the system's tasks left pending, the system kept in a variable): the system is not freed, so
the thread cannot end by losing its watchdog; it sees the loop closed and ends, rather than
taking the closed loop for one paused between runs and waking once per `blocked_threshold`
for as long as the system is held."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest

import actorkit

HOLDS = """
import sys, threading
from actorkit import ActorSystem

loop = __import__(sys.argv[1]).new_event_loop()
system = loop.run_until_complete(ActorSystem(metrics=False, blocked_threshold=0.05).start())
loop.close()
[watchdog] = [t for t in threading.enumerate() if t.name == "actorkit-watchdog"]
watchdog.join(5.0)
print("watchdog ended:", not watchdog.is_alive(), "system held:", system.name, file=sys.stderr)
"""


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_the_watchdog_thread_ends_with_its_loop_closed_though_the_system_is_held(
    loop: str,
) -> None:
    """Its own process: the tasks the closed loop leaves pending are its own to report."""
    root = str(pathlib.Path(actorkit.__file__).parent.parent)
    env = {**os.environ, "PYTHONPATH": root}
    done = subprocess.run(
        [sys.executable, "-c", HOLDS, loop], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "watchdog ended: True system held:" in done.stderr, done.stderr[-3000:]
